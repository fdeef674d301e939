// A stranger's odd input on every admin route (found by walking the router, as
// routes.test.ts does): arrays and objects where a string is expected, huge
// numbers, invalid dates, unicode oddities and odd query strings never reach a
// 500 (nor a stack): they are a page, a 4xx or a redirect.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signIn, routesOf, type AppRoute } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';


const SKIP = new Set(['/admin/sign-out']);
const IDS = ['1', '0', '-1', '99999999999999999999', '1e3', 'abc', '%E2%80%AE'];
const QUERIES = [
  'page[]=1', 'page=-1', 'page=99999999999999999999', 'range=x', 'range[]=7d', 'before=not-a-date', 'before=99999999999999999999',
  'before[]=1', 'after=2026-13-45', 'q[]=a&q[]=b', 'q=%00', 'status[]=x', 'sort=x', 'next=%2F%2Fevil.example', 'from=x&to=y', 'cursor=%FF', 'done=x',
];
const BODIES: string[] = [
  '',
  'title=&body=&slug=&name=&email=&role=&id=',
  'title[]=a&title[]=b&body[]=x&slug[]=y&name[]=n&email[]=e&role[]=admin&status[]=open&kind[]=petition&goal[]=1&ids[]=1&reason[]=r&hidden[]=1&version[]=1',
  'goal=99999999999999999999&version=99999999999999999999&id=99999999999999999999&ids=99999999999999999999&page=1e999&count=-1&actionId=abc&imageId=1e3',
  'publishAt=2026-02-31T25:61&closesAt=not-a-date&opensAt=0000-00-00T00:00&from=x&to=y&before=z&deadline=9999999-01-01T00:00',
  `title=%E2%80%AE%00%ED%A0%80x%FF&name=${encodeURIComponent('\uFEFF')}&slug=${encodeURIComponent('ÿ/../..')}&email=${encodeURIComponent('a@b\r\nBcc: x@y')}&body=${encodeURIComponent('<script>alert(1)</script>')}`,
  'domain=example.org&ip=%00&reason=%00x&step=apply&q=%00&back=q%3D%2500&country=%00&from=%00',
  'domain=example.org&reason=r%00&step=apply',
  // Every field the admin's forms have: with a NUL, repeated, as an object, as a huge number.
  'alt=x%00y&at=x%00y&author_id=x%00y&back=x%00y&body=x%00y&comment=x%00y&confirm=x%00y&confirmation=x%00y&contact_email=x%00y&country=x%00y&current=x%00y&deadline=x%00y&demand=x%00y&disabled=x%00y&domain=x%00y&email=x%00y&excerpt=x%00y&featuredImageId=x%00y&from=x%00y&goal=x%00y&hidden=x%00y&intent=x%00y&ip=x%00y&kind=x%00y&locality=x%00y&name=x%00y&next=x%00y&outcome=x%00y&password=x%00y&post=x%00y&post_id=x%00y&privacy_notice=x%00y&q=x%00y&reason=x%00y&role=x%00y&sender_name=x%00y&show_name=x%00y&slug=x%00y&state=x%00y&status=x%00y&step=x%00y&tags=x%00y&target=x%00y&title=x%00y&to=x%00y&username=x%00y&valid=x%00y&wants_updates=x%00y&website=x%00y&when=x%00y',
  'alt=x%00y&at=x%00y&author_id=x%00y&back=x%00y&body=x%00y&comment=x%00y&confirm=x%00y&confirmation=x%00y&contact_email=x%00y&country=x%00y&current=x%00y&deadline=x%00y&demand=x%00y&disabled=x%00y&domain=x%00y&email=x%00y&excerpt=x%00y&featuredImageId=x%00y&from=x%00y&goal=x%00y&hidden=x%00y&intent=x%00y&ip=x%00y&kind=x%00y&locality=x%00y&name=x%00y&next=x%00y&outcome=x%00y&password=x%00y&post=x%00y&post_id=x%00y&privacy_notice=x%00y&q=x%00y&reason=x%00y&role=x%00y&sender_name=x%00y&show_name=x%00y&slug=x%00y&state=x%00y&status=x%00y&step=x%00y&tags=x%00y&target=x%00y&title=x%00y&to=x%00y&username=x%00y&valid=x%00y&wants_updates=x%00y&website=x%00y&when=x%00y&intent=publish&step=apply&status=open&kind=petition&role=organiser',
  'alt=a&alt=b&at=a&at=b&author_id=a&author_id=b&back=a&back=b&body=a&body=b&comment=a&comment=b&confirm=a&confirm=b&confirmation=a&confirmation=b&contact_email=a&contact_email=b&country=a&country=b&current=a&current=b&deadline=a&deadline=b&demand=a&demand=b&disabled=a&disabled=b&domain=a&domain=b&email=a&email=b&excerpt=a&excerpt=b&featuredImageId=a&featuredImageId=b&from=a&from=b&goal=a&goal=b&hidden=a&hidden=b&intent=a&intent=b&ip=a&ip=b&kind=a&kind=b&locality=a&locality=b&name=a&name=b&next=a&next=b&outcome=a&outcome=b&password=a&password=b&post=a&post=b&post_id=a&post_id=b&privacy_notice=a&privacy_notice=b&q=a&q=b&reason=a&reason=b&role=a&role=b&sender_name=a&sender_name=b&show_name=a&show_name=b&slug=a&slug=b&state=a&state=b&status=a&status=b&step=a&step=b&tags=a&tags=b&target=a&target=b&title=a&title=b&to=a&to=b&username=a&username=b&valid=a&valid=b&wants_updates=a&wants_updates=b&website=a&website=b&when=a&when=b',
  'alt[a]=b&at[a]=b&author_id[a]=b&back[a]=b&body[a]=b&comment[a]=b&confirm[a]=b&confirmation[a]=b&contact_email[a]=b&country[a]=b&current[a]=b&deadline[a]=b&demand[a]=b&disabled[a]=b&domain[a]=b&email[a]=b&excerpt[a]=b&featuredImageId[a]=b&from[a]=b&goal[a]=b&hidden[a]=b&intent[a]=b&ip[a]=b&kind[a]=b&locality[a]=b&name[a]=b&next[a]=b&outcome[a]=b&password[a]=b&post[a]=b&post_id[a]=b&privacy_notice[a]=b&q[a]=b&reason[a]=b&role[a]=b&sender_name[a]=b&show_name[a]=b&slug[a]=b&state[a]=b&status[a]=b&step[a]=b&tags[a]=b&target[a]=b&title[a]=b&to[a]=b&username[a]=b&valid[a]=b&wants_updates[a]=b&website[a]=b&when[a]=b',
  'alt=99999999999999999999&at=99999999999999999999&author_id=99999999999999999999&back=99999999999999999999&body=99999999999999999999&comment=99999999999999999999&confirm=99999999999999999999&confirmation=99999999999999999999&contact_email=99999999999999999999&country=99999999999999999999&current=99999999999999999999&deadline=99999999999999999999&demand=99999999999999999999&disabled=99999999999999999999&domain=99999999999999999999&email=99999999999999999999&excerpt=99999999999999999999&featuredImageId=99999999999999999999&from=99999999999999999999&goal=99999999999999999999&hidden=99999999999999999999&intent=99999999999999999999&ip=99999999999999999999&kind=99999999999999999999&locality=99999999999999999999&name=99999999999999999999&next=99999999999999999999&outcome=99999999999999999999&password=99999999999999999999&post=99999999999999999999&post_id=99999999999999999999&privacy_notice=99999999999999999999&q=99999999999999999999&reason=99999999999999999999&role=99999999999999999999&sender_name=99999999999999999999&show_name=99999999999999999999&slug=99999999999999999999&state=99999999999999999999&status=99999999999999999999&step=99999999999999999999&tags=99999999999999999999&target=99999999999999999999&title=99999999999999999999&to=99999999999999999999&username=99999999999999999999&valid=99999999999999999999&wants_updates=99999999999999999999&website=99999999999999999999&when=99999999999999999999',
  'role=superuser&status=deleted&kind=bomb&visibility=x&valid=x&disabled=maybe&show=x&tags=1&tags=abc&authorId=abc&image=99999999999999999999&imageId=-1',
];

