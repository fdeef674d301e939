// Review of issue 10: the statements on the hot path, on tables of a size a
// viral day leaves. The confirm transaction runs queue-signature-letters for
// every confirmation; the sender's idle round (every second, every worker) is
// one claim-deliveries; the digest task walks letter_signatures. Each plan is
// read with EXPLAIN (ANALYZE, BUFFERS) and must touch a handful of pages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadQueries } from '../../src/db/queries.ts';
import { startLetterDigests } from '../../src/letters/digests.task.ts';
import { settle } from '../letters/collective-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const deliveries = loadQueries('letter-deliveries.sql', ['queue-signature-letters', 'claim-deliveries']);
const digests = loadQueries('letter-digests.sql', ['digest-range']);
const responses = loadQueries('letter-responses.sql', ['sent-without-response']);

type Plan = { 'Node Type': string; 'Relation Name'?: string; 'Shared Hit Blocks'?: number; 'Shared Read Blocks'?: number; Plans?: Plan[]; 'Actual Rows'?: number; 'Rows Removed by Filter'?: number };

// The tables that grow with signatures (letters and the directory are small: a sequential scan of them is the planner's right choice).
const BIG = new Set(['signatures', 'letter_deliveries', 'letter_recipients', 'recipient_addresses', 'letter_digest_cursors']);

