// The benches' big actions: N confirmed signatures (and their supporters) on
// one of the demo content's open actions, inserted in one statement and counted
// as the app counts them. bench:pages reads a petition with a million of them;
// bench:admin downloads what organisers download of 100,000.
import { recountAction } from '../src/actions/counts.ts';
import { createPool, withTransaction } from '../src/db/pool.ts';
import { createLogger } from '../src/log.ts';
import { DEMO_ACTION_SLUG } from './harness.ts';

/** About forty countries, most signers from the first few (a campaign from Kazakhstan, shared in Europe). */
const COUNTRIES = [
  'KZ', 'GB', 'DE', 'RU', 'FR', 'US', 'PL', 'UA', 'SE', 'NL', 'IT', 'ES', 'BE', 'IE', 'AT', 'CH', 'DK', 'NO', 'FI', 'CZ',
  'PT', 'GR', 'TR', 'KG', 'UZ', 'GE', 'AM', 'LT', 'LV', 'EE', 'CA', 'AU', 'NZ', 'JP', 'KR', 'IN', 'BR', 'AR', 'ZA', 'IL',
];
const FIRST_NAMES = ['Aigerim', 'Dana', 'Yerlan', 'Sarah', 'Tom', 'Anna', 'Jonas', 'Marie', 'Piotr', 'Olena', 'Ingrid', 'Luca', 'Sofia', 'Ahmed', 'Chloé', 'Nurlan', 'Ewa', 'Kate', 'Ruslan', 'Miguel'];

/**
 * Inserts `n` confirmed signatures on the action in one statement, each with
 * its supporter (one per address, confirmed, as confirming leaves it), then
 * counts them with the app's own recount (src/actions/counts.ts), so that
 * action_counts (the count, by_country) is what the update-counts loop would show.
 * A third show their name; they were confirmed over the last thirty days, the
 * latest a minute ago. confirmed_xid is given, so the trigger that stamps it
 * (0031_letters.sql) has nothing to do.
 *
 * Fast (well under a minute) because the indexes are built once rather than
 * grown a row at a time: the signatures' secondary indexes are dropped and
 * made again from their own definitions (pg_get_indexdef) after the insert,
 * within the transaction; the unique ones, which stay, grow at their right end,
 * as addresses are numbered with leading zeros and so sort as they are made,
 * and the signatures come from the supporters' RETURNING in insertion order.
 * As a superuser (the default postgres role) it also loads as pg_restore
 * --disable-triggers does (session_replication_role = replica): the rows are
 * consistent by construction, so the three foreign-key checks per row are
 * skipped, and confirmed_xid, which the trigger would stamp, is given.
 */
export type Filled = { actionId: number; postSlug: string; count: number; countries: number; insertMs: number; indexMs: number; recountMs: number; vacuumMs: number; withoutTriggers: boolean };

export async function fillSignatures(url: string, n: number, options: { slug?: string; emailPrefix?: string } = {}): Promise<Filled> {
  const slug = options.slug ?? DEMO_ACTION_SLUG;
  const emailPrefix = options.emailPrefix ?? 'signer';
  const pool = createPool(url, { max: 1, log: createLogger('warn') });
  try {
    const { rows } = await pool.query<{ id: string; status: string; post_slug: string | null }>(
      'SELECT a.id, a.status, p.slug AS post_slug FROM actions a LEFT JOIN posts p ON p.id = a.post_id WHERE a.slug = $1',
      [slug],
    );
    const action = rows[0];
    if (action?.status !== 'open' || !action.post_slug) throw new Error(`the demo content has no open action "${slug}" on a post`);
    const phases = { insertMs: 0, indexMs: 0, recountMs: 0, vacuumMs: 0 };
    let phaseStarted = performance.now();
    const phaseEnds = (phase: keyof typeof phases) => {
      phases[phase] = performance.now() - phaseStarted;
      phaseStarted = performance.now();
    };
    const { rows: role } = await pool.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
    const withoutTriggers = role[0]?.rolsuper === true;
    await withTransaction(pool, async (client) => {
      // One transaction: its WAL need not be flushed until the commit.
      await client.query('SET LOCAL synchronous_commit = off');
      await client.query("SET LOCAL maintenance_work_mem = '256MB'");
      if (withoutTriggers) await client.query('SET LOCAL session_replication_role = replica');
      const { rows: indexes } = await client.query<{ name: string; definition: string }>(
        `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition
         FROM pg_index WHERE indrelid = 'signatures'::regclass AND NOT indisunique`,
      );
      for (const index of indexes) await client.query(`DROP INDEX ${index.name}`);
      await client.query(
        `WITH supporter AS (
           INSERT INTO supporters (email, name, created_at, confirmed_at)
           SELECT $5::text || '-' || lpad(g::text, 8, '0') || '@bench.example.org',
                  ($3::text[])[1 + g % array_length($3::text[], 1)] || ' ' || chr(65 + (g / 7) % 26) || '.',
                  confirmed_at - interval '3 minutes', confirmed_at
           FROM generate_series(1, $4::int) g,
                LATERAL (SELECT now() - interval '1 minute' - interval '30 days' * (($4::int - g)::float8 / $4::int) AS confirmed_at) t
           RETURNING id, email, name, created_at, confirmed_at
         )
         INSERT INTO signatures (action_id, supporter_id, email, name, country, show_name, wants_updates,
                                 created_at, confirmed_at, confirmed_xid, last_notice_at)
         SELECT $1, id, email, name,
                -- Skewed: x² of a uniform draw (a hash of the id) piles up on the first countries of the list.
                ($2::text[])[1 + floor(array_length($2::text[], 1) * power(((id * 2654435761) % 1000003) / 1000003.0, 2))::int],
                id % 3 = 0, id % 4 = 0, created_at, confirmed_at, pg_current_xact_id(), created_at
         FROM supporter`,
        [action.id, COUNTRIES, FIRST_NAMES, n, emailPrefix],
      );
      phaseEnds('insertMs');
      for (const index of indexes) await client.query(index.definition);
      phaseEnds('indexMs');
    });
    // Counted as the update-counts loop counts; analysed as autovacuum would have by now.
    const count = await withTransaction(pool, (client) => recountAction(client, action.id));
    phaseEnds('recountMs');
    await pool.query('VACUUM ANALYZE signatures');
    await pool.query('VACUUM ANALYZE supporters');
    phaseEnds('vacuumMs');
    const { rows: counted } = await pool.query<{ countries: number }>(
      'SELECT (SELECT count(*) FROM jsonb_object_keys(by_country))::int AS countries FROM action_counts WHERE action_id = $1',
      [action.id],
    );
    return { actionId: Number(action.id), postSlug: action.post_slug, count, countries: counted[0]?.countries ?? 0, withoutTriggers, ...phases };
  } finally {
    await pool.end();
  }
}
