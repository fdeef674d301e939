// Review of issue 11: a supporter's proposal carries their own words
// (proposal_note: "about twenty of us, with banners"). Migration 0039 says it
// is cleared with proposed_by_name/email once an organiser decides; deciding
// (approve or reject) must leave none of the three.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signIn } from '../helpers/admin.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfTokenIn, type Agent } from '../helpers/forms.ts';
import { insertCall } from '../protests/page-fixtures.ts';

describe("review 11: a decided proposal keeps nothing of who proposed it", () => {
  let t: TestApp;
  let agent: Agent;
  let call: number;
  before(async () => {
    t = await createTestApp();
    ({ agent } = await signIn(t));
    call = await insertCall(t.db.pool, 'review11-note');
  });
  after(() => t.close());

  for (const decision of ['approve', 'reject']) {
    it(`${decision}: name, address and note all cleared`, async () => {
      const id = (await t.db.pool.query(
        `INSERT INTO protests (action_id, status, country, city, place, starts_at, ends_at, time_zone, proposed_by_name, proposed_by_email, proposal_note)
         VALUES ($1, 'proposed', 'DE', 'Bonn', 'Botschaft', '2027-12-16T11:00Z', '2027-12-16T13:00Z', 'Europe/Berlin', 'Lena', 'lena@example.org', 'My cousin in Almaty and I will bring candles') RETURNING id`,
        [call],
      )).rows[0].id as number;
      const page = await agent.get(`/admin/protests/${id}`).expect(200);
      const res = await agent.post(`/admin/protests/${id}/status`).type('form').send({ _csrf: csrfTokenIn(page.text), action: String(call), decision, confirm: 'on' });
      assert.equal(res.status, 303, res.text.slice(0, 300));
      const row = (await t.db.pool.query('SELECT status, proposed_by_name, proposed_by_email, proposal_note FROM protests WHERE id = $1', [id])).rows[0];
      assert.notEqual(row.status, 'proposed');
      assert.equal(row.proposed_by_name, null);
      assert.equal(row.proposed_by_email, null);
      assert.equal(row.proposal_note, null, "the proposer's own words outlive the decision");
    });
  }
});
