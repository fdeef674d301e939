// Review of issue 10: what a stranger sends to the letter pages, the sign form
// of a letter action and a response's attachment is never a 500; a name typed
// into the preview is text, never markup or a template; and what organisers
// send to every letter, directory, response and delivery page is a 4xx at worst.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';

const EMBASSY = 'zhanaozen-letter-to-the-embassy';
const BAR = 'bar-council-call-off-the-mission';

describe('review 10: strangers and the letters', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000', SIGN_MIN_SECONDS: '0' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  it('answers odd letter requests with a 4xx, never a 500', async () => {
    const failures: string[] = [];
    const queries = [
      '', '?format=json', '?format[]=json', '?format=json&format=json', '?name[]=a&country[]=GB&town[x]=1&comment[]=c&format=json',
      '?name=%FF%FE&country=%C0%AF', `?name=${'x'.repeat(20000)}&comment=${'y'.repeat(20000)}&format=json`, '?country=__proto__&name=constructor',
      '?__proto__[x]=1&constructor[prototype][x]=1&format=json', '?country=gb&name=%00%0D%0ABcc:%20a@b.org', '?locality=%E2%80%AE&format=json',
    ];
    for (const slug of [EMBASSY, BAR, '%ZZ', 'a%2Fb', 'nope', '__proto__', 'constructor']) {
      for (const q of queries) {
        const res = await request(t.app).get(`/actions/${slug}/letter${q}`);
        if (res.status >= 500) failures.push(`GET ${slug} ${q.slice(0, 60)}: ${res.status}`);
      }
    }
    for (const id of ['1', '0', '-1', 'abc', '%ZZ', '99999999999999999999', '9007199254740993', '1e3', '__proto__']) {
      const res = await request(t.app).get(`/responses/${id}/attachment`);
      if (res.status >= 500) failures.push(`attachment ${id}: ${res.status}`);
    }
    assert.deepEqual(failures, []);
  });

  it('fills the preview with a name as text, never as markup or a template', async () => {
    for (const name of ['{{constructor}}', '{{signer_name}}', '<img src=x onerror=alert(1)>', '{{#each this}}x{{/each}}']) {
      const page = await request(t.app).get(`/actions/${BAR}/letter`).query({ name, country: 'GB' });
      assert.equal(page.status, 200, name);
      assert.doesNotMatch(page.text, /<img src=x/);
      const json = await request(t.app).get(`/actions/${BAR}/letter`).query({ name, country: 'GB', format: 'json' });
      assert.equal(json.status, 200);
      const text = JSON.stringify(json.body.paragraphs);
      // Either the name as typed, or the stand-in (a name the sign form refuses): never what a template would make of it.
      assert.ok(text.includes(JSON.stringify(name).slice(1, -1)) || !/\{\{|<img/.test(text), `${name}: ${text.slice(0, 300)}`);
    }
  });

  it('takes odd sign-form fields on a letter action with a 4xx or a 303, never a 500', async () => {
    const failures: string[] = [];
    for (const slug of [EMBASSY, BAR]) {
      const agent = request.agent(t.app);
      await agent.get(`/actions/${slug}`).expect(200);
      const bodies = [
        'name=A&email=a1@example.org&country=GB&letter_reply_to=yes&letter_reply_to=yes',
        'name=A&email=a2@example.org&country=GB&letter_reply_to[]=on&comment[]=x',
        "name={{constructor}}&email=a3@example.org&country=GB&comment={{{lookup this 'constructor'}}}&letter_reply_to=on",
        `name=A&email=a4@example.org&country=GB&comment=${'p'.repeat(30000)}`,
        'name=A%0D%0ABcc: x@y.org&email=a5@example.org&country=GB&letter_reply_to=on',
      ];
      for (const body of bodies) {
        const res = await agent.post(`/actions/${slug}/signatures`).type('form').send(body);
        if (res.status >= 500) failures.push(`POST ${slug} ${body.slice(0, 80)}: ${res.status}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('organisers\' letter pages answer odd bodies and ids with a 4xx', async () => {
    const { agent } = await signIn(t);
    const bar = Number((await t.db.pool.query('SELECT id FROM actions WHERE slug = $1', [BAR])).rows[0].id);
    const recipient = Number((await t.db.pool.query('SELECT id FROM recipients ORDER BY id LIMIT 1')).rows[0].id);
    const address = Number((await t.db.pool.query('SELECT id FROM recipient_addresses ORDER BY id LIMIT 1')).rows[0].id);
    const page = await agent.get(`/admin/actions/${bar}/letter`).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const gets = [`/admin/actions/${bar}/letter/preview?recipient=abc&name[]=x`, `/admin/actions/${bar}/letter/preview?recipient=99999999999999999999`,
      `/admin/actions/${bar}/deliveries?after=abc`, `/admin/actions/${bar}/deliveries?before=-1&after[]=1`, `/admin/actions/${bar}/letter.pdf?recipient=abc`,
      `/admin/actions/${bar}/letter.pdf?recipient=99999999999`, '/admin/actions/%ZZ/letter', '/admin/recipients/%ZZ', '/admin/recipients?q[]=x&page=abc',
      '/admin/responses/99999999999999999999', '/admin/responses/1/attachment', `/admin/actions/${bar}/deliveries.csv?x[]=1`];
    const failures: string[] = [];
    for (const path of gets) {
      const res = await agent.get(path);
      if (res.status >= 500) failures.push(`GET ${path}: ${res.status}`);
    }
    const posts = [`/admin/actions/${bar}/letter`, '/admin/deliveries/1/approve', '/admin/deliveries/abc/without-paragraph', '/admin/recipients',
      `/admin/recipients/${recipient}`, `/admin/recipient-addresses/${address}`, '/admin/recipient-addresses/99999999999999999999', `/admin/actions/${bar}/responses`,
      '/admin/responses/1', '/admin/recipients/import'];
    const bodies = [
      `_csrf=${csrf}&subject_template[]=x&body_template={{#each x}}&routing=by_country&fallback=99999999999999999999&delivery=scheduled&scheduled_local=2026-02-30T25:00`,
      `_csrf=${csrf}&subject_template=a&body_template=b&routing=fixed&delivery=each&recipients=1&recipients=abc&per_hour=0`,
      `_csrf=${csrf}&subject_template=a&body_template=b&routing=fixed&delivery=each&recipients=99999999999&edited_from=garbage`,
      `_csrf=${csrf}&action=abc&action=1&name[]=x&email=not-an-address&country=ZZ&time_zone=Mars/Olympus`,
      `_csrf=${csrf}&change=suppress&reason=${'r'.repeat(5000)}&health=__proto__`,
      `_csrf=${csrf}&received_on=2026-02-30&recipient_id=abc&from_whom[]=x&body=%00`,
      `_csrf=${csrf}&step=apply&csv=${encodeURIComponent('name,email\n"unterminated,x')}`,
      `_csrf=${csrf}&__proto__[x]=1&constructor=x`,
    ];
    for (const path of posts) {
      for (const body of bodies) {
        const res = await agent.post(path).type('form').send(body);
        if (res.status >= 500) failures.push(`POST ${path} ${body.slice(csrf.length + 7, 70)}: ${res.status}`);
      }
    }
    assert.deepEqual(failures, []);
  });
});
