// Capacity under concurrent confirmations: 30 RSVPs pressing their buttons at
// once against 7 places (fewer than the app's pool of 10 connections, so that
// more confirmations than places are in flight together): exactly 7 are confirmed, the others are told the
// protest is full with a link back, and nothing answers 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { newToken } from '../../src/http/link-tokens.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import pg from 'pg';
import { createTestPool, waitForLockWaiters } from '../helpers/db.ts';
import { csrfTokenIn } from '../helpers/forms.ts';
import { seedCall, seedProtest } from './rsvp-seed.ts';

describe('RSVP capacity', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_CONFIRM_PER_MINUTE: '1000' } });
  });
  after(async () => t.close());

  it('never overbooks when 30 confirm at once against 7 places', async () => {
    const call = await seedCall(t, 'capacity-call');
    const protest = await seedProtest(t, call, { capacity: 7 });
    const tokens: string[] = [];
    for (let i = 0; i < 30; i++) {
      const { rows } = await t.db.pool.query<{ id: number }>(
        `WITH s AS (INSERT INTO supporters (email) VALUES ($1) RETURNING id)
         INSERT INTO rsvps (protest_id, supporter_id, name) SELECT $2, s.id, $3 FROM s RETURNING id`,
        [`crowd${i}@example.org`, protest, `Person${i}`],
      );
      const { token, hash } = newToken();
      await t.db.pool.query("INSERT INTO confirmation_tokens (token_hash, rsvp_id, expires_at) VALUES ($1, $2, now() + interval '1 day')", [hash, rows[0]!.id]);
      tokens.push(token);
    }
    // Every page opened first (each its own browser), then every button pressed at once.
    const pressers = await Promise.all(tokens.map(async (token) => {
      const agent = request.agent(t.app);
      const page = await agent.get(`/confirm/${token}`).expect(200);
      return () => agent.post(`/confirm/${token}`).type('form').send({ _csrf: csrfTokenIn(page.text) });
    }));
    // The test holds the RSVPs table against writes while the presses arrive, so
    // that they meet: without the protest's lock they would all go on together
    // when it is released, each counting the others' places as free.
    // Connections of its own: the app's pool is the presses'.
    const holder = new pg.Client({ connectionString: t.db.url });
    const watcher = createTestPool(t.db.url, { max: 1 });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE rsvps IN SHARE MODE');
    const pressing = Promise.all(pressers.map((press) => press()));
    await waitForLockWaiters(watcher, 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await holder.query('COMMIT');
    await holder.end();
    await watcher.end();
    const answers = await pressing;
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 303).length, 7, `statuses: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 409).length, 23, `statuses: ${statuses.join(',')}`);
    for (const refused of answers.filter((a) => a.status === 409)) {
      assert.match(refused.text, /This protest is full/);
      assert.match(refused.text, new RegExp(`href="/actions/${call.slug}#protest-${protest}"`));
    }
    const { rows } = await t.db.pool.query('SELECT count(*)::int AS n FROM rsvps WHERE protest_id = $1 AND confirmed_at IS NOT NULL AND cancelled_at IS NULL', [protest]);
    assert.equal(rows[0].n, 7);
    // A refused link was not used up: it is still ready to press if a place frees.
    const unused = await t.db.pool.query('SELECT count(*)::int AS n FROM confirmation_tokens t JOIN rsvps v ON v.id = t.rsvp_id WHERE v.protest_id = $1 AND t.used_at IS NULL', [protest]);
    assert.equal(unused.rows[0].n, 23);
  });
});
