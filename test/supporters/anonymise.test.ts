// The anonymisation of long-closed actions' signatures: with the clock moved
// (an action closed, or past its deadline, long ago), confirmed signatures lose
// everything personal but keep the count and the breakdown by country, pending
// ones are deleted, open actions are untouched, and every reader of names and
// addresses copes (the admin's list, its exports, the public page).
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { recountAction, updateCounts } from '../../src/actions/counts.ts';
import { setStatus } from '../../src/actions/actions.admin.repo.ts';
import { anonymiseClosedActions, anonymiseSignaturesTask } from '../../src/supporters/anonymise.task.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

type Parser = Parameters<ReturnType<Agent['get']>['parse']>[0];
const binary = ((res: IncomingMessage, callback: (error: Error | null, body: unknown) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}) as unknown as Parser;

async function pdfText(data: Buffer): Promise<string> {
  const pdf = await getDocument({ data: new Uint8Array(data), useSystemFonts: false }).promise;
  const texts: string[] = [];
  for (let i = 1; i <= pdf.numPages; i++) {
    const content = await (await pdf.getPage(i)).getTextContent();
    texts.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  return texts.join('\n');
}

type Row = {
  id: number; email: string | null; name: string | null; country: string; locality: string; comment: string;
  ip_hash: Buffer | null; show_name: boolean; supporter_id: number | null; confirmed_at: Date | null; anonymised_at: Date | null;
};

describe('anonymisation of long-closed actions', () => {
  let t: TestApp;
  let agent: Agent;
  let closedId: number;
  let openId: number;

  async function addAction(slug: string): Promise<number> {
    return (await t.db.pool.query<{ id: number }>("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', $1, $1, 'open') RETURNING id", [slug])).rows[0]!.id;
  }

  /** A signature as signing makes one: its supporter, an IP hash, a submission, a token and a mail record. */
  async function addSignature(actionId: number, email: string, country: string, confirmed: boolean): Promise<number> {
    const supporter = await t.db.pool.query<{ id: number }>(
      "INSERT INTO supporters (email, name, confirmed_at) VALUES ($1, 'Someone', now()) ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id",
      [email],
    );
    const { rows } = await t.db.pool.query<{ id: number }>(
      `INSERT INTO signatures (action_id, supporter_id, email, name, country, locality, comment, show_name, ip_hash, confirmed_at)
       VALUES ($1, $2, $3, 'Name of ' || $3, $4, 'Aktau', 'A comment', true, '\\x0102', CASE WHEN $5 THEN now() END) RETURNING id`,
      [actionId, supporter.rows[0]!.id, email, country, confirmed],
    );
    const id = rows[0]!.id;
    await t.db.pool.query("INSERT INTO signature_submissions (signature_id, name, country, show_name, wants_updates) VALUES ($1, 'Typed by someone', $2, false, false)", [id, country]);
    await t.db.pool.query("INSERT INTO confirmation_tokens (token_hash, signature_id, expires_at) VALUES (sha256(($1::bigint)::text::bytea), $1, now())", [id]);
    await t.db.pool.query("INSERT INTO sent_emails (idempotency_key, template, status, message_id, signature_id) VALUES ('k' || $1::text, 'confirm-signature', 'sent', 'm', $1::bigint)", [id]);
    return id;
  }

  const rowsOf = async (actionId: number) => (await t.db.pool.query<Row>('SELECT * FROM signatures WHERE action_id = $1 ORDER BY id', [actionId])).rows;
  const countsOf = async (actionId: number) => (await t.db.pool.query('SELECT signature_count, by_country FROM action_counts WHERE action_id = $1', [actionId])).rows[0];

  before(async () => {
    t = await createTestApp({ env: { ANONYMISE_AFTER_DAYS: '183' } });
    ({ agent } = await signIn(t, { role: 'organiser' }));
    closedId = await addAction('closed-long-ago');
    openId = await addAction('still-open');
    for (const [i, country] of ['KZ', 'KZ', 'RU', 'GB', 'KZ'].entries()) await addSignature(closedId, `signer${i}@example.org`, country, true);
    await addSignature(closedId, 'pending@example.org', 'DE', false);
    await addSignature(openId, 'signer0@example.org', 'KZ', true);
    await addSignature(openId, 'pending2@example.org', 'FR', false);
    await updateCounts(t.db.pool);
  });
  after(() => t.close());

  it('records when an organiser closes an action: kept from closed to won, cleared when opened again', async () => {
    const id = await addAction('status-clock');
    const closedAt = async () => (await t.db.pool.query<{ closed_at: Date | null }>('SELECT closed_at FROM actions WHERE id = $1', [id])).rows[0]!.closed_at;
    assert.equal(await closedAt(), null);
    await setStatus(t.db.pool, id, 'closed', '');
    const first = await closedAt();
    assert.ok(first);
    await setStatus(t.db.pool, id, 'won', 'We won');
    assert.deepEqual(await closedAt(), first, 'marked won later: it closed when it closed');
    await setStatus(t.db.pool, id, 'open', '');
    assert.equal(await closedAt(), null);
  });

  it('leaves actions closed less than ANONYMISE_AFTER_DAYS ago alone', async () => {
    await setStatus(t.db.pool, closedId, 'closed', '');
    await t.db.pool.query("UPDATE actions SET closed_at = now() - interval '182 days' WHERE id = $1", [closedId]);
    assert.deepEqual(await anonymiseClosedActions(t.db.pool, t.config.anonymiseAfterDays), { actions: 0, anonymised: 0, deleted: 0 });
    assert.ok((await rowsOf(closedId)).every((r) => r.email !== null));
  });

  it('anonymises the confirmed signatures of an action closed long ago, keeping its count and breakdown, and deletes its pending ones', async () => {
    await t.db.pool.query("UPDATE actions SET closed_at = now() - interval '184 days' WHERE id = $1", [closedId]);
    const before = await countsOf(closedId);
    const beforeRows = await rowsOf(closedId);
    const openBefore = await rowsOf(openId);
    const pendingId = beforeRows.find((r) => r.confirmed_at === null)!.id;

    // Batches of two: the walk takes several statements.
    const round = await anonymiseClosedActions(t.db.pool, t.config.anonymiseAfterDays, 2);
    assert.deepEqual(round, { actions: 1, anonymised: 5, deleted: 1 });

    const after = await rowsOf(closedId);
    assert.equal(after.length, 5, 'the pending signature is gone');
    for (const row of after) {
      assert.deepEqual(
        { email: row.email, name: row.name, locality: row.locality, comment: row.comment, ip_hash: row.ip_hash, show_name: row.show_name, supporter_id: row.supporter_id },
        { email: null, name: null, locality: '', comment: '', ip_hash: null, show_name: false, supporter_id: null },
      );
      assert.ok(row.anonymised_at);
      const was = beforeRows.find((r) => r.id === row.id)!;
      assert.equal(row.country, was.country);
      assert.deepEqual(row.confirmed_at, was.confirmed_at);
    }
    const ids = beforeRows.map((r) => r.id);
    assert.equal((await t.db.pool.query('SELECT 1 FROM signature_submissions WHERE signature_id = ANY ($1)', [ids])).rowCount, 0, 'what was typed is gone too');
    assert.equal((await t.db.pool.query('SELECT 1 FROM confirmation_tokens WHERE signature_id = $1', [pendingId])).rowCount, 0);
    assert.equal((await t.db.pool.query('SELECT 1 FROM sent_emails WHERE signature_id = $1', [pendingId])).rowCount, 0);

    // The count and its breakdown are what they were, as stored and when counted again.
    assert.deepEqual(await countsOf(closedId), before);
    await recountAction(t.db.pool, closedId);
    assert.deepEqual({ ...(await countsOf(closedId)) }, { signature_count: 5, by_country: { KZ: 3, RU: 1, GB: 1 } });
    assert.deepEqual(before, { signature_count: 5, by_country: { KZ: 3, RU: 1, GB: 1 } });

    assert.deepEqual(await rowsOf(openId), openBefore, 'an open action’s signatures are untouched');
    assert.equal((await t.db.pool.query("SELECT 1 FROM supporters WHERE email = 'signer1@example.org'")).rowCount, 1, 'the supporters stay: their consent is not the action’s');
  });

  it('walks an action once for its closing: the next round skips it', async () => {
    assert.deepEqual(await anonymiseClosedActions(t.db.pool, t.config.anonymiseAfterDays), { actions: 0, anonymised: 0, deleted: 0 });
  });

  it('shows an anonymised signature as "Name withheld" in the admin’s list and exports, and the public page still works', async () => {
    const list = await agent.get(`/admin/actions/${closedId}/signatures`).expect(200);
    assert.equal((list.text.match(/Name withheld/g) ?? []).length >= 5, true);
    const csv = await agent.get(`/admin/actions/${closedId}/signatories.csv`).buffer(true).parse(binary).expect(200);
    const records = parse((csv.body as Buffer).toString('utf8').replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    assert.equal(records.length, 5, 'each still counts, so each keeps its line');
    assert.ok(records.every((r) => Object.values(r)[0] === 'Name withheld'));
    const all = await agent.get(`/admin/actions/${closedId}/signatures.csv`).buffer(true).parse(binary).expect(200);
    const fields = parse((all.body as Buffer).toString('utf8').replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    assert.ok(fields.every((r) => r.email === '' && r.name === '' && r.ip_hash === '' && r.state === 'confirmed'));
    const pdf = await agent.get(`/admin/actions/${closedId}/signatories.pdf`).buffer(true).parse(binary).expect(200);
    assert.match(await pdfText(pdf.body as Buffer), /Name withheld/);
    const search = await agent.get(`/admin/actions/${closedId}/signatures?q=signer`).expect(200);
    assert.doesNotMatch(search.text, /signer\d@example\.org/);
    await t.db.pool.query("UPDATE actions SET status = 'open', deadline = NULL, closed_at = NULL WHERE id = $1", [closedId]);
    const page = await agent.get('/actions/closed-long-ago').expect(200);
    assert.doesNotMatch(page.text, /Name withheld|signer\d/, 'an anonymised name is in no public list');
    await t.db.pool.query("UPDATE actions SET status = 'closed', closed_at = now() - interval '184 days' WHERE id = $1", [closedId]);
  });

  it('anonymises an open action long past its deadline too, through the periodic task', async () => {
    await t.db.pool.query("UPDATE actions SET deadline = now() - interval '200 days' WHERE id = $1", [openId]);
    await anonymiseSignaturesTask.run({ config: t.config, log: createLogger('silent') } as never, t.db.pool);
    const rows = await rowsOf(openId);
    assert.equal(rows.length, 1, 'its pending signature is gone');
    assert.equal(rows[0]!.email, null);
    assert.equal(rows[0]!.country, 'KZ');
    assert.equal((await countsOf(openId)).signature_count, 1);
  });

  it('forgets expired privacy links in the same round', async () => {
    const supporter = (await t.db.pool.query<{ id: number }>("SELECT id FROM supporters WHERE email = 'signer0@example.org'")).rows[0]!.id;
    await t.db.pool.query("INSERT INTO privacy_links (token_hash, supporter_id, expires_at) VALUES (sha256('old'), $1, now() - interval '1 minute'), (sha256('live'), $1, now() + interval '1 hour')", [supporter]);
    await anonymiseSignaturesTask.run({ config: t.config, log: createLogger('silent') } as never, t.db.pool);
    const { rows } = await t.db.pool.query<{ token_hash: Buffer }>('SELECT token_hash FROM privacy_links WHERE supporter_id = $1', [supporter]);
    assert.equal(rows.length, 1, 'the live one stays');
  });
});
