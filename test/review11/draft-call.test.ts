// Review of issue 11: a protest of a call that is still a draft (organisers
// preparing, nothing announced) is not public: the call's page and the .ics
// answer 404. The RSVP routes' pages (check-email, thanks) showed its place,
// time and the call's title to anyone counting protest ids.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { seedCall, seedProtest } from '../protests/rsvp-seed.ts';

describe("review 11: a draft call's protests", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('are shown by no public page', async () => {
    const call = await seedCall(t, 'review11-draft');
    const protest = await seedProtest(t, call, {});
    await t.db.pool.query("UPDATE actions SET status = 'draft' WHERE id = $1", [call.actionId]);
    assert.equal((await request(t.app).get(`/protests/${protest}/calendar.ics`)).status, 404);
    for (const path of [`/protests/${protest}/thanks`, `/protests/${protest}/check-email`, `/protests/${protest}/rsvp`]) {
      const res = await request(t.app).get(path);
      assert.doesNotMatch(res.text, /Embassy of Kazakhstan|Zhanaozen/, `${path} (${res.status}) shows the draft's protest`);
      assert.ok(res.status === 404, `${path}: ${res.status}`);
    }
  });
});
