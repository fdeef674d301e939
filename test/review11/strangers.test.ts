// Review of issue 11: what a stranger can send to the public routes of protest
// calls. Every answer below 500; nothing stored by a refused request.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createFormTiming } from '../../src/http/form-timing.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { openForm } from '../helpers/forms.ts';
import { seedCall, seedProtest, type SeededCall } from '../protests/rsvp-seed.ts';

describe('review 11: strangers at the protest routes', () => {
  let t: TestApp;
  let call: SeededCall;
  let protest: number;
  before(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000', SIGN_MIN_SECONDS: '0' } });
    call = await seedCall(t, 'review11-strangers');
    await t.db.pool.query('UPDATE protest_calls SET proposals_open = true WHERE action_id = $1', [call.actionId]);
    protest = await seedProtest(t, call, { capacity: 3 });
  });
  after(() => t.close());

  const below500 = (res: { status: number; text: string }, what: string) => assert.ok(res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 200)}`);

  it('GETs with odd ids and tokens', async () => {
    for (const path of [
      '/protests/99999999999999999999/calendar.ics', '/protests/-1/calendar.ics', '/protests/1e3/calendar.ics', '/protests/%00/calendar.ics',
      '/protests/99999999999999999999/rsvp', '/protests/0/check-email', '/protests/99999999999999999999/thanks',
      '/rsvp/1.x', '/rsvp/99999999999999999999.AAAA', '/rsvp/%E2%80%AE', `/rsvp/${'a'.repeat(5000)}`,
      `/protests/${protest}/organiser/${'A'.repeat(43)}`, '/protests/99999999999999999999/organiser/x',
      `/actions/${call.slug}?country=%00`, `/actions/${call.slug}?country=ZZ&country=GB`, `/actions/${call.slug}?country[a]=1`,
      `/actions/${call.slug}/propose?country=${'x'.repeat(3000)}`,
    ]) {
      below500(await request(t.app).get(path).set('Accept-Language', 'xx-'.repeat(500)), path);
    }
  });

  it('RSVP posts with repeated, huge and odd fields', async () => {
    const bodies: Record<string, unknown>[] = [
      { name: ['a', 'b'], email: 'x@example.org' },
      { name: 'A', email: ['x@example.org', 'y@example.org'] },
      { name: 'A'.repeat(100_000), email: 'x@example.org' },
      { name: 'Dana', email: `${'x'.repeat(300)}@example.org` },
      { name: 'Dana', email: 'x@example.org', share_with_organiser: ['on', 'on'] },
      { name: 'Dana', email: 'x@example.org', rendered: ['a', 'b'] },
      { name: 'Dana', email: 'x@example.org', website: ['', 'x'] },
      { 'name[x]': 'y', email: 'x@example.org' },
      { name: '\uD800', email: 'x@example.org' },
    ];
    for (const body of bodies) {
      const agent = request.agent(t.app);
      const csrf = await openForm(agent, `/actions/${call.slug}`);
      below500(await agent.post(`/protests/${protest}/rsvp`).type('form').send({ _csrf: csrf, ...body }), JSON.stringify(body).slice(0, 80));
    }
    for (const id of ['99999999999999999999', '-5', 'abc']) {
      const agent = request.agent(t.app);
      const csrf = await openForm(agent, `/actions/${call.slug}`);
      below500(await agent.post(`/protests/${id}/rsvp`).type('form').send({ _csrf: csrf, name: 'Dana', email: 'x@example.org' }), `rsvp to ${id}`);
    }
    const n = await t.db.pool.query('SELECT count(*)::int AS n FROM rsvps WHERE protest_id = $1', [protest]);
    assert.ok(n.rows[0].n <= 1);
  });

  it('RSVP to a proposed, rejected or cancelled protest of the call, or to one of another call', async () => {
    for (const status of ['proposed', 'rejected', 'cancelled']) {
      const other = await seedProtest(t, call, {});
      await t.db.pool.query('UPDATE protests SET status = $2, cancelled_at = now() WHERE id = $1', [other, status]);
      const agent = request.agent(t.app);
      const csrf = await openForm(agent, `/actions/${call.slug}`);
      const res = await agent.post(`/protests/${other}/rsvp`).type('form').send({ _csrf: csrf, name: 'Dana', email: `st-${status}@example.org` });
      below500(res, status);
      assert.ok(res.status >= 400, `${status}: ${res.status}`);
      assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM rsvps WHERE protest_id = $1', [other])).rows[0].n, 0);
    }
  });

  it('proposals with odd dates and times', async () => {
    const form = `/actions/${call.slug}/propose`;
    const stamp = () => createFormTiming({ secret: t.config.appSecret!, minMs: 0, now: () => Date.now() - 60_000 }).stamp();
    const good = { name: 'Dana', email: 'p@example.org', country: 'DE', city: 'Bonn', place: 'Botschaft', address: '', meeting_point: '', date: '2027-12-16', start: '12:00', end: '13:00', time_zone: 'Europe/Berlin', description: '' };
    for (const changes of [
      { date: '2027-02-30' }, { date: '99999-01-01' }, { date: '0000-01-01' }, { start: '25:00' }, { start: '12:00', end: '11:00' },
      { date: '2027-03-28', start: '02:30', end: '03:30' }, { time_zone: 'Mars/Olympus' }, { time_zone: ['Europe/Berlin', 'UTC'] },
      { country: 'ZZ' }, { date: '2020-01-01' }, { start: '12:00:00.000000001' }, { city: 'x'.repeat(10_000) },
    ]) {
      const agent = request.agent(t.app);
      const token = await openForm(agent, form);
      below500(await agent.post(form).type('form').send({ _csrf: token, rendered: stamp(), ...good, ...changes }), JSON.stringify(changes));
    }
  });
});