function concrete(path: string, id: string): string {
  return path.replace(/:id\b/g, id).replace(/:token\b/g, 'A'.repeat(43)).replace(/:(\w+)/g, 'x');
}

describe('a stranger sends odd input to every admin route', () => {
  let t: TestApp;
  let agent: Agent;
  let routes: AppRoute[];

  before(async () => {
    t = await createTestApp();
    agent = (await signIn(t, { role: 'admin' })).agent;
    routes = routesOf(t.app).filter((r) => r.path.startsWith('/admin') && !SKIP.has(r.path) && !r.path.includes(':token'));
    // Something for id 1 to be, for each kind of thing.
    const q = (sql: string) => t.db.pool.query(sql);
    await q("INSERT INTO actions (kind, slug, title, status, goal) VALUES ('petition', 'fuzz', 'Fuzz', 'open', 100)");
    await q("INSERT INTO signatures (action_id, email, name, country, locality, show_name, confirmed_at) SELECT id, 's@example.org', 'S', 'KZ', '', false, now() FROM actions WHERE slug = 'fuzz'");
  });
  after(() => t.close());

  it('answers every GET with odd ids and query strings without a 500', async () => {
    const failures: string[] = [];
    for (const { path } of routes.filter((r) => r.method === 'get')) {
      // Every odd id once, every odd query string on id 1.
      const tries = [...(path.includes(':id') ? IDS.slice(1).map((id) => concrete(path, id)) : []), ...['', ...QUERIES].map((query) => `${concrete(path, '1')}${query ? `?${query}` : ''}`)];
      {
        for (const url of tries) {
          const res = await agent.get(url);
          if (res.status >= 500) failures.push(`GET ${url}: ${res.status}`);
          if (/\n\s+at /.test(res.text ?? '')) failures.push(`GET ${url}: a stack`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it('answers every POST with odd ids and bodies without a 500', async () => {
    const token = await csrfToken(agent, '/admin/account');
    const failures: string[] = [];
    for (const { path } of routes.filter((r) => r.method === 'post')) {
      for (const id of path.includes(':id') ? IDS : ['1']) {
        for (const body of BODIES) {
          const url = concrete(path, id);
          const res = await agent.post(url).type('form').send(`_csrf=${encodeURIComponent(token)}${body ? `&${body}` : ''}`);
          if (res.status >= 500) failures.push(`POST ${url} ${body.slice(0, 40)}: ${res.status}`);
          if (/\n\s+at /.test(res.text ?? '')) failures.push(`POST ${url}: a stack`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it('answers /images and /privacy with odd names and query strings without a 500', async () => {
    const failures: string[] = [];
    const names = ['x', '1-400-abc.webp', '99999999999999999999-400-' + 'a'.repeat(16) + '.webp', '1-99999999999999999999-aaaaaaaaaaaaaaaa.webp', '-1--1-.webp', '%00', '%E2%80%AE.webp', '1-400-aaaaaaaaaaaaaaaa.webp%00', 'a'.repeat(2000)];
    for (const url of [...names.map((n) => `/images/${n}`), ...QUERIES.map((q) => `/privacy?${q}`)]) {
      const res = await agent.get(url);
      if (res.status >= 500) failures.push(`GET ${url.slice(0, 80)}: ${res.status}`);
    }
    assert.deepEqual(failures, []);
  });

  it('refuses a malformed or odd upload without a 500', async () => {
    const token = await csrfToken(agent, '/admin/images');
    const failures: string[] = [];
    const bodies: [string, string][] = [
      ['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nnot closed'],
      ['multipart/form-data', 'no boundary'],
      ['multipart/form-data; boundary=xyz', `--xyz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG garbage\r\n--xyz--\r\n`],
      ['multipart/form-data; boundary=xyz', `--xyz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n--xyz\r\nContent-Disposition: form-data; name="alt"\r\n\r\nx\x00y\r\n--xyz\r\nContent-Disposition: form-data; name="alt"\r\n\r\nz\r\n--xyz--\r\n`],
      ['multipart/form-data; boundary=xyz', `--xyz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n1\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="b.png"\r\n\r\n2\r\n--xyz--\r\n`],
      ['application/json', '{"_csrf": "x"}'],
    ];
    for (const [type, body] of bodies) {
      const res = await agent.post('/admin/images').set('Content-Type', type).send(body);
      if (res.status >= 500) failures.push(`POST /admin/images ${type} ${body.slice(0, 30)}: ${res.status}`);
    }
    assert.deepEqual(failures, []);
  });
});
