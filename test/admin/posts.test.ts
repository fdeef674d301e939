import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import * as content from '../../src/posts/posts.admin.service.ts';
import { findImageProblems, parsePostForm, slugify, InvalidPost } from '../../src/posts/posts.schema.ts';
import { signIn, csrfToken } from '../helpers/admin.ts';
import sharp from 'sharp';
import { uploadImage } from '../../src/images/images.service.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfTokenIn, openForm, type Agent } from '../helpers/forms.ts';

describe('post form rules', () => {
  it('proposes a slug from the title, Cyrillic and accents included', () => {
    assert.equal(slugify('Zhanaozen, three years on'), 'zhanaozen-three-years-on');
    assert.equal(slugify('Свободу Розе Тулетаевой!'), 'svobodu-roze-tuletaevoi');
    assert.equal(slugify('Қазақстан — Café'), 'qazaqstan-cafe');
    assert.equal(slugify('!!!'), '');
    assert.ok(slugify('word '.repeat(100)).length <= 80);
    assert.doesNotMatch(slugify('word '.repeat(100)), /-$/);
  });

  it('refuses images without alt text and images from other hosts, naming each', () => {
    const problems = findImageProblems([
      '![](/images/a.jpg)',
      '![A crowd](https://tracker.example/pixel.gif)',
      '![Fine](/images/fine.webp)',
      '<img src="https://evil.example/x.png" alt="raw html">',
      '![Sneaky](/images/../admin)',
      '![Protocol-relative](//evil.example/x.png)',
    ].join('\n\n'));
    assert.deepEqual(problems, [
      { src: '/images/a.jpg', problem: 'alt' },
      { src: 'https://tracker.example/pixel.gif', problem: 'host' },
      { src: 'https://evil.example/x.png', problem: 'host' },
      { src: '/images/../admin', problem: 'host' },
      { src: '//evil.example/x.png', problem: 'host' },
    ]);
  });

  it('does not mistake image syntax in code for an image', () => {
    assert.deepEqual(findImageProblems('Write `![](https://x.example/a.png)` like this:\n\n```\n![](https://x.example/b.png)\n```\n\n    ![](indented.png)'), []);
  });

  it('takes a repeated field as a mistake in that field, not a crash', () => {
    assert.throws(
      () => parsePostForm({ title: ['a', 'b'], author_id: '1', body: 'x' }),
      (error: unknown) => error instanceof InvalidPost && error.fields.title === 'admin.content.errors.invalid',
    );
    assert.throws(
      () => parsePostForm({ title: 'T', author_id: 'abc', tags: ['1', 'x'], body: { a: 1 } }),
      (error: unknown) =>
        error instanceof InvalidPost &&
        error.fields.author_id === 'admin.content.errors.author' &&
        error.fields.tags === 'admin.content.errors.tags' &&
        error.fields.body === 'admin.content.errors.invalid',
    );
    assert.deepEqual(parsePostForm({ title: ' T ', author_id: '3', tags: '2', body: 'x' }).tagIds, [2]);
  });
});

