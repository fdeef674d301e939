import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createPost } from '../../src/posts/posts.service.ts';
import { upsertAuthor } from '../../src/posts/posts.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('public pages', () => {
  let t: TestApp;
  let authorId: number;

  before(async () => {
    t = await createTestApp();
    await loadDemoContent(t.db.pool, createLogger('silent'));
    authorId = await upsertAuthor(t.db.pool, { slug: 'editor', name: 'Editor', bio: '' });
    await createPost(t.db.pool, { slug: 'a-draft', title: 'Secret draft', authorId, status: 'draft', bodyMarkdown: 'not yet' });
    await createPost(t.db.pool, {
      slug: 'scheduled', title: 'Scheduled post', authorId, status: 'published',
      publishedAt: new Date(Date.now() + 86_400_000), bodyMarkdown: 'tomorrow',
    });
    await createPost(t.db.pool, {
      slug: 'hostile', title: 'Hostile <b>title</b>', authorId, status: 'published', publishedAt: new Date('2010-01-01'),
      bodyMarkdown: 'Hello <script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror="alert(3)">',
    });
  });
  after(() => t.close());

  it('lists the six demo posts on the home page, newest first, with excerpts', async () => {
    const res = await request(t.app).get('/').expect(200).expect('Content-Type', /html/);
    const titles = [...res.text.matchAll(/<h2><a href="\/posts\/([^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual(titles.slice(0, 6), [
      'presidential-election-and-a-workers-movement',
      'housing-protest-astana-day-one',
      'haldane-society-protests-bar-council-mission',
      'zhanaozen-massacre-third-anniversary',
      'roza-released-step-up-for-other-prisoners',
      'roza-tuletaeva-is-free',
    ]);
    assert.match(res.text, /Nursultan Nazarbayev has ruled Kazakhstan since 1989/);
  });

  it('never shows drafts or posts scheduled for later', async () => {
    const home = await request(t.app).get('/').expect(200);
    assert.doesNotMatch(home.text, /Secret draft|Scheduled post/);
    await request(t.app).get('/posts/a-draft').expect(404);
    await request(t.app).get('/posts/scheduled').expect(404);
    const feed = await request(t.app).get('/feed.xml').expect(200);
    assert.doesNotMatch(feed.text, /Secret draft|Scheduled post/);
  });

  it('renders a post with its author, date and tags', async () => {
    const res = await request(t.app).get('/posts/zhanaozen-massacre-third-anniversary').expect(200);
    assert.match(res.text, /<h1>Zhanaozen, three years on/);
    assert.match(res.text, /<time datetime="2014-12-01T09:00:00.000Z">December 1, 2014<\/time>/);
    assert.match(res.text, /href="\/authors\/t"/);
    assert.match(res.text, /href="\/tags\/zhanaozen">Zhanaozen</);
    assert.match(res.text, /<strong>commemoration protests at Kazakhstan’s embassies on 16 December<\/strong>/);
  });

  it('strips scripts, event handlers and javascript: links from post bodies, and escapes titles', async () => {
    const res = await request(t.app).get('/posts/hostile').expect(200);
    assert.doesNotMatch(res.text, /alert\(/);
    assert.doesNotMatch(res.text, /onerror/);
    assert.match(res.text, /Hostile &lt;b&gt;title&lt;\/b&gt;/);
  });

  it('shows all posts by an author, like the seed site', async () => {
    const res = await request(t.app).get('/authors/t').expect(200);
    assert.match(res.text, /<h1>All posts by T<\/h1>/);
    assert.equal([...res.text.matchAll(/class="post-summary"/g)].length, 6);
  });

  it('shows a campaign tag page', async () => {
    const res = await request(t.app).get('/tags/political-prisoners').expect(200);
    assert.match(res.text, /Campaign: Political prisoners/);
    assert.match(res.text, /roza-tuletaeva-is-free/);
    assert.doesNotMatch(res.text, /housing-protest-astana-day-one/);
  });

  it('serves an Atom feed of published posts', async () => {
    const res = await request(t.app).get('/feed.xml').expect(200).expect('Content-Type', /application\/atom\+xml/);
    assert.match(res.text, /<feed xmlns="http:\/\/www.w3.org\/2005\/Atom" xml:lang="en">/);
    assert.match(res.text, /<link rel="alternate" type="text\/html" href="http:\/\/placard.test\/posts\/roza-tuletaeva-is-free"\/>/);
  });

  it('answers bad paths and query strings with 400 or 404 pages, never a 500', async () => {
    const cases: [string, number][] = [
      ['/?page=-1', 400],
      ['/?page=abc', 400],
      ['/?page=0', 400],
      ['/?page=1.5', 400],
      ['/?page=99999999999', 400],
      ['/?page=2&page=3', 400],
      ['/?page=50', 404],
      [`/posts/${'a'.repeat(10_000)}`, 404],
      ['/posts/Not_A_Slug', 404],
      ['/posts/%E0%A4%A', 400],
      ['/authors/nobody', 404],
      ['/tags/nothing', 404],
      ['/authors/t?page=-3', 400],
      ['/no/such/page', 404],
    ];
    for (const [path, status] of cases) {
      const res = await request(t.app).get(path);
      assert.equal(res.status, status, `${path} → ${res.status}`);
      assert.match(res.text, /<html lang="en">/, `${path} renders the error page`);
      assert.doesNotMatch(res.text, /at .*\.ts:\d+|Error:/, `${path} shows no stack trace`);
    }
  });

  it('sends a strict Content-Security-Policy and pages carry no inline script', async () => {
    const res = await request(t.app).get('/posts/roza-tuletaeva-is-free').expect(200);
    const csp = res.headers['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.doesNotMatch(res.text, /<script(?![^>]*\ssrc=)[^>]*>/);
    assert.doesNotMatch(res.text, /\sstyle="/);
  });

  it('sets no cookie on a post page, with a form or without', async () => {
    const plain = await request(t.app).get('/posts/housing-protest-astana-day-one').expect(200);
    assert.equal(plain.headers['set-cookie'], undefined);
    const withForm = await request(t.app).get('/posts/roza-released-step-up-for-other-prisoners').expect(200);
    assert.equal(withForm.headers['set-cookie'], undefined);
    assert.match(withForm.text, /<form class="sign-form"/);
    assert.doesNotMatch(withForm.text, /name="_csrf"/);
  });

  it('reports health with the database', async () => {
    const res = await request(t.app).get('/healthz').expect(200);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  it('loads the demo content only once', async () => {
    const again = await loadDemoContent(t.db.pool, createLogger('silent'));
    assert.equal(again, false);
    const { rows } = await t.db.pool.query('SELECT count(*) AS n FROM posts WHERE author_id <> $1', [authorId]);
    assert.equal(rows[0].n, 6);
  });
});

describe('when the database fails', () => {
  it('shows a plain error page without the cause', async () => {
    const t = await createTestApp();
    await t.queue.stop();
    await t.db.pool.end();
    const res = await request(t.app).get('/');
    assert.equal(res.status, 500);
    assert.match(res.text, /Something went wrong on our side/);
    assert.doesNotMatch(res.text, /pool|Cannot use|stack/i);
    const health = await request(t.app).get('/healthz');
    assert.equal(health.status, 503);
    await t.close();
  });
});
