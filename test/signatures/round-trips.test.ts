// The statements a signature costs, one by one: on a viral day Node's work per
// round trip to PostgreSQL is what limits signatures per second (issue 12,
// docs/performance.md), so a change that adds one to the signing POST or to
// the confirming one should be seen, and meant.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { newToken } from '../../src/http/link-tokens.ts';
import { createLogger } from '../../src/log.ts';
import { insertConfirmationToken } from '../../src/signatures/signatures.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, openForm } from '../helpers/forms.ts';

/** The statements sent by every pg client of this process while `work` runs, by name (a statement put together at start loses its hash). */
async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { name?: string; text: string };
    sent.push(typeof config === 'string' ? config : (config.name ?? config.text).replace(/\/[0-9a-f]{16}$/, ''));
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = query;
  }
  return sent;
}

describe('round trips of a signature', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  it('signing is the rate limit, then the signature with its confirmation job in one statement', async () => {
    const agent = request.agent(t.app);
    const token = await openForm(agent, `/actions/${ACTION}`);
    const sent = await statementsOf(() =>
      agent.post(`/actions/${ACTION}/signatures`).type('form').send({ _csrf: token, name: 'Aigerim', email: 'trips@example.org', country: 'KZ', wants_updates: 'on' }).expect(303),
    );
    // The open action is remembered for a second (src/actions/actions.service.ts): looked up or not.
    assert.deepEqual(sent.filter((name) => name !== 'actions/get-action-by-slug'), ['rate-limits/increment-hits-many', 'signatures/sign']);
    const { rows } = await t.db.pool.query("SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'send-confirmation' AND data->>'notice' = 'confirm'");
    assert.equal(rows[0].n, 1, 'its job is queued');
  });

  it('confirming is the rate limit, the link, and one transaction', async () => {
    // The link the send-confirmation job would have mailed.
    const { rows } = await t.db.pool.query<{ signature_id: number; id: number }>(
      "SELECT sub.signature_id, sub.id FROM signature_submissions sub JOIN signatures s ON s.id = sub.signature_id WHERE s.email = 'trips@example.org'",
    );
    const { token, hash } = newToken();
    await insertConfirmationToken(t.db.pool, hash, rows[0]!.signature_id, rows[0]!.id, 7);
    const agent = request.agent(t.app);
    const csrf = await openForm(agent, `/confirm/${token}`);
    const sent = await statementsOf(() => agent.post(`/confirm/${token}`).type('form').send({ _csrf: csrf }).expect(303));
    assert.deepEqual(sent, [
      'rate-limits/increment-hits',
      'signatures/find-token',
      'BEGIN',
      'signatures/use-token-of-locked-supporter',
      'signatures/confirm-submission',
      'signatures/forget-submissions',
      'supporters/confirm-supporter',
      'supporters/give-consent',
      'suppressions/lift',
      'COMMIT',
    ]);
  });
});