describe('scheduled posts on the public site', () => {
  let t: TestApp;
  const actor = { organiserId: 0 };
  let postId: number;

  before(async () => {
    t = await createTestApp();
    const db = t.db.pool;
    const organiser = await db.query<{ id: number }>(`INSERT INTO organisers (email, name, role) VALUES ('o@example.org', 'Olga', 'organiser') RETURNING id`);
    actor.organiserId = organiser.rows[0]!.id;
    const author = await db.query<{ id: number }>(`INSERT INTO authors (slug, name) VALUES ('aigerim', 'Aigerim') RETURNING id`);
    const tag = await db.query<{ id: number }>(`INSERT INTO tags (slug, name) VALUES ('prisoners', 'Prisoners') RETURNING id`);
    postId = await content.createPost(db, actor, {
      title: 'Embargoed news', slug: '', authorId: author.rows[0]!.id, tagIds: [tag.rows[0]!.id], excerpt: '', bodyMarkdown: 'Out **tomorrow**.', featuredImageId: null,
    });
    await db.query(`INSERT INTO actions (post_id, kind, slug, title, status) VALUES ($1, 'petition', 'embargoed-petition', 'Embargoed petition', 'open')`, [postId]);
    await content.publishPost(db, actor, postId, { when: 'later', at: new Date(Date.now() + 3_600_000) }, 'UTC');
  });
  after(() => t.close());

  const publicPages = ['/', '/tags/prisoners', '/authors/aigerim', '/feed.xml'];

  it('shows a scheduled post and its action nowhere until its time', async () => {
    for (const page of publicPages) {
      const res = await request(t.app).get(page).expect(200);
      assert.doesNotMatch(res.text, /Embargoed/, page);
    }
    await request(t.app).get('/posts/embargoed-news').expect(404);
    await request(t.app).get('/actions/embargoed-petition').expect(404);
    await request(t.app).get('/actions/embargoed-petition/count.json').expect(404);
    await request(t.app).get('/actions/embargoed-petition/thanks').expect(404);
    await request(t.app).get('/actions/embargoed-petition/check-email').expect(404);
  });

  it('takes no signature on a scheduled post’s action', async () => {
    // A token from another action's form: the public site's tokens are not tied to a page.
    await t.db.pool.query(`INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'public-petition', 'Public petition', 'open') ON CONFLICT DO NOTHING`);
    const agent = request.agent(t.app);
    const token = await openForm(agent, '/actions/public-petition');
    const res = await agent.post('/actions/embargoed-petition/signatures').type('form')
      .send({ _csrf: token, name: 'Aigerim', email: 'aigerim@example.org', country: 'KZ' });
    assert.equal(res.status, 404);
    const signatures = await t.db.pool.query(`SELECT count(*)::int AS n FROM signatures`);
    assert.equal(signatures.rows[0].n, 0);
  });

  it('shows it everywhere once its time has come', async () => {
    // Time passes: the scheduled time is now in the past.
    await t.db.pool.query(`UPDATE posts SET published_at = now() - interval '1 second' WHERE id = $1`, [postId]);
    for (const page of publicPages) {
      const res = await request(t.app).get(page).expect(200);
      assert.match(res.text, /Embargoed news/, page);
    }
    const post = await request(t.app).get('/posts/embargoed-news').expect(200);
    assert.match(post.text, /Out <strong>tomorrow<\/strong>/);
    assert.match(post.text, /Embargoed petition/);
    await request(t.app).get('/actions/embargoed-petition').expect(200);
    await request(t.app).get('/actions/embargoed-petition/count.json').expect(200);
  });

  it('takes an unpublished post and its action off the site at once, keeping the slug', async () => {
    await content.unpublishPost(t.db.pool, actor, postId);
    for (const page of publicPages) {
      const res = await request(t.app).get(page).expect(200);
      assert.doesNotMatch(res.text, /Embargoed/, page);
    }
    await request(t.app).get('/posts/embargoed-news').expect(404);
    await request(t.app).get('/actions/embargoed-petition').expect(404);
    const post = await content.getPost(t.db.pool, postId);
    assert.equal(post.state, 'draft');
    assert.equal(post.slug, 'embargoed-news');
    assert.equal(post.slug_locked, true, 'it has been public: its slug stays fixed');
  });
});

type AuditRow = { event: string; subject_id: string; organiser_id: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null };

