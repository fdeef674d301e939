// "Apply" pressed twice on a bulk invalidation (a double click, the back button,
// another organiser with the same preview): the signatures are invalidated once,
// and the second press records no empty invalidation and no audit entry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

describe('admin: a bulk invalidation applied twice', () => {
  let t: TestApp;
  let agent: Agent;
  let actionId: number;

  before(async () => {
    t = await createTestApp();
    agent = (await signIn(t, { role: 'organiser' })).agent;
    actionId = (await t.db.pool.query("INSERT INTO actions (kind, slug, title, status, goal) VALUES ('petition', 'twice', 'Twice', 'open', 10) RETURNING id")).rows[0].id as number;
    for (const n of [1, 2, 3]) {
      await t.db.pool.query(
        "INSERT INTO signatures (action_id, email, name, country, locality, show_name, confirmed_at) VALUES ($1, $2, 'Bot', 'KZ', '', false, now())",
        [actionId, `bot${n}@spam.example`],
      );
    }
  });
  after(() => t.close());

  it('invalidates once; the second press is refused (422) and records nothing', async () => {
    const page = `/admin/actions/${actionId}/invalidations`;
    // The token first: supertest takes the agent's cookies when the request is made.
    const apply = async () => {
      const token = await csrfToken(agent, page);
      return agent.post(page).type('form').send({ _csrf: token, domain: 'spam.example', reason: 'Bot wave', step: 'apply' });
    };
    const first = await apply();
    assert.equal(first.status, 303);
    assert.match(first.headers.location ?? '', /done=applied&n=3/);
    const second = await apply();
    assert.equal(second.status, 422);
    assert.match(second.text, /Nothing was invalidated/);
    const invalidations = (await t.db.pool.query('SELECT matched FROM invalidations WHERE action_id = $1', [actionId])).rows;
    assert.deepEqual(invalidations, [{ matched: 3 }]);
    const audit = await t.db.pool.query("SELECT 1 FROM audit_log WHERE event = 'signatures.invalidate'");
    assert.equal(audit.rowCount, 1);
  });
});
