// Review of issue 11: the local organiser's link shows first names and the
// names and emails of those who agreed to share them. It lived for ever: a
// link handed on for a protest of last year still listed them. It now ends a
// week after its protest ended.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { newToken } from '../../src/http/link-tokens.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { seedCall, seedProtest } from '../protests/rsvp-seed.ts';

describe("review 11: the local organiser's link ends", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('a week after its protest ended', async () => {
    const call = await seedCall(t, 'review11-link-expiry');
    const protest = await seedProtest(t, call, {});
    const s = await t.db.pool.query<{ id: number }>("INSERT INTO supporters (email) VALUES ('shared-long-ago@example.org') RETURNING id");
    await t.db.pool.query("INSERT INTO rsvps (protest_id, supporter_id, name, share_with_organiser, confirmed_at) VALUES ($1, $2, 'Ayan Sharedname', true, now())", [protest, s.rows[0]!.id]);
    const { token, hash } = newToken();
    await t.db.pool.query('INSERT INTO protest_organiser_links (protest_id, token_hash) VALUES ($1, $2)', [protest, hash]);
    const link = `/protests/${protest}/organiser/${token}`;
    assert.match((await request(t.app).get(link).expect(200)).text, /shared-long-ago@example\.org/);
    // Six days after the end: still there (the local organiser writes to say thank you).
    await t.db.pool.query("UPDATE protests SET starts_at = now() - interval '6 days 2 hours', ends_at = now() - interval '6 days' WHERE id = $1", [protest]);
    assert.equal((await request(t.app).get(link)).status, 200);
    // A year after.
    await t.db.pool.query("UPDATE protests SET starts_at = now() - interval '1 year 2 hours', ends_at = now() - interval '1 year' WHERE id = $1", [protest]);
    const late = await request(t.app).get(link);
    assert.equal(late.status, 404);
    assert.doesNotMatch(late.text, /shared-long-ago|Sharedname/);
  });
});
