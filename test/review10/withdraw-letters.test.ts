// Review of issue 10: a supporter who withdraws a signature, or erases
// everything, before its letter went must leave no letter waiting: a held
// letter (their paragraph, for an organiser to read) stayed 'held' for ever,
// listed on the organisers' page as a letter with no signer, and an organiser
// who pressed "send" queued a letter for a signature that no longer exists.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deleteSupporterSignature, deleteSupporterSignatures } from '../../src/supporters/privacy.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import { addRecipient, createLetterAction, deliveriesOf, signAndConfirm } from '../letters/delivery-seed.ts';

describe('review 10: withdrawn signatures leave no letter waiting', () => {
  let t: TestApp;
  let actionId: number;
  before(async () => {
    t = await createTestApp();
    const r = await addRecipient(t, { name: 'Bar Council', country: 'GB', emails: ['bar@example.org'] });
    actionId = await createLetterAction(t, { slug: 'withdraw-letters', personalParagraph: true, recipients: [r.id] });
  });
  after(() => t.close());

  const supporterOf = async (signatureId: number) =>
    Number((await t.db.pool.query('SELECT supporter_id FROM signatures WHERE id = $1', [signatureId])).rows[0].supporter_id);

  it('cancels the held and queued letters of a withdrawn or erased signature', async () => {
    const held = await signAndConfirm(t, actionId, { email: 'held.one@example.org', name: 'Held One', comment: 'My own words.' });
    const queued = await signAndConfirm(t, actionId, { email: 'queued.two@example.org', name: 'Queued Two' });
    const before = await deliveriesOf(t, actionId);
    assert.deepEqual(before.map((d) => d.state).sort(), ['held', 'queued']);

    const withdrawn = await deleteSupporterSignature(t.db.pool, String(held), await supporterOf(held));
    assert.ok(withdrawn);
    await deleteSupporterSignatures(t.db.pool, await supporterOf(queued));

    const left = await deliveriesOf(t, actionId);
    assert.deepEqual(left.map((d) => [d.signature_id, d.state]), [[null, 'cancelled'], [null, 'cancelled']]);

    // Nothing for the organisers to read.
    const { agent } = await signIn(t);
    const page = await agent.get(`/admin/actions/${actionId}/letter/held`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /name="action"/, 'no held letter is offered for sending');
  });
});
