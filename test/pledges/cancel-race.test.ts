// "It wasn't me" and the confirm button of the same link pressed at the same
// moment (two tabs, a scanner and a person): neither may end in a 500 from a
// deadlock. Both take the supporter first, then the token, then the signature.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { newToken } from '../../src/http/link-tokens.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { waitForLockWaiters } from '../helpers/db.ts';
import { openForm, signPetition } from '../helpers/forms.ts';

describe('cancel racing confirm', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000', SIGN_MIN_SECONDS: '0' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  it('confirm and "it wasn\'t me" pressed at once: no 500, and one of them wins whole', async () => {
    const email = 'both-buttons@example.org';
    assert.equal((await signPetition(t.app, { email })).status, 303);
    const { rows } = await t.db.pool.query<{ sig: number; sub: number }>(
      'SELECT s.id AS sig, sub.id AS sub FROM signatures s JOIN signature_submissions sub ON sub.signature_id = s.id WHERE s.email = $1',
      [email],
    );
    const { token, hash } = newToken();
    await t.db.pool.query("INSERT INTO confirmation_tokens (token_hash, signature_id, submission_id, expires_at) VALUES ($1, $2, $3, now() + interval '1 day')", [hash, rows[0]!.sig, rows[0]!.sub]);

    const confirmer = request.agent(t.app);
    const confirmCsrf = await openForm(confirmer, `/confirm/${token}`);
    const canceller = request.agent(t.app);
    const cancelCsrf = await openForm(canceller, `/cancel/${token}`);

    // Something holds the token a moment (the purge of dead tokens, say): the
    // confirm waits on it, and "it wasn't me" is pressed meanwhile.
    const holder = await t.db.pool.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM confirmation_tokens WHERE token_hash = $1 FOR UPDATE', [hash]);
    const confirming = confirmer.post(`/confirm/${token}`).type('form').send({ _csrf: confirmCsrf }).then((r) => r);
    await waitForLockWaiters(t.db.pool, 1);
    const cancelling = canceller.post(`/cancel/${token}`).type('form').send({ _csrf: cancelCsrf }).then((r) => r);
    await waitForLockWaiters(t.db.pool, 2);
    await holder.query('COMMIT');
    holder.release();

    const [c, x] = await Promise.all([confirming, cancelling]);
    assert.ok(c.status < 500, `confirm: ${c.status}`);
    assert.ok(x.status < 500, `cancel: ${x.status}`);
    const left = await t.db.pool.query<{ confirmed: boolean }>('SELECT confirmed_at IS NOT NULL AS confirmed FROM signatures WHERE email = $1', [email]);
    // Confirmed (the confirm went first) and kept, or removed whole.
    assert.ok(left.rows.length === 0 || left.rows[0]!.confirmed);
  });
});