function nodes(plan: Plan): Plan[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('review 10: hot-path plans', () => {
  let db: TestDatabase;
  let actionId: number;
  let signatureId: number;
  before(async () => {
    db = await createTestDatabase();
    const q = (text: string, values: unknown[] = []) => db.pool.query(text, values);
    // Many actions and signatures, many recipients, many finished deliveries.
    await q("INSERT INTO actions (kind, slug, title, status) SELECT 'letter', 'a' || g, 'A ' || g, 'open' FROM generate_series(1, 50) g");
    actionId = Number((await q("SELECT id FROM actions WHERE slug = 'a1'")).rows[0].id);
    await q("INSERT INTO letters (action_id, subject_template, body_template, routing, delivery) SELECT id, 'S', 'B', 'by_country', 'each' FROM actions");
    await q("INSERT INTO recipients (name, country) SELECT 'R' || g, chr(65 + g % 26) || chr(65 + (g / 26) % 26) FROM generate_series(1, 2000) g");
    await q('INSERT INTO recipient_addresses (recipient_id, email) SELECT id, id || \'@example.org\' FROM recipients');
    await q('INSERT INTO letter_recipients (action_id, recipient_id) SELECT a.id, r.id FROM actions a, recipients r WHERE r.id % 5 = a.id % 5');
    await q("INSERT INTO signatures (action_id, email, name, country, locality, comment, confirmed_at) SELECT 1 + g % 50, 's' || g || '@example.org', 'S ' || g, chr(65 + g % 26) || chr(65 + (g / 26) % 26), '', '', now() FROM generate_series(1, 200000) g");
    signatureId = Number((await q('SELECT id FROM signatures WHERE action_id = $1 ORDER BY id DESC LIMIT 1', [actionId])).rows[0].id);
    await q("INSERT INTO letter_deliveries (action_id, recipient_id, address_id, email, kind, signature_id, state, not_before) SELECT s.action_id, 1, 1, 'x@example.org', 'signature', s.id, 'sent', now() - interval '1 day' FROM signatures s WHERE s.id % 2 = 0");
    await q('ANALYZE');
  });
  after(() => db?.drop());

  async function explain(query: { text: string }, values: unknown[]): Promise<{ top: Plan; all: Plan[]; text: string }> {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query.text}`, values);
      await client.query('ROLLBACK');
      const top = rows[0]['QUERY PLAN'][0].Plan as Plan;
      return { top, all: nodes(top), text: JSON.stringify(top, null, 1) };
    } finally {
      client.release();
    }
  }

  const blocks = (all: Plan[]) => Math.max(...all.map((p) => (p['Shared Hit Blocks'] ?? 0) + (p['Shared Read Blocks'] ?? 0)));

  it('queues a confirmed signature\'s letters with index lookups only', async () => {
    const { all, text } = await explain(deliveries['queue-signature-letters'], [signatureId]);
    const seq = all.filter((p) => p['Node Type'] === 'Seq Scan' && BIG.has(p['Relation Name'] ?? '')).map((p) => p['Relation Name']);
    assert.deepEqual(seq, [], `no sequential scan: ${text}`);
    assert.ok(blocks(all) < 200, `a few pages: ${blocks(all)} ${text}`);
  });

  it('an idle round of the sender is one cheap indexed query', async () => {
    const { all, text } = await explain(deliveries['claim-deliveries'], [new Date(), 20, 300]);
    const seq = all.filter((p) => p['Node Type'] === 'Seq Scan' && BIG.has(p['Relation Name'] ?? '')).map((p) => p['Relation Name']);
    assert.deepEqual(seq, [], `no sequential scan: ${text}`);
    assert.ok(blocks(all) < 20, `a few pages: ${blocks(all)} ${text}`);
  });

  it('a digest walk after a cursor reads only what is after it', async () => {
    // The cursor just behind the action's last signature: nothing to walk but the last one.
    const last = (await db.pool.query('SELECT confirmed_xid::text AS x, id FROM signatures WHERE action_id = $1 ORDER BY confirmed_xid DESC, id DESC LIMIT 1 OFFSET 1', [actionId])).rows[0];
    const recipient = Number((await db.pool.query('SELECT recipient_id FROM letter_recipients WHERE action_id = $1 LIMIT 1', [actionId])).rows[0].recipient_id);
    const { all, text } = await explain(digests['digest-range'], [actionId, recipient, last.x, last.id]);
    assert.ok(blocks(all) < 500, `a few pages: ${blocks(all)} ${text.slice(0, 3000)}`);
  });

  // After a switch from digests back to one letter each, the digest task walks
  // every minute from each cursor it left. A recipient whose country is rarely
  // signed from kept its cursor at its own last signatory (digest-range's
  // `upto` is the last one routed to it), so each minute's walk read every
  // signature of the action confirmed since then, of every country.
  it('a cursor of a rarely signed-from country does not re-read the action every minute', async () => {
    const q = (text: string, values: unknown[] = []) => db.pool.query(text, values);
    const rare = Number((await q("INSERT INTO recipients (name, country) VALUES ('Rare', 'ZZ') RETURNING id")).rows[0].id);
    await q("INSERT INTO recipient_addresses (recipient_id, email) VALUES ($1, 'rare@embassy.example.org')", [rare]);
    await q('INSERT INTO letter_recipients (action_id, recipient_id) VALUES ($1, $2)', [actionId, rare]);
    await q("INSERT INTO signatures (action_id, email, name, country, locality, comment, confirmed_at) VALUES ($1, 'rare@example.org', 'Rare', 'ZZ', '', '', now())", [actionId]);
    const own = (await q("SELECT id, confirmed_xid::text AS x FROM signatures WHERE email = 'rare@example.org'")).rows[0];
    await q("INSERT INTO letter_deliveries (action_id, recipient_id, address_id, email, kind, signature_id, state) SELECT $1, $2, a.id, a.email, 'signature', $3, 'sent' FROM recipient_addresses a WHERE a.recipient_id = $2", [actionId, rare, own.id]);
    await q("INSERT INTO signatures (action_id, email, name, country, locality, comment, confirmed_at) SELECT $1, 'k' || g || '@example.org', 'K ' || g, 'KZ', '', '', now() FROM generate_series(1, 20000) g", [actionId]);
    // The cursor a digest left at the rare recipient's last signatory; the letter is back in 'each' mode.
    await q('INSERT INTO letter_digest_cursors (action_id, recipient_id, last_xid, last_id) VALUES ($1, $2, $3::xid8, $4)', [actionId, rare, own.x, own.id]);
    await q('ANALYZE signatures');
    await settle(db.pool);
    const client = await db.pool.connect();
    try {
      await startLetterDigests(client, new Date());
    } finally {
      client.release();
    }
    const cursor = (await q('SELECT last_xid::text AS x, last_id AS id FROM letter_digest_cursors WHERE action_id = $1 AND recipient_id = $2', [actionId, rare])).rows[0];
    const { all } = await explain(digests['digest-range'], [actionId, rare, cursor.x, cursor.id]);
    assert.ok(blocks(all) < 500, `pages read by the next minute's walk, which finds nobody new: ${blocks(all)}`);
    assert.equal(Number((await q("SELECT count(*) FROM letter_deliveries WHERE recipient_id = $1 AND kind = 'digest'", [rare])).rows[0].count), 0, 'no digest: nobody new');
  });

  // The action page of a letter action (the hottest page of a campaign) says,
  // per recipient, how many days its letters have waited for a reply: that
  // aggregate read every sent letter of the action on each view.
  it('the action page\'s "days without a reply" does not read every letter sent', async () => {
    const q = (text: string, values: unknown[] = []) => db.pool.query(text, values);
    const other = Number((await q("SELECT id FROM actions WHERE slug = 'a2'")).rows[0].id);
    await q("INSERT INTO letter_deliveries (action_id, recipient_id, address_id, email, kind, state, sent_at, upto_xid, upto_id) SELECT $1, 1 + g % 3, 1 + g % 3, 'x@example.org', 'digest', 'sent', now() - interval '2 days', '1', g FROM generate_series(1, 100000) g", [other]);
    await q('ANALYZE letter_deliveries');
    const { all } = await explain(responses['sent-without-response'], [other, new Date()]);
    assert.ok(blocks(all) < 500, `pages read for one view of the action page: ${blocks(all)}`);
  });
});
