// Review of issue 9: a supporter presses "erase everything" on their privacy
// page at the moment a confirmation link of theirs is pressed (two tabs, or a
// mail scanner's double). Neither may end in a 500 (a deadlock): the two
// transactions must take their locks in the same order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { newToken } from '../../src/http/link-tokens.ts';
import { createLogger } from '../../src/log.ts';
import { createPrivacyLink } from '../../src/supporters/privacy.service.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { waitForLockWaiters } from '../helpers/db.ts';
import { openForm, signPetition } from '../helpers/forms.ts';

describe('review 9: erasure racing a confirmation', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000', SIGN_MIN_SECONDS: '0' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  it('confirm and erase pressed at once: no 500, and nothing of the supporter left', async () => {
    const email = 'racer@example.org';
    assert.equal((await signPetition(t.app, { email, wants_updates: 'yes' })).status, 303);
    const { rows } = await t.db.pool.query<{ sig: number; sub: number; supporter: number }>(
      'SELECT s.id AS sig, sub.id AS sub, s.supporter_id AS supporter FROM signatures s JOIN signature_submissions sub ON sub.signature_id = s.id WHERE s.email = $1',
      [email],
    );
    const { sig, sub, supporter } = rows[0]!;
    const { token, hash } = newToken();
    await t.db.pool.query("INSERT INTO confirmation_tokens (token_hash, signature_id, submission_id, expires_at) VALUES ($1, $2, $3, now() + interval '1 day')", [hash, sig, sub]);
    const privacy = await createPrivacyLink(t.db.pool, supporter, 60);

    const confirmer = request.agent(t.app);
    const confirmCsrf = await openForm(confirmer, `/confirm/${token}`);
    const eraser = request.agent(t.app);
    const eraseCsrf = await openForm(eraser, `/privacy/data/${privacy}`);

    // Something else (an organiser's moderation, the count loop) holds the signature a moment.
    const holder = await t.db.pool.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM signatures WHERE id = $1 FOR UPDATE', [sig]);
    const confirming = confirmer.post(`/confirm/${token}`).type('form').send({ _csrf: confirmCsrf }).then((r) => r);
    await waitForLockWaiters(t.db.pool, 1);
    const erasing = eraser.post(`/privacy/data/${privacy}/erase`).type('form').send({ _csrf: eraseCsrf, confirm: 'yes' }).then((r) => r);
    await waitForLockWaiters(t.db.pool, 2);
    await holder.query('COMMIT');
    holder.release();

    const [c, e] = await Promise.all([confirming, erasing]);
    assert.ok(c.status < 500, `confirm: ${c.status}`);
    assert.ok(e.status < 500, `erase: ${e.status}`);
    assert.equal(e.status, 303);
    const left = await t.db.pool.query('SELECT 1 FROM supporters WHERE email = $1 UNION ALL SELECT 1 FROM signatures WHERE email = $1', [email]);
    assert.equal(left.rowCount, 0);
  });
});
