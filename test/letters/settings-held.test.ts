// The paragraphs organisers read before their letters go: the held letters of
// an action with the signer and their paragraph; "send with it" and "send
// without it" queue the letter (the second marked without_paragraph, which
// the composer honours), each audited; another action's letter, a second
// press or a forged id change nothing and are never a 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAuditEntries } from '../../src/admin/audit.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

describe('paragraphs to read', () => {
  let t: TestApp;
  let agent: Agent;
  let actionId: number;
  let otherActionId: number;
  let recipientId: number;
  let addressId: number;

  async function letterAction(slug: string): Promise<number> {
    const { rows } = await t.db.pool.query("INSERT INTO actions (kind, slug, title, demand, status) VALUES ('letter', $1, $1, 'Justice.', 'open') RETURNING id", [slug]);
    const id = Number(rows[0].id);
    await t.db.pool.query("INSERT INTO letters (action_id, subject_template, body_template, personal_paragraph) VALUES ($1, 'Subject', 'Dear {{recipient_name}},\n{{signer_comment}}', true)", [id]);
    await t.db.pool.query('INSERT INTO letter_recipients (action_id, recipient_id) VALUES ($1, $2)', [id, recipientId]);
    return id;
  }

  /** A confirmed signature with a paragraph, and its letter held (as part B's confirm hook leaves it). */
  async function heldLetter(action: number, name: string, paragraph: string): Promise<number> {
    const signature = await t.db.pool.query(
      "INSERT INTO signatures (action_id, email, name, country, locality, comment, confirmed_at) VALUES ($1, $2, $3, 'KZ', 'Aktau', $4, now()) RETURNING id",
      [action, `${name.toLowerCase().replace(/\W+/g, '.')}.${action}@example.org`, name, paragraph],
    );
    const { rows } = await t.db.pool.query(
      "INSERT INTO letter_deliveries (action_id, recipient_id, address_id, email, kind, signature_id, state) VALUES ($1, $2, $3, 'embassy@example.org', 'signature', $4, 'held') RETURNING id",
      [action, recipientId, addressId, signature.rows[0].id],
    );
    return Number(rows[0].id);
  }

  const delivery = async (id: number) => (await t.db.pool.query('SELECT state, without_paragraph FROM letter_deliveries WHERE id = $1', [id])).rows[0];

  async function press(button: 'approve' | 'without-paragraph', deliveryId: number | string, action: number | string | string[] = actionId) {
    const _csrf = await csrfToken(agent, `/admin/actions/${actionId}/letter/held`);
    return agent.post(`/admin/deliveries/${deliveryId}/${button}`).type('form').send({ _csrf, action });
  }

  before(async () => {
    t = await createTestApp();
    ({ agent } = await signIn(t));
    const r = await t.db.pool.query("INSERT INTO recipients (name, title, country) VALUES ('Embassy in Berlin', 'Ambassador', 'DE') RETURNING id");
    recipientId = Number(r.rows[0].id);
    const a = await t.db.pool.query("INSERT INTO recipient_addresses (recipient_id, email) VALUES ($1, 'embassy@example.org') RETURNING id", [recipientId]);
    addressId = Number(a.rows[0].id);
    actionId = await letterAction('held-letters');
    otherActionId = await letterAction('other-letters');
  });
  after(() => t.close());

  it('lists the held letters of the action with the signer, their country and their paragraph', async () => {
    await heldLetter(actionId, 'Zhanna Baimukhanova', 'My father worked in the oil field.\nHe was there.');
    await heldLetter(otherActionId, 'Someone Elsewhere', 'Not this action.');
    const page = await agent.get(`/admin/actions/${actionId}/letter/held`).expect(200);
    assert.match(page.text, /Zhanna Baimukhanova, Aktau, Kazakhstan/);
    assert.match(page.text, /My father worked in the oil field\.\nHe was there\./);
    assert.doesNotMatch(page.text, /Someone Elsewhere/);
  });

  it('sends a letter with its paragraph, audited', async () => {
    const id = await heldLetter(actionId, 'Aigerim', 'Free them.');
    const res = await press('approve', id);
    assert.equal(res.status, 303);
    assert.match(res.headers.location!, /\/letter\/held\?done=released$/);
    assert.deepEqual(await delivery(id), { state: 'queued', without_paragraph: false });
    const entry = (await listAuditEntries(t.db.pool, { subjectType: 'action', subjectId: String(actionId), limit: 1 }))[0]!;
    assert.equal(entry.event, 'letter.paragraph_approve');
    assert.deepEqual(entry.after, { delivery_id: id, state: 'queued', without_paragraph: false });
  });

  it('sends a letter without its paragraph, marked so for the composer, audited', async () => {
    const id = await heldLetter(actionId, 'Dauren', 'Something the organisers will not send.');
    assert.equal((await press('without-paragraph', id)).status, 303);
    assert.deepEqual(await delivery(id), { state: 'queued', without_paragraph: true });
    const entry = (await listAuditEntries(t.db.pool, { subjectType: 'action', subjectId: String(actionId), limit: 1 }))[0]!;
    assert.equal(entry.event, 'letter.paragraph_drop');
    // The signature keeps what its supporter wrote.
    assert.equal((await t.db.pool.query("SELECT comment FROM signatures WHERE name = 'Dauren'")).rows[0].comment, 'Something the organisers will not send.');
  });

  it('changes nothing for a second press, another action\'s letter or a forged id, and answers 4xx', async () => {
    const id = await heldLetter(actionId, 'Yerlan', 'Once.');
    assert.equal((await press('approve', id)).status, 303);
    const again = await press('without-paragraph', id);
    assert.equal(again.status, 303);
    assert.match(again.headers.location!, /\?done=already$/);
    assert.deepEqual(await delivery(id), { state: 'queued', without_paragraph: false }, 'the first decision stands');

    const theirs = await heldLetter(otherActionId, 'Bakyt', 'Theirs.');
    assert.equal((await press('approve', theirs)).status, 404, 'a letter of another action, named as ours');
    assert.equal((await delivery(theirs)).state, 'held');
    assert.equal((await press('approve', 99_999_999)).status, 404);
    assert.equal((await press('approve', 'abc')).status, 404);
    assert.equal((await press('approve', theirs, ['1', '2'])).status, 404, 'a repeated action field');
    assert.equal((await press('approve', theirs, '')).status, 404);
    assert.equal((await delivery(theirs)).state, 'held');
    // Without the page's token: refused before anything is read.
    const forged = await agent.post(`/admin/deliveries/${theirs}/approve`).type('form').send({ action: String(otherActionId) });
    assert.equal(forged.status, 403);
    assert.equal((await delivery(theirs)).state, 'held');
  });
});
