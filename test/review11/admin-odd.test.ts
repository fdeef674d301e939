// Review of issue 11: odd input to the admin of protests and RSVPs, signed in:
// never a 500. And none of it without a session.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { signIn } from '../helpers/admin.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfTokenIn, type Agent } from '../helpers/forms.ts';
import { seedCall, seedProtest, type SeededCall } from '../protests/rsvp-seed.ts';

describe('review 11: odd input to the admin of protests', () => {
  let t: TestApp;
  let agent: Agent;
  let call: SeededCall;
  let protest: number;
  before(async () => {
    t = await createTestApp();
    ({ agent } = await signIn(t));
    call = await seedCall(t, 'review11-admin-odd');
    protest = await seedProtest(t, call, {});
  });
  after(() => t.close());
  const below500 = (res: { status: number; text: string }, what: string) => assert.ok(res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 300)}`);

  it('GETs', async () => {
    for (const path of [
      '/admin/protests/99999999999999999999', '/admin/protests/abc/rsvps', '/admin/protests/99999999999999999999/rsvps.csv',
      `/admin/actions/99999999999999999999/call`, `/admin/actions/${call.actionId}/protests/new?x[]=1`, '/admin/actions/abc/protests',
    ]) {
      below500(await agent.get(path), path);
      const anonymous = await request(t.app).get(path);
      assert.ok(anonymous.status === 303 || anonymous.status === 302 || anonymous.status === 401 || anonymous.status === 404, `${path} without a session: ${anonymous.status}`);
    }
  });

  it('POSTs', async () => {
    const page = await agent.get(`/admin/protests/${protest}`).expect(200);
    const _csrf = csrfTokenIn(page.text);
    const other = await seedCall(t, 'review11-admin-odd-other');
    for (const body of [
      { decision: ['cancel', 'approve'], action: String(call.actionId), confirm: 'on' },
      { decision: 'cancel', action: String(other.actionId), confirm: 'on' },
      { decision: 'cancel', action: ['1', '2'], confirm: 'on' },
      { decision: 'explode', action: String(call.actionId) },
      { decision: 'cancel', action: '99999999999999999999', confirm: 'on' },
    ]) {
      below500(await agent.post(`/admin/protests/${protest}/status`).type('form').send({ _csrf, ...body }), JSON.stringify(body));
    }
    assert.equal((await t.db.pool.query('SELECT status FROM protests WHERE id = $1', [protest])).rows[0].status, 'listed');
    for (const body of [
      { action: String(call.actionId), starts_local: '2027-03-28T01:30', ends_local: '2027-03-28T03:00', time_zone: 'Europe/London', country: 'GB', city: 'London', place: 'X' },
      { action: String(call.actionId), capacity: '99999999999999', country: 'GB', city: 'London', place: 'X', time_zone: 'Europe/London', starts_local: '2027-12-16T12:00', ends_local: '2027-12-16T13:00' },
      { action: String(call.actionId), latitude: '1e400', country: 'GB', city: 'London', place: 'X', time_zone: 'Europe/London', starts_local: '2027-12-16T12:00', ends_local: '2027-12-16T13:00' },
      { action: String(call.actionId), recipient: '99999999999999999999', country: 'GB', city: 'London', place: 'X', time_zone: 'Europe/London', starts_local: '2027-12-16T12:00', ends_local: '2027-12-16T13:00' },
      { action: String(call.actionId), country: ['GB', 'DE'], city: 'London', place: 'X' },
      { action: String(other.actionId), country: 'GB', city: 'London', place: 'X', time_zone: 'Europe/London', starts_local: '2027-12-16T12:00', ends_local: '2027-12-16T13:00' },
    ]) {
      below500(await agent.post(`/admin/protests/${protest}`).type('form').send({ _csrf, ...body }), JSON.stringify(body));
      below500(await agent.post(`/admin/actions/${call.actionId}/protests`).type('form').send({ _csrf, ...body }), `new ${JSON.stringify(body)}`);
    }
    below500(await agent.post(`/admin/protests/99999999999999999999/organiser-link`).type('form').send({ _csrf }), 'link of none');
    below500(await agent.post(`/admin/actions/${call.actionId}/call`).type('form').send({ _csrf, day: '2027-02-30', time_zone: 'Nowhere/Land', thank_you_link: 'javascript:alert(1)' }), 'call');
    assert.equal((await t.db.pool.query('SELECT thank_you_link FROM protest_calls WHERE action_id = $1', [call.actionId])).rows[0].thank_you_link, '');
  });
});
