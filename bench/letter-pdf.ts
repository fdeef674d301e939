// `npm run bench:letter-pdf`: the printed letter to one recipient with N
// signatories (100,000 by default; BENCH_LETTER_SIGNATORIES), streamed from
// the database cursor to /dev/null while the process's resident memory is
// sampled every 100 ms. Memory should stay flat however long the annex is.
// Seeds a scratch database (one INSERT … SELECT generate_series), dropped at
// the end, on error and on Ctrl+C (bench/harness.ts). Prints figures; asserts
// nothing.
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import * as repo from '../src/letters/letter-digests.repo.ts';
import { letterPdfMeta, streamLetterPdf } from '../src/letters/letter-pdf.ts';
import { getLetter } from '../src/letters/letters.repo.ts';
import { createLogger } from '../src/log.ts';
import { createDatabase, runBench } from './harness.ts';

const SIGNATORIES = Number(process.env.BENCH_LETTER_SIGNATORIES ?? 100_000);
const MB = 1024 * 1024;

async function main() {
  const db = await createDatabase('letter');
  const pool = createPool(db.url, { max: 4, log: createLogger('warn') });
  try {
    await migrate(pool);
    const actionId = Number((await pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('letter', 'free-them', 'Free the Zhanaozen workers', 'open') RETURNING id")).rows[0].id);
    await pool.query(
      `INSERT INTO letters (action_id, subject_template, body_template, delivery)
       VALUES ($1, 'Release the oil workers of Zhanaozen', $2, 'none')`,
      [actionId, 'Dear {{recipient_title}},\n\nWe, the undersigned, ask you to release the oil workers of Zhanaozen.\n\nҚұрметті елші, біз әділдік сұраймыз.\n\n{{signer_name}}'],
    );
    const recipientId = Number((await pool.query(
      `INSERT INTO recipients (name, title, organisation, country, time_zone, postal_address)
       VALUES ('The Chair', 'Chair of the Bar', 'The Bar Council of England and Wales', 'GB', 'Europe/London', E'289–293 High Holborn\\nLondon WC1V 7HZ') RETURNING id`,
    )).rows[0].id);
    await pool.query('INSERT INTO letter_recipients (action_id, recipient_id) VALUES ($1, $2)', [actionId, recipientId]);
    let started = process.hrtime.bigint();
    await pool.query(
      `INSERT INTO signatures (action_id, email, name, country, locality, confirmed_at)
       SELECT $1, 's' || g || '@example.org',
              (ARRAY['Әлия Қанатқызы', 'Иван Петров', 'Jane Smith', 'Нұрлан Һәкімұлы'])[1 + g % 4] || ' ' || g,
              (ARRAY['KZ', 'RU', 'GB', 'KZ'])[1 + g % 4],
              (ARRAY['Жаңаөзен', 'Москва', 'London', 'Ақтау'])[1 + g % 4],
              now()
       FROM generate_series(1, $2::int) g`,
      [actionId, SIGNATORIES],
    );
    await pool.query('VACUUM ANALYZE signatures');
    const seeded = Number(process.hrtime.bigint() - started) / 1e9;

    const letter = (await getLetter(pool, actionId))!;
    const recipient = (await repo.getRecipient(pool, recipientId))!;
    const count = await repo.countPrintedSignatories(pool, actionId, recipientId);
    const meta = letterPdfMeta({ locale: 'en', letter, recipient, campaign: { name: 'Zhanaozen Solidarity', contactEmail: 'letters@example.org' }, count, at: new Date() });

    // Bytes and pages counted on the way to /dev/null ("/Type /Page\n" opens each page object; pdfkit leaves them uncompressed).
    let bytes = 0;
    let pages = 0;
    let tail = '';
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        const text = tail + chunk.toString('latin1');
        pages += text.split('/Type /Page\n').length - 1;
        tail = text.slice(-16);
        callback(null, chunk);
      },
    });
    counter.pipe(fs.createWriteStream('/dev/null'));

    global.gc?.();
    const before = process.memoryUsage().rss;
    const samples: number[] = [];
    // With node --expose-gc, the live heap too (collected before each sample: slower, but it tells growth from garbage).
    const heap: number[] = [];
    const sampler = setInterval(() => {
      samples.push(process.memoryUsage().rss);
      if (global.gc) {
        global.gc();
        heap.push(process.memoryUsage().heapUsed);
      }
    }, 100);
    started = process.hrtime.bigint();
    await streamLetterPdf(pool, counter, meta, { printed: { actionId, recipientId } }, 'en');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    const min = Math.min(...samples);
    const max = Math.max(...samples);
    // The first and last tenth of the samples: memory at the start of the annex and at its end.
    const tenth = Math.max(1, Math.floor(samples.length / 10));
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`printed letter, ${count.toLocaleString('en')} signatories (seeded in ${seeded.toFixed(1)} s)`);
    console.log(`  ${bytes.toLocaleString('en')} bytes (${(bytes / MB).toFixed(1)} MB), ${pages.toLocaleString('en')} pages, ${seconds.toFixed(1)} s (${Math.round(count / seconds).toLocaleString('en')} names/s)`);
    console.log(`  RSS before ${(before / MB).toFixed(0)} MB; during: min ${(min / MB).toFixed(0)} MB, max ${(max / MB).toFixed(0)} MB over ${samples.length} samples; ` +
      `first tenth ${(avg(samples.slice(0, tenth)) / MB).toFixed(0)} MB, last tenth ${(avg(samples.slice(-tenth)) / MB).toFixed(0)} MB`);
    if (heap.length) console.log(`  live heap after GC: first ${(heap[0]! / MB).toFixed(1)} MB, min ${(Math.min(...heap) / MB).toFixed(1)} MB, max ${(Math.max(...heap) / MB).toFixed(1)} MB, last ${(heap.at(-1)! / MB).toFixed(1)} MB`);
  } finally {
    await pool.end();
  }
}

runBench('bench:letter-pdf', main);