describe('posts in the admin', () => {
  let t: TestApp;
  let agent: Agent;
  let organiserId: string;
  let authorId: string;
  let otherAuthorId: string;
  let tagIds: string[];

  before(async () => {
    // The campaign's zone is not UTC, so a scheduled time proves it is read in that zone.
    t = await createTestApp({ env: { CAMPAIGN_TIME_ZONE: 'Asia/Almaty' } });
    const signedIn = await signIn(t, { role: 'organiser' });
    agent = signedIn.agent;
    organiserId = String(signedIn.organiser.id);
    const db = t.db.pool;
    authorId = (await db.query<{ id: string }>(`INSERT INTO authors (slug, name) VALUES ('aigerim', 'Aigerim') RETURNING id::text`)).rows[0]!.id;
    otherAuthorId = (await db.query<{ id: string }>(`INSERT INTO authors (slug, name) VALUES ('timur', 'Timur') RETURNING id::text`)).rows[0]!.id;
    tagIds = (await db.query<{ id: string }>(`INSERT INTO tags (slug, name) VALUES ('prisoners', 'Prisoners'), ('housing', 'Housing') RETURNING id::text`)).rows.map((r) => r.id);
  });
  after(() => t.close());

  const fields = (extra: Record<string, unknown> = {}) => ({ title: 'A title', slug: '', author_id: authorId, excerpt: '', body: 'Some **text**.', ...extra });

  async function post(path: string, body: Record<string, unknown>, tokenFrom = '/admin/posts/new') {
    const token = await csrfToken(agent, tokenFrom);
    return agent.post(path).type('form').send({ _csrf: token, ...body });
  }

  async function create(body: Record<string, unknown>): Promise<string> {
    const res = await post('/admin/posts', body);
    assert.equal(res.status, 303, res.text);
    const id = /^\/admin\/posts\/(\d+)\?done=created$/.exec(String(res.headers.location))?.[1];
    assert.ok(id, res.headers.location);
    return id;
  }

  const audit = async (event: string, id: string) =>
    (await t.db.pool.query<AuditRow>(`SELECT event, subject_id, organiser_id::text, before, after FROM audit_log WHERE event = $1 AND subject_id = $2 ORDER BY id`, [event, id])).rows;
  const postCount = async () => Number((await t.db.pool.query(`SELECT count(*) FROM posts`)).rows[0].count);
  const stored = async (id: string) => (await t.db.pool.query(`SELECT * FROM posts WHERE id = $1`, [id])).rows[0];

  it('creates a draft with a slug proposed from the title, its author and tags, and records post.create', async () => {
    const id = await create(fields({ title: 'Free the Zhanaozen oil workers', tags: tagIds, excerpt: 'Short.' }));
    const row = await stored(id);
    assert.equal(row.slug, 'free-the-zhanaozen-oil-workers');
    assert.equal(row.status, 'draft');
    assert.equal(row.body_html, '<p>Some <strong>text</strong>.</p>\n');
    const tags = await t.db.pool.query(`SELECT tag_id::text FROM post_tags WHERE post_id = $1 ORDER BY tag_id`, [id]);
    assert.deepEqual(tags.rows.map((r) => r.tag_id), tagIds);
    const [entry] = await audit('post.create', id);
    assert.equal(entry?.organiser_id, organiserId);
    assert.equal(entry?.after?.title, 'Free the Zhanaozen oil workers');
    assert.deepEqual(entry?.after?.tag_ids, tagIds);
    const page = await agent.get(`/admin/posts/${id}?done=created`).expect(200);
    assert.match(page.text, /The post was saved as a draft/);
    assert.match(page.text, /value="free-the-zhanaozen-oil-workers"/);
    await request(t.app).get('/posts/free-the-zhanaozen-oil-workers').expect(404);
  });

  it('edits a post and records only the changed fields in post.update', async () => {
    const id = await create(fields({ title: 'Before the edit', tags: tagIds[0] }));
    const res = await post(`/admin/posts/${id}`, fields({ title: 'After the edit', slug: 'before-the-edit', author_id: otherAuthorId, tags: tagIds[1] }), `/admin/posts/${id}`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, `/admin/posts/${id}?done=saved`);
    const row = await stored(id);
    assert.equal(row.title, 'After the edit');
    assert.equal(String(row.author_id), otherAuthorId);
    const [entry] = await audit('post.update', id);
    assert.deepEqual(entry?.before, { title: 'Before the edit', author_id: Number(authorId), tag_ids: [tagIds[0]] });
    assert.deepEqual(entry?.after, { title: 'After the edit', author_id: Number(otherAuthorId), tag_ids: [tagIds[1]] });
  });

  it('shows a stored multi-line body in the edit form exactly as it was written', async () => {
    const body = '## Day one\n\nWe met at noon.\n\n    indented code\n\n- one\n- two';
    const id = await create(fields({ title: 'Round trip', body }));
    const page = await agent.get(`/admin/posts/${id}`).expect(200);
    const shown = /<textarea id="post-body"[^>]*>([^<]*)<\/textarea>/.exec(page.text)?.[1];
    assert.equal(shown, body);
  });

  it('lets a draft change its slug', async () => {
    const id = await create(fields({ title: 'Draft slug' }));
    await post(`/admin/posts/${id}`, fields({ title: 'Draft slug', slug: 'a-better-slug' }), `/admin/posts/${id}`).then((r) => assert.equal(r.status, 303));
    assert.equal((await stored(id)).slug, 'a-better-slug');
  });

  it('refuses a slug another post has, beside the field (422), on creation and on edit', async () => {
    await create(fields({ title: 'Taken', slug: 'taken-slug' }));
    const before = await postCount();
    const res = await post('/admin/posts', fields({ title: 'Another', slug: 'taken-slug' }));
    assert.equal(res.status, 422);
    assert.match(res.text, /id="post-slug-error">Another post already has this slug/);
    assert.match(res.text, /aria-describedby="post-slug-hint post-slug-error"/);
    assert.match(res.text, /value="Another"/, 'the form comes back as typed');
    assert.equal(await postCount(), before);
    const id = await create(fields({ title: 'Mine' }));
    const edit = await post(`/admin/posts/${id}`, fields({ title: 'Mine', slug: 'taken-slug' }), `/admin/posts/${id}`);
    assert.equal(edit.status, 422);
    assert.match(edit.text, /Another post already has this slug/);
    assert.equal((await stored(id)).slug, 'mine');
  });

  it('answers two organisers creating the same slug at once with one post and one 422, not a 500', async () => {
    const tokens = await Promise.all([csrfToken(agent, '/admin/posts/new'), csrfToken(agent, '/admin/posts/new')]);
    const results = await Promise.all(tokens.map((token) => agent.post('/admin/posts').type('form').send({ _csrf: token, ...fields({ title: 'Race', slug: 'race' }) })));
    assert.deepEqual(results.map((r) => r.status).sort(), [303, 422]);
    assert.equal(Number((await t.db.pool.query(`SELECT count(*) FROM posts WHERE slug = 'race'`)).rows[0].count), 1);
  });

  it('turns a unique violation on edit into the 422 too (a slug taken between the check and the write)', async () => {
    // A trigger takes the slug the moment the update runs, as a concurrent insert would.
    const id = await create(fields({ title: 'Edit race' }));
    await t.db.pool.query(`
      CREATE FUNCTION steal_slug() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.slug = 'stolen' AND OLD.slug <> 'stolen' THEN
        INSERT INTO posts (slug, title, author_id) VALUES ('stolen', 'Thief', NEW.author_id) ON CONFLICT DO NOTHING;
      END IF; RETURN NEW; END $$;
      CREATE TRIGGER steal_slug BEFORE UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION steal_slug();`);
    try {
      const res = await post(`/admin/posts/${id}`, fields({ title: 'Edit race', slug: 'stolen' }), `/admin/posts/${id}`);
      assert.equal(res.status, 422);
      assert.match(res.text, /Another post already has this slug/);
    } finally {
      await t.db.pool.query(`DROP TRIGGER steal_slug ON posts; DROP FUNCTION steal_slug();`);
    }
  });

  it('keeps the slug of a published post: the field is read-only and a changed one is refused', async () => {
    const id = await create(fields({ title: 'Going public' }));
    const publish = await post(`/admin/posts/${id}/publish`, { when: 'now' }, `/admin/posts/${id}`);
    assert.equal(publish.status, 303);
    assert.equal(publish.headers.location, `/admin/posts/${id}?done=published`);
    await request(t.app).get('/posts/going-public').expect(200);
    const page = await agent.get(`/admin/posts/${id}`).expect(200);
    assert.match(page.text, /id="post-slug" name="slug" type="text" readonly value="going-public"/);
    const res = await post(`/admin/posts/${id}`, fields({ title: 'Going public', slug: 'gone-elsewhere' }), `/admin/posts/${id}`);
    assert.equal(res.status, 422);
    assert.match(res.text, /its slug cannot change/);
    assert.equal((await stored(id)).slug, 'going-public');
    // An empty slug from a stranger's form keeps it too, and so does unpublishing.
    await post(`/admin/posts/${id}`, fields({ title: 'Going public, edited', slug: '' }), `/admin/posts/${id}`).then((r) => assert.equal(r.status, 303));
    assert.equal((await stored(id)).slug, 'going-public');
    await post(`/admin/posts/${id}/unpublish`, {}, `/admin/posts/${id}`).then((r) => assert.equal(r.status, 303));
    const again = await post(`/admin/posts/${id}`, fields({ title: 'Going public', slug: 'gone-elsewhere' }), `/admin/posts/${id}`);
    assert.equal(again.status, 422, 'a post that has been public keeps its address after unpublishing');
  });

  it('hides a published post moved to a later time, and it keeps its slug even when unpublished before then', async () => {
    const id = await create(fields({ title: 'Moved later' }));
    await post(`/admin/posts/${id}/publish`, { when: 'now' }, `/admin/posts/${id}`).then((r) => assert.equal(r.status, 303));
    await request(t.app).get('/posts/moved-later').expect(200);
    const res = await post(`/admin/posts/${id}/publish`, { when: 'later', at: '2099-06-01T12:00' }, `/admin/posts/${id}`);
    assert.equal(res.headers.location, `/admin/posts/${id}?done=scheduled`);
    await request(t.app).get('/posts/moved-later').expect(404);
    assert.equal((await audit('post.schedule', id)).length, 1);
    await post(`/admin/posts/${id}/unpublish`, {}, `/admin/posts/${id}`).then((r) => assert.equal(r.status, 303));
    const rename = await post(`/admin/posts/${id}`, fields({ title: 'Moved later', slug: 'renamed' }), `/admin/posts/${id}`);
    assert.equal(rename.status, 422, 'it was public before it was moved: its address is out there');
  });

  it('frees the slug of a post scheduled and unpublished before it ever went public', async () => {
    const id = await create(fields({ title: 'Never out' }));
    await post(`/admin/posts/${id}/publish`, { when: 'later', at: '2099-06-01T12:00' }, `/admin/posts/${id}`);
    const locked = await post(`/admin/posts/${id}`, fields({ title: 'Never out', slug: 'still-never-out' }), `/admin/posts/${id}`);
    assert.equal(locked.status, 422, 'fixed while scheduled');
    await post(`/admin/posts/${id}/unpublish`, {}, `/admin/posts/${id}`);
    const renamed = await post(`/admin/posts/${id}`, fields({ title: 'Never out', slug: 'still-never-out' }), `/admin/posts/${id}`);
    assert.equal(renamed.status, 303);
    assert.equal((await stored(id)).slug, 'still-never-out');
  });

  it('publishes now, records post.publish, and unpublishing takes it off the site with post.unpublish', async () => {
    const id = await create(fields({ title: 'Now and then' }));
    await post(`/admin/posts/${id}/publish`, { when: 'now' }, `/admin/posts/${id}`).then((r) => assert.equal(r.status, 303));
    const home = await request(t.app).get('/').expect(200);
    assert.match(home.text, /Now and then/);
    const [published] = await audit('post.publish', id);
    assert.deepEqual(published?.before, { status: 'draft', published_at: null });
    assert.equal(published?.after?.status, 'published');
    const res = await post(`/admin/posts/${id}/unpublish`, {}, `/admin/posts/${id}`);
    assert.equal(res.headers.location, `/admin/posts/${id}?done=unpublished`);
    await request(t.app).get('/posts/now-and-then').expect(404);
    assert.doesNotMatch((await request(t.app).get('/').expect(200)).text, /Now and then/);
    const row = await stored(id);
    assert.equal(row.status, 'draft');
    assert.equal(row.slug, 'now-and-then');
    const [unpublished] = await audit('post.unpublish', id);
    assert.deepEqual(unpublished?.after, { status: 'draft', published_at: null });
  });

  it('schedules a post at a time in the campaign’s zone; it stays off the site until then', async () => {
    const id = await create(fields({ title: 'Scheduled by form' }));
    const res = await post(`/admin/posts/${id}/publish`, { when: 'later', at: '2099-12-16T10:00' }, `/admin/posts/${id}`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, `/admin/posts/${id}?done=scheduled`);
    const row = await stored(id);
    // 10:00 in Almaty (UTC+5) is 05:00 UTC.
    assert.equal(new Date(row.published_at).toISOString(), '2099-12-16T05:00:00.000Z');
    await request(t.app).get('/posts/scheduled-by-form').expect(404);
    for (const page of ['/', '/feed.xml', '/authors/aigerim']) assert.doesNotMatch((await request(t.app).get(page)).text, /Scheduled by form/);
    const [entry] = await audit('post.schedule', id);
    assert.equal(entry?.after?.published_at, '2099-12-16T05:00:00.000Z');
    const page = await agent.get(`/admin/posts/${id}`).expect(200);
    assert.match(page.text, /class="badge state-scheduled">Scheduled</);
    assert.match(page.text, /name="at" type="datetime-local" value="2099-12-16T10:00"/);
    // One second from now: it goes public on its own when the time comes.
    const soon = new Date(Date.now() + 1000);
    await t.db.pool.query(`UPDATE posts SET published_at = $2 WHERE id = $1`, [id, soon]);
    await request(t.app).get('/posts/scheduled-by-form').expect(404);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await request(t.app).get('/posts/scheduled-by-form').expect(200);
  });

  it('refuses a publish form without a choice or with a bad time (422), and publishes nothing', async () => {
    const id = await create(fields({ title: 'Bad times' }));
    for (const body of [{}, { when: 'tomorrow' }, { when: ['now', 'later'] }, { when: 'later' }, { when: 'later', at: 'next tuesday' }, { when: 'later', at: ['2099-01-01T10:00', '2099-01-02T10:00'] }, { when: 'later', at: '2099-13-40T10:00' }]) {
      const res = await post(`/admin/posts/${id}/publish`, body, `/admin/posts/${id}`);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.match(res.text, /id="publish-(when|at)-error"/);
    }
    assert.equal((await stored(id)).status, 'draft');
    assert.deepEqual(await audit('post.publish', id), []);
  });

  it('lists drafts, scheduled and published posts, newest first, with their status', async () => {
    const res = await agent.get('/admin/posts').expect(200);
    const rows = [...res.text.matchAll(/<a href="\/admin\/posts\/(\d+)">([^<]+)<\/a><\/td>\s*<td><span class="badge state-(\w+)">/g)].map((m) => [m[2], m[3]]);
    const byTitle = new Map(rows.map(([title, state]) => [title, state]));
    assert.equal(byTitle.get('Bad times'), 'draft');
    assert.equal(byTitle.get('Scheduled by form'), 'published', 'its time has come');
    assert.equal(byTitle.get('Going public, edited'), 'draft');
    assert.equal(rows[0]![0], 'Bad times', 'the newest first');
    await agent.get('/admin/posts?page=999').expect(404);
    await agent.get('/admin/posts?page=abc').expect(400);
  });

  it('shows a scheduled post as scheduled in the list', async () => {
    const id = await create(fields({ title: 'Later on' }));
    await post(`/admin/posts/${id}/publish`, { when: 'later', at: '2099-01-01T09:00' }, `/admin/posts/${id}`);
    const res = await agent.get('/admin/posts').expect(200);
    assert.match(res.text, new RegExp(`href="/admin/posts/${id}">Later on</a></td>\\s*<td><span class="badge state-scheduled">Scheduled`));
  });

  it('previews the body with the public pipeline, sanitised, and saves nothing', async () => {
    const before = await postCount();
    const audits = Number((await t.db.pool.query(`SELECT count(*) FROM audit_log`)).rows[0].count);
    const res = await post('/admin/posts/preview', fields({ title: 'Preview me', body: '# Heading\n\nHello **world** <script>alert(1)</script> [x](javascript:alert(2))' }));
    assert.equal(res.status, 200);
    assert.match(res.text, /<section class="post-preview" id="preview"/);
    assert.match(res.text, /<h2 id="section_heading">Heading<\/h2>/);
    assert.match(res.text, /Hello <strong>world<\/strong>/);
    const preview = res.text.slice(res.text.indexOf('<section class="post-preview"'));
    assert.doesNotMatch(preview, /<script>alert|javascript:alert/);
    assert.notEqual(csrfTokenIn(res.text), '', 'the form comes back with a token');
    const typed = /<textarea id="post-body"[^>]*>([^<]*)<\/textarea>/.exec(res.text)?.[1];
    assert.equal(typed, "# Heading\n\nHello **world** &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(2))", "the form comes back as typed");
    assert.match(res.text, /<h1>New post<\/h1>/);
    assert.equal(await postCount(), before);
    assert.equal(Number((await t.db.pool.query(`SELECT count(*) FROM audit_log`)).rows[0].count), audits);
  });

  it('previews edits of an existing post without saving them', async () => {
    const id = await create(fields({ title: 'Stored', body: 'Stored body' }));
    const res = await post('/admin/posts/preview', fields({ post_id: id, title: 'Stored', body: 'Unsaved _edit_' }), `/admin/posts/${id}`);
    assert.equal(res.status, 200);
    assert.match(res.text, /Unsaved <em>edit<\/em>/);
    assert.match(res.text, new RegExp(`action="/admin/posts/${id}"`), 'the edit form, to save what was previewed');
    assert.equal((await stored(id)).body_markdown, 'Stored body');
  });

  it('points out in a preview the images that saving would refuse', async () => {
    const res = await post('/admin/posts/preview', fields({ body: '![](/images/no-alt.jpg)\n\n![Tracker](https://tracker.example/p.gif)\n\n![Ours](/images/ours.webp)' }));
    assert.equal(res.status, 200);
    assert.match(res.text, /The image \/images\/no-alt.jpg has no description/);
    assert.match(res.text, /The image https:\/\/tracker.example\/p.gif is not one uploaded here/);
    // Not even the preview loads an image from elsewhere: that host would learn who writes what.
    const preview = res.text.slice(res.text.indexOf('<section class="post-preview"'));
    assert.doesNotMatch(preview, /<img[^>]+tracker\.example/);
    assert.match(preview, /<img src="\/images\/ours.webp" alt="Ours" \/>/);
  });

  it('refuses an image without alt text or from another host (422 beside the body, naming the image)', async () => {
    const before = await postCount();
    const noAlt = await post('/admin/posts', fields({ title: 'Images', body: 'Look:\n\n![](/images/crowd.jpg)' }));
    assert.equal(noAlt.status, 422);
    assert.match(noAlt.text, /id="post-body-error"/);
    assert.match(noAlt.text, /The image \/images\/crowd.jpg has no description/);
    const elsewhere = await post('/admin/posts', fields({ title: 'Images', body: '![A crowd](https://tracker.example/crowd.jpg)' }));
    assert.equal(elsewhere.status, 422);
    assert.match(elsewhere.text, /The image https:\/\/tracker.example\/crowd.jpg is not one uploaded here/);
    const rawHtml = await post('/admin/posts', fields({ title: 'Images', body: '<img src="https://tracker.example/p.gif" alt="pixel">' }));
    assert.equal(rawHtml.status, 422);
    assert.equal(await postCount(), before);
    // An uploaded image with a description, and image syntax inside code, are fine.
    await create(fields({ title: 'Good images', body: '![A crowd in Almaty](/images/crowd.webp)\n\n`![](https://x.example/y.png)`' }));
  });

  it('answers strangers’ input with 404 or 422, never a 500', async () => {
    const before = await postCount();
    const bad: Record<string, unknown>[] = [
      {},
      fields({ title: ['one', 'two'] }),
      fields({ slug: ['a', 'b'] }),
      fields({ body: ['a', 'b'] }),
      fields({ author_id: '99999' }),
      fields({ author_id: 'abc' }),
      fields({ author_id: '99999999999999999999' }),
      fields({ author_id: [authorId, otherAuthorId] }),
      fields({ tags: '99999' }),
      fields({ tags: [tagIds[0], '99999'] }),
      fields({ tags: 'abc' }),
      fields({ slug: 'Not A Slug!' }),
      fields({ slug: '-x-' }),
      fields({ title: 'x'.repeat(301) }),
      fields({ title: 'bell\u0007' }),
      fields({ body: 'nul\u0000' }),
      fields({ body: 'x'.repeat(200_001) }),
      fields({ tags: Array.from({ length: 201 }, (_, i) => String(i + 1)) }),
    ];
    for (const body of bad) {
      const res = await post('/admin/posts', body);
      assert.equal(res.status, 422, JSON.stringify(body).slice(0, 200));
      assert.match(res.text, /class="field-error"/);
    }
    assert.equal(await postCount(), before);
    const unknownAuthor = await post('/admin/posts', fields({ author_id: '99999' }));
    assert.match(unknownAuthor.text, /id="post-author-error">Please choose an author from the list/);
    for (const path of ['/admin/posts/abc', '/admin/posts/0', '/admin/posts/99999999999999999999', '/admin/posts/999999', '/admin/posts/1.5', '/admin/posts/-1']) {
      await agent.get(path).expect(404);
    }
    const id = await create(fields({ title: 'Target' }));
    for (const path of ['/admin/posts/abc', '/admin/posts/999999', '/admin/posts/abc/publish', '/admin/posts/999999/publish', '/admin/posts/abc/unpublish', '/admin/posts/999999/unpublish']) {
      const res = await post(path, fields({ when: 'now' }), `/admin/posts/${id}`);
      assert.equal(res.status, 404, path);
    }
    for (const postId of ['abc', '999999', ['1', '2']]) {
      const res = await post('/admin/posts/preview', fields({ post_id: postId }));
      assert.equal(res.status, 404, String(postId));
    }
  });

  it('sets, keeps and removes a featured image chosen in the picker, refusing one that does not exist', async () => {
    const bytes = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#224466' } }).png().toBuffer();
    const imageId = String(await uploadImage(t.db.pool, { bytes, alt: 'Protesters outside the embassy', organiserId: Number(organiserId) }));
    const form = await agent.get('/admin/posts/new').expect(200);
    assert.match(form.text, /<legend>Featured image<\/legend>/);
    assert.match(form.text, /value="" id="featured-image-none" checked>/);
    const id = await create(fields({ title: 'With a picture', featuredImageId: imageId }));
    assert.equal(String((await stored(id)).featured_image_id), imageId);
    const [entry] = await audit('post.featured_image', id);
    assert.deepEqual(entry?.after, { featured_image_id: imageId });
    const page = await agent.get(`/admin/posts/${id}`).expect(200);
    assert.match(page.text, new RegExp(`value="${imageId}" id="featured-image-${imageId}" checked>`));
    // Saving the form as it came keeps the image, without another entry.
    await post(`/admin/posts/${id}`, fields({ title: 'With a picture', slug: 'with-a-picture', featuredImageId: imageId }), `/admin/posts/${id}`).then((r) => assert.equal(r.status, 303));
    assert.equal((await audit('post.featured_image', id)).length, 1);
    for (const bad of ['999999', 'abc', [imageId, imageId]]) {
      const res = await post(`/admin/posts/${id}`, fields({ title: 'With a picture', featuredImageId: bad }), `/admin/posts/${id}`);
      assert.equal(res.status, 422, String(bad));
      assert.match(res.text, /id="featured-image-error">Please choose an image from the list/);
    }
    await post(`/admin/posts/${id}`, fields({ title: 'With a picture', featuredImageId: '' }), `/admin/posts/${id}`).then((r) => assert.equal(r.status, 303));
    assert.equal((await stored(id)).featured_image_id, null);
    assert.equal((await audit('post.featured_image', id)).length, 2);
  });

  it('saves a long post (the admin takes bodies far beyond a signature’s 16 kB)', async () => {
    const body = `${'A paragraph of news about the campaign. '.repeat(25)}\n\n`.repeat(100);
    assert.ok(body.length > 100_000);
    const id = await create(fields({ title: 'Long read', body }));
    assert.equal((await stored(id)).body_markdown, body.trimEnd());
    // The audit log keeps the start of such a body, not all of it; a change past the cut is still recorded.
    const [created] = await audit('post.create', id);
    assert.match(String(created?.after?.body_markdown), new RegExp(`… \\(${body.trimEnd().length} characters\\)$`));
    assert.ok(String(created?.after?.body_markdown).length < 2100);
    await post(`/admin/posts/${id}`, fields({ title: 'Long read', slug: 'long-read', body: `${body.trimEnd()} The end.` }), `/admin/posts/${id}`).then((r) => assert.equal(r.status, 303));
    const [updated] = await audit('post.update', id);
    assert.ok(updated, 'a change beyond the first 2,000 characters is a change');
    assert.match(String(updated.after?.body_markdown), /characters\)$/);
  });
});
