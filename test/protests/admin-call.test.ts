// A protest call's day of action as organisers set it: a new protest call
// leads to it and cannot be opened before it exists; the day, zone (checked
// with luxon), what it commemorates, proposals and the thank-you are saved and
// audited; a save over a newer one is refused; a stranger's odd form is a 4xx;
// every page of the call and its protests needs a session, every POST its token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { listAuditEntries } from '../../src/admin/audit.ts';
import { getCall } from '../../src/protests/protests-admin.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

describe('the day of action of a protest call, as organisers set it', () => {
  let t: TestApp;
  let agent: Agent;

  before(async () => {
    t = await createTestApp();
    ({ agent } = await signIn(t));
  });
  after(() => t.close());

  async function newCallAction(slug: string): Promise<number> {
    const _csrf = await csrfToken(agent, '/admin/actions/new');
    const res = await agent.post('/admin/actions').type('form').send({ _csrf, kind: 'protest_call', title: `Call ${slug}`, slug, demand: 'Justice for Zhanaozen.', target: '', goal: '100', post: '', deadline: '' });
    assert.equal(res.status, 303, res.text.slice(0, 300));
    const id = Number(/\/admin\/actions\/(\d+)\/call\?done=actionCreated$/.exec(res.headers.location ?? '')?.[1]);
    assert.ok(id, `a new protest call leads to its day of action, not ${res.headers.location}`);
    return id;
  }

  async function saveCall(id: number, fields: Record<string, string | string[]>) {
    const _csrf = await csrfToken(agent, `/admin/actions/${id}/call`);
    return agent.post(`/admin/actions/${id}/call`).type('form').send({
      _csrf, day: '2026-12-16', time_zone: 'Asia/Almaty', commemorates: 'The strikers shot in Zhanaozen on 16 December 2011.', proposals_open: 'on',
      thank_you_message: '', thank_you_link: '', ...fields,
    });
  }

  async function open(id: number) {
    const _csrf = await csrfToken(agent, `/admin/actions/${id}/edit`);
    return agent.post(`/admin/actions/${id}/status`).type('form').send({ _csrf, status: 'open' });
  }

  it('leads a new protest call to its day of action, and does not open it before that exists', async () => {
    const id = await newCallAction('no-day-yet');
    const page = await agent.get(`/admin/actions/${id}/call?done=actionCreated`).expect(200);
    assert.match(page.text, /Now set its day of action: it cannot be opened until it has one/);
    const edit = await agent.get(`/admin/actions/${id}/edit`).expect(200);
    assert.match(edit.text, new RegExp(`href="/admin/actions/${id}/call"`), 'the action form links to the call');
    const refused = await open(id);
    assert.equal(refused.status, 422);
    assert.match(refused.text, /has no day of action yet\. Set its day of action first/);
    assert.equal((await t.db.pool.query('SELECT status FROM actions WHERE id = $1', [id])).rows[0].status, 'draft');
    // Protests belong to the call: before it, the new-protest page leads to it.
    const early = await agent.get(`/admin/actions/${id}/protests/new`).expect(303);
    assert.equal(early.headers.location, `/admin/actions/${id}/call?done=callFirst`);
    assert.equal((await saveCall(id, {})).status, 303);
    assert.equal((await open(id)).status, 303);
    assert.equal((await t.db.pool.query('SELECT status FROM actions WHERE id = $1', [id])).rows[0].status, 'open');
  });

  it('saves the day, zone, what it commemorates, proposals and the thank-you; the audit says what changed', async () => {
    const id = await newCallAction('zhanaozen-day');
    const res = await saveCall(id, { time_zone: 'asia/almaty', thank_you_message: 'Thank you for standing with Zhanaozen.', thank_you_link: 'https://example.org/photos' });
    assert.equal(res.status, 303, res.text.slice(0, 500));
    assert.equal(res.headers.location, `/admin/actions/${id}/call?done=created`);
    const call = (await getCall(t.db.pool, id))!;
    assert.equal(call.day, '2026-12-16');
    assert.equal(call.time_zone, 'Asia/Almaty', 'the zone as Intl spells it');
    assert.equal(call.proposals_open, true);
    assert.equal(call.thank_you_link, 'https://example.org/photos');
    const created = (await listAuditEntries(t.db.pool, { subjectType: 'action', subjectId: String(id), limit: 10 }))[0]!;
    assert.equal(created.event, 'protest_call.create');
    assert.equal((created.after as Record<string, unknown>).time_zone, 'Asia/Almaty');

    // The page shows what is stored; proposals closed (the box unticked) and the day moved: only those in the entry.
    const page = await agent.get(`/admin/actions/${id}/call`).expect(200);
    assert.match(page.text, /name="day" type="date" required value="2026-12-16"/);
    assert.match(page.text, /id="call-proposals" name="proposals_open" type="checkbox" checked/);
    const changed = await saveCall(id, { day: '2027-12-16', proposals_open: '', thank_you_message: 'Thank you for standing with Zhanaozen.', thank_you_link: 'https://example.org/photos' });
    assert.equal(changed.status, 303, changed.text.slice(0, 500));
    const entry = (await listAuditEntries(t.db.pool, { subjectType: 'action', subjectId: String(id), limit: 10 }))[0]!;
    assert.equal(entry.event, 'protest_call.update');
    assert.deepEqual(entry.before, { day: '2026-12-16', proposals_open: true });
    assert.deepEqual(entry.after, { day: '2027-12-16', proposals_open: false });
    // The same again changes nothing and writes no entry.
    const same = await saveCall(id, { day: '2027-12-16', proposals_open: '', thank_you_message: 'Thank you for standing with Zhanaozen.', thank_you_link: 'https://example.org/photos' });
    assert.equal(same.headers.location, `/admin/actions/${id}/call?done=unchanged`);
    const entries = await listAuditEntries(t.db.pool, { subjectType: 'action', subjectId: String(id), limit: 10 });
    assert.deepEqual(entries.map((e) => e.event), ['protest_call.update', 'protest_call.create', 'action.create']);
  });

  it('refuses a zone luxon does not know, beside its field, and stores nothing', async () => {
    const id = await newCallAction('bad-zone');
    for (const zone of ['Mars/Olympus_Mons', 'GMT+5', 'Europe/London; DROP TABLE', '']) {
      const res = await saveCall(id, { time_zone: zone });
      assert.equal(res.status, 422, zone);
      assert.match(res.text, /<p class="field-error" id="call-zone-error">/, zone);
      assert.match(res.text, zone === '' ? /Enter a time zone/ : /not a time zone we know/, zone);
    }
    assert.equal(await getCall(t.db.pool, id), undefined);
  });

  it('refuses a save over a newer one (edited_from), keeping what was typed', async () => {
    const id = await newCallAction('two-organisers');
    assert.equal((await saveCall(id, {})).status, 303);
    const stale = await saveCall(id, { commemorates: 'Mine', edited_from: 'new' });
    assert.equal(stale.status, 422);
    assert.match(stale.text, /Someone else saved this after you opened it/);
    assert.match(stale.text, />Mine<\/textarea>/);
    assert.notEqual((await getCall(t.db.pool, id))!.commemorates, 'Mine');
  });

  it('answers a stranger\'s odd input with a 4xx, never a 500', async () => {
    const id = await newCallAction('odd-input');
    const repeated = await saveCall(id, { day: ['2026-12-16', '2026-12-17'], time_zone: ['UTC', 'UTC'] });
    assert.equal(repeated.status, 422);
    assert.match(repeated.text, /id="call-day-error">This field was sent more than once/);
    const bad = await saveCall(id, { day: '2026-02-30', thank_you_link: 'javascript:alert(1)', commemorates: 'x'.repeat(2001) });
    assert.equal(bad.status, 422);
    for (const field of ['day', 'link', 'commemorates']) assert.match(bad.text, new RegExp(`id="call-${field}-error"`), field);
    assert.equal(await getCall(t.db.pool, id), undefined);
    // The call's pages of what is not a protest call, or not an action at all.
    const _csrf = await csrfToken(agent, '/admin/actions/new');
    const petition = await agent.post('/admin/actions').type('form').send({ _csrf, kind: 'petition', title: 'A petition', slug: 'a-petition', demand: 'Free them.', target: '', goal: '100', post: '', deadline: '' });
    const petitionId = /\/admin\/actions\/(\d+)/.exec(petition.headers.location!)![1];
    await agent.get(`/admin/actions/${petitionId}/call`).expect(404);
    await agent.get(`/admin/actions/${petitionId}/protests`).expect(404);
    const token = await csrfToken(agent, `/admin/actions/${id}/call`);
    await agent.post(`/admin/actions/${petitionId}/call`).type('form').send({ _csrf: token, day: '2026-12-16', time_zone: 'UTC' }).expect(404);
    await agent.get('/admin/actions/99999999/call').expect(404);
    await agent.get('/admin/actions/abc/call').expect(404);
    await agent.get('/admin/actions/1e3/protests').expect(404);
  });

  it('needs a session for every page of the call and its protests, and the session\'s token on every POST', async () => {
    const id = await newCallAction('locked');
    assert.equal((await saveCall(id, {})).status, 303);
    const pages = [`/admin/actions/${id}/call`, `/admin/actions/${id}/protests`, `/admin/actions/${id}/protests/new`, '/admin/protests/1'];
    for (const page of pages) {
      const res = await request(t.app).get(page);
      assert.equal(res.status, 303, page);
      assert.match(res.headers.location ?? '', /^\/admin\/sign-in\?next=/, page);
    }
    const posts = [`/admin/actions/${id}/call`, `/admin/actions/${id}/protests`, '/admin/protests/1', '/admin/protests/1/status'];
    for (const post of posts) {
      assert.equal((await request(t.app).post(post).type('form').send({ day: '2026-12-16' })).status, 401, post);
      // Signed in, but without the token (or with one of another session): refused before anything is read.
      assert.equal((await agent.post(post).type('form').send({ day: '2027-01-01', time_zone: 'UTC' })).status, 403, post);
    }
    const other = (await signIn(t)).agent;
    const foreign = await csrfToken(other, '/admin/account');
    assert.equal((await agent.post(`/admin/actions/${id}/call`).type('form').send({ _csrf: foreign, day: '2027-01-01', time_zone: 'UTC' })).status, 403);
    assert.equal((await getCall(t.db.pool, id))!.day, '2026-12-16');
  });
});
