// Review of issue 9: what a stranger sends to the supporter pages must never be
// a 500, and the tokens in their addresses must not reach the logs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger, loggableUrl } from '../../src/log.ts';
import { createPrivacyLink } from '../../src/supporters/privacy.service.ts';
import { deriveUnsubscribeKey, unsubscribeToken } from '../../src/updates/unsubscribe-token.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import { ACTION, openForm } from '../helpers/forms.ts';

describe('review 9: strangers', () => {
  let t: TestApp;
  let privacyToken: string;
  let unsub: string;

  before(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
    const { rows } = await t.db.pool.query<{ id: number }>("INSERT INTO supporters (email, name, confirmed_at) VALUES ('zed@example.org', 'Zed', now()) RETURNING id");
    privacyToken = await createPrivacyLink(t.db.pool, rows[0]!.id, 60);
    unsub = unsubscribeToken(deriveUnsubscribeKey(t.config.appSecret!), rows[0]!.id);
  });
  after(() => t.close());

  it('keeps privacy and unsubscribe tokens out of the logged URL', () => {
    assert.doesNotMatch(loggableUrl(`/privacy/data/${privacyToken}/erase`), new RegExp(privacyToken));
    assert.doesNotMatch(loggableUrl(`/unsubscribe/${unsub}`), new RegExp(unsub.split('.')[1]!));
  });

  it('answers odd requests with a 4xx, never a 500', async () => {
    const agent = request.agent(t.app);
    const csrf = await openForm(agent, '/privacy');
    const paths = [
      '/privacy', '/privacy/check-email', `/privacy/data/${privacyToken}`, `/privacy/data/${privacyToken}/download`,
      `/privacy/data/${privacyToken}/signatures/1/withdraw`, `/privacy/data/${privacyToken}/signatures/%ZZ/withdraw`,
      `/privacy/data/${privacyToken}/signatures/99999999999999999999/withdraw`, `/privacy/data/${privacyToken}/signatures/999999999999999999/withdraw`,
      `/privacy/data/${privacyToken}/unsubscribe`, `/privacy/data/${privacyToken}/erase`, '/privacy/data/%ZZ', '/privacy/data/%00/erase',
      `/unsubscribe/${unsub}`, '/unsubscribe/%ZZ', '/unsubscribe/1.%ZZ', '/unsubscribe/99999999999999999.AAAAAAAAAAAAAAAAAAAAAA',
      '/confirm/%ZZ/new-link', '/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/new-link',
      `/actions/${ACTION}/signatures`, '/actions/%ZZ/signatures', '/actions/a%2Fb/signatures',
    ];
    const bodies: Array<string> = [
      `_csrf=${csrf}&email=a@b.org&email=c@d.org`,
      `_csrf=${csrf}&email[]=a@b.org&confirm[]=yes&List-Unsubscribe[]=One-Click&name[x]=1`,
      `_csrf=${csrf}&email=%FF%FE&name=%C0%AF&confirm=yes`,
      `_csrf=${csrf}&_csrf=${csrf}&confirm=yes`,
      `email=${'a'.repeat(15000)}@x.org&_csrf=${csrf}`,
      `_csrf=${csrf}&__proto__=1&constructor=x`,
      'List-Unsubscribe=One-Click',
      '%',
    ];
    const failures: string[] = [];
    for (const path of paths) {
      for (const method of ['get', 'put', 'delete', 'patch'] as const) {
        const res = await agent[method](path);
        if (res.status >= 500) failures.push(`${method} ${path}: ${res.status}`);
      }
      for (const body of bodies) {
        for (const type of ['application/x-www-form-urlencoded', 'application/json', 'text/plain']) {
          const res = await agent.post(path).set('Content-Type', type).send(body);
          if (res.status >= 500) failures.push(`POST ${path} (${type}) ${body.slice(0, 40)}: ${res.status}`);
        }
      }
      for (const cookie of ['placard.csrf=j:{"a":1}', 'placard.csrf=%ZZ', 'placard.csrf=j:[1,2]; placard.csrf=x']) {
        const res = await request(t.app).post(path).set('Cookie', cookie).type('form').send(`_csrf=${csrf}&confirm=yes`);
        if (res.status >= 500) failures.push(`POST ${path} cookie ${cookie}: ${res.status}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('admin update and suppression forms answer odd bodies with a 4xx', async () => {
    const { agent } = await signIn(t);
    const res0 = await agent.get('/admin/updates/new').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res0.text)![1]!;
    const created = await agent.post('/admin/updates').type('form').send({ _csrf: csrf, subject: 'Hi', body: 'Hello', audience: 'campaign' });
    assert.equal(created.status, 303);
    const id = /\/admin\/updates\/(\d+)/.exec(created.headers.location!)![1]!;
    const paths = ['/admin/updates', '/admin/updates/preview', `/admin/updates/${id}`, `/admin/updates/${id}/test`, `/admin/updates/${id}/send`,
      `/admin/updates/${id}/cancel`, '/admin/updates/%ZZ', '/admin/updates/99999999999999999999/send', '/admin/suppressions'];
    const bodies = [
      `_csrf=${csrf}&subject=a&subject=b&body=x&audience=actions&actions=1&actions=abc`,
      `_csrf=${csrf}&subject=${'x'.repeat(300)}&body=%FF&audience=actions&actions=99999999999`,
      `_csrf=${csrf}&when=later&send_at=9999-12-31T23:59`,
      `_csrf=${csrf}&when=later&send_at=0000-01-01T00:00`,
      `_csrf=${csrf}&when=later&send_at=2026-13-45T25:61`,
      `_csrf=${csrf}&id=abc&subject=s&body=b&audience=campaign`,
      `_csrf=${csrf}&id=99999999999999999999&subject=s&body=b&audience=campaign`,
      `_csrf=${csrf}&change=complaint&email=a@b.org&detail=${'d'.repeat(2000)}`,
      `_csrf=${csrf}&change=lift-bounce&email=a@b.org&email=c@d.org`,
      `_csrf=${csrf}&change=x`,
      `_csrf=${csrf}&subject=%00&body=%00`,
    ];
    const failures: string[] = [];
    for (const path of paths) {
      for (const body of bodies) {
        const res = await agent.post(path).type('form').send(body);
        if (res.status >= 500) failures.push(`POST ${path} ${body.slice(0, 60)}: ${res.status}`);
      }
    }
    assert.deepEqual(failures, []);
  });
});

describe('review 9: "send me a new link" reloaded', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('leads back to the link’s page rather than "Page not found"', async () => {
    const token = 'A'.repeat(43);
    const res = await request(t.app).get(`/confirm/${token}/new-link`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, `/confirm/${token}`);
    assert.equal(res.headers['cache-control'], 'no-store');
  });
});
