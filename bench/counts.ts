// `npm run bench:counts`: what the update-counts loop costs on a viral petition.
// Fills a scratch database with N confirmed signatures on one action, then
// times a round of counting when the action had a new confirmation (a full
// recount of its index) and when nothing changed (the check alone). Prints
// figures; asserts nothing. The database (placard_bench_counts_*) is dropped
// at the end, on error and on Ctrl+C (bench/harness.ts).
import { updateCounts } from '../src/actions/counts.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { createLogger } from '../src/log.ts';
import { createDatabase, runBench } from './harness.ts';

const SIZES = (process.env.BENCH_COUNT_SIZES ?? '100000,1000000').split(',').map(Number);
const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main() {
  const db = await createDatabase('counts');
  const pool = createPool(db.url, { max: 4, log: createLogger('warn') });
  try {
    await migrate(pool);
    const { rows } = await pool.query("INSERT INTO actions (kind, slug, title, status, goal) VALUES ('petition', 'viral', 'Viral', 'open', 1000000) RETURNING id");
    const actionId = rows[0].id as number;
    const countries = ['KZ', 'GB', 'DE', 'FR', 'RU', 'US', 'PL', 'SE'];
    let inserted = 0;
    console.log(`update-counts on one action; ${ROUNDS} rounds each, median shown`);
    for (const size of SIZES) {
      // Fill up to `size` confirmed signatures, in batches.
      while (inserted < size) {
        const batch = Math.min(200_000, size - inserted);
        await pool.query(
          `INSERT INTO signatures (action_id, email, name, country, confirmed_at)
           SELECT $1, 's' || g || '@example.org', 'Signer', ($2::text[])[1 + g % 8], now() - interval '1 hour'
           FROM generate_series($3::int + 1, $3::int + $4::int) g`,
          [actionId, countries, inserted, batch],
        );
        inserted += batch;
      }
      await pool.query('VACUUM ANALYZE signatures');
      // The backdated rows are caught by the reconciliation, as a late commit would be.
      await pool.query("UPDATE action_counts SET counted_at = now() - interval '1 hour' WHERE action_id = $1", [actionId]);
      await updateCounts(pool);
      const dirty: number[] = [];
      const idle: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        // A fresh confirmation makes the action dirty: this round recounts it whole.
        const id = (await pool.query('SELECT min(id) + $2 AS id FROM signatures WHERE action_id = $1', [actionId, i])).rows[0].id;
        await pool.query('UPDATE signatures SET confirmed_at = now() WHERE id = $1', [id]);
        let started = process.hrtime.bigint();
        await updateCounts(pool);
        dirty.push(Number(process.hrtime.bigint() - started) / 1e6);
        // Nothing new since the last count (the confirmation moved back out of the overlap window).
        await pool.query("UPDATE signatures SET confirmed_at = now() - interval '1 hour' WHERE id = $1", [id]);
        await pool.query('UPDATE action_counts SET counted_at = now() WHERE action_id = $1', [actionId]);
        started = process.hrtime.bigint();
        await updateCounts(pool);
        idle.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      const { rows: counted } = await pool.query('SELECT signature_count FROM action_counts WHERE action_id = $1', [actionId]);
      console.log(
        `${size.toLocaleString('en')} confirmed signatures: recount ${median(dirty).toFixed(1)} ms, ` +
          `nothing new ${median(idle).toFixed(1)} ms (count shown: ${counted[0].signature_count.toLocaleString('en')})`,
      );
    }
  } finally {
    await pool.end();
  }
}

runBench('bench:counts', main);
