import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { signIn, csrfToken } from '../helpers/admin.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import type { Agent } from '../helpers/forms.ts';

type AuditRow = { event: string; subject_id: string; organiser_id: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null };

describe('authors and tags in the admin', () => {
  let t: TestApp;
  let agent: Agent;
  let organiserId: string;

  before(async () => {
    t = await createTestApp();
    const signedIn = await signIn(t, { role: 'organiser' });
    agent = signedIn.agent;
    organiserId = String(signedIn.organiser.id);
  });
  after(() => t.close());

  async function post(path: string, body: Record<string, unknown>, tokenFrom: string) {
    const token = await csrfToken(agent, tokenFrom);
    return agent.post(path).type('form').send({ _csrf: token, ...body });
  }
  const audit = async (event: string, id: string) =>
    (await t.db.pool.query<AuditRow>(`SELECT event, subject_id, organiser_id::text, before, after FROM audit_log WHERE event = $1 AND subject_id = $2 ORDER BY id`, [event, id])).rows;
  const count = async (table: 'authors' | 'tags') => Number((await t.db.pool.query(`SELECT count(*) FROM ${table}`)).rows[0].count);

  it('adds an author with a slug made from the name, recorded as author.create, shown on its public page', async () => {
    const res = await post('/admin/authors', { name: 'Айгерім Тлеуова', slug: '', bio: 'Reports from Almaty.' }, '/admin/authors');
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/admin/authors?done=authorCreated');
    const { rows } = await t.db.pool.query(`SELECT id::text, slug, name, bio FROM authors`);
    assert.deepEqual(rows.map((r) => r.slug), ['aigerim-tleuova']);
    const [entry] = await audit('author.create', rows[0].id);
    assert.equal(entry?.organiser_id, organiserId);
    assert.deepEqual(entry?.after, { name: 'Айгерім Тлеуова', slug: 'aigerim-tleuova', bio: 'Reports from Almaty.' });
    const list = await agent.get('/admin/authors?done=authorCreated').expect(200);
    assert.match(list.text, /The author was added/);
    assert.match(list.text, new RegExp(`<a href="/admin/authors/${rows[0].id}">Айгерім Тлеуова</a>`));
    const page = await request(t.app).get('/authors/aigerim-tleuova').expect(200);
    assert.match(page.text, /All posts by Айгерім Тлеуова/);
  });

  it('edits an author, recording only what changed in author.update', async () => {
    const id = (await t.db.pool.query(`INSERT INTO authors (slug, name, bio) VALUES ('timur', 'Timur', 'Old bio') RETURNING id::text`)).rows[0].id;
    const form = await agent.get(`/admin/authors/${id}`).expect(200);
    assert.match(form.text, /<h1>Timur<\/h1>/);
    assert.match(form.text, /id="author-bio" name="bio" rows="5">Old bio<\/textarea>/);
    await t.db.pool.query(`UPDATE authors SET bio = $2 WHERE id = $1`, [id, 'Line one\n\nLine two']);
    const multiLine = await agent.get(`/admin/authors/${id}`).expect(200);
    assert.match(multiLine.text, /name="bio" rows="5">Line one\n\nLine two<\/textarea>/, 'shown as stored, not indented');
    await t.db.pool.query(`UPDATE authors SET bio = 'Old bio' WHERE id = $1`, [id]);
    const res = await post(`/admin/authors/${id}`, { name: 'Timur', slug: 'timur', bio: 'New bio' }, `/admin/authors/${id}`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, `/admin/authors/${id}?done=authorSaved`);
    const [entry] = await audit('author.update', id);
    assert.deepEqual(entry?.before, { bio: 'Old bio' });
    assert.deepEqual(entry?.after, { bio: 'New bio' });
    // Saving without a change writes no entry.
    await post(`/admin/authors/${id}`, { name: 'Timur', slug: 'timur', bio: 'New bio' }, `/admin/authors/${id}`);
    assert.equal((await audit('author.update', id)).length, 1);
  });

  it('refuses an author slug that is taken (422 beside the field), on creation and on edit', async () => {
    const before = await count('authors');
    const res = await post('/admin/authors', { name: 'Another Timur', slug: 'timur' }, '/admin/authors');
    assert.equal(res.status, 422);
    assert.match(res.text, /id="author-slug-error">Another author already has this slug/);
    assert.match(res.text, /value="Another Timur"/);
    assert.equal(await count('authors'), before);
    const id = (await t.db.pool.query(`INSERT INTO authors (slug, name) VALUES ('zhanar', 'Zhanar') RETURNING id::text`)).rows[0].id;
    const edit = await post(`/admin/authors/${id}`, { name: 'Zhanar', slug: 'timur' }, `/admin/authors/${id}`);
    assert.equal(edit.status, 422);
    assert.match(edit.text, /Another author already has this slug/);
  });

  it('adds and edits a tag, with tag.create and tag.update', async () => {
    const res = await post('/admin/tags', { name: 'Political prisoners', slug: '', description: 'Free them all.' }, '/admin/tags');
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/admin/tags?done=tagCreated');
    const id = (await t.db.pool.query(`SELECT id::text FROM tags WHERE slug = 'political-prisoners'`)).rows[0].id;
    assert.equal((await audit('tag.create', id)).length, 1);
    const edit = await post(`/admin/tags/${id}`, { name: 'Prisoners of conscience', slug: 'political-prisoners', description: 'Free them all.' }, `/admin/tags/${id}`);
    assert.equal(edit.status, 303);
    const [entry] = await audit('tag.update', id);
    assert.deepEqual(entry?.before, { name: 'Political prisoners' });
    assert.deepEqual(entry?.after, { name: 'Prisoners of conscience' });
    const list = await agent.get('/admin/tags').expect(200);
    assert.match(list.text, /Prisoners of conscience/);
    const dup = await post('/admin/tags', { name: 'Again', slug: 'political-prisoners' }, '/admin/tags');
    assert.equal(dup.status, 422);
    assert.match(dup.text, /id="tag-slug-error">Another tag already has this slug/);
  });

  it('deletes an author without posts (author.delete), and refuses one with posts, a draft included', async () => {
    const lonely = (await t.db.pool.query(`INSERT INTO authors (slug, name) VALUES ('lonely', 'Lonely') RETURNING id::text`)).rows[0].id;
    const busy = (await t.db.pool.query(`INSERT INTO authors (slug, name) VALUES ('busy', 'Busy') RETURNING id::text`)).rows[0].id;
    await t.db.pool.query(`INSERT INTO posts (slug, title, author_id) VALUES ('a-draft-by-busy', 'Draft', $1)`, [busy]);
    const refused = await post(`/admin/authors/${busy}`, { intent: 'delete' }, `/admin/authors/${busy}`);
    assert.equal(refused.status, 422);
    assert.match(refused.text, /id="delete-error" role="alert">This author has posts/);
    assert.equal((await t.db.pool.query(`SELECT 1 FROM authors WHERE id = $1`, [busy])).rowCount, 1);
    const res = await post(`/admin/authors/${lonely}`, { intent: 'delete' }, `/admin/authors/${lonely}`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/admin/authors?done=authorDeleted');
    await agent.get(`/admin/authors/${lonely}`).expect(404);
    const [entry] = await audit('author.delete', lonely);
    assert.deepEqual(entry?.before, { name: 'Lonely', slug: 'lonely', bio: '' });
    assert.equal((await post(`/admin/authors/${lonely}`, { intent: 'delete' }, '/admin/authors')).status, 404, 'gone is gone');
  });

  it('deletes a tag no post has (tag.delete), and refuses one in use', async () => {
    const author = (await t.db.pool.query(`INSERT INTO authors (slug, name) VALUES ('tagger', 'Tagger') RETURNING id`)).rows[0].id;
    const unused = (await t.db.pool.query(`INSERT INTO tags (slug, name) VALUES ('unused', 'Unused') RETURNING id::text`)).rows[0].id;
    const used = (await t.db.pool.query(`INSERT INTO tags (slug, name) VALUES ('used', 'Used') RETURNING id::text`)).rows[0].id;
    const postId = (await t.db.pool.query(`INSERT INTO posts (slug, title, author_id) VALUES ('tagged', 'Tagged', $1) RETURNING id`, [author])).rows[0].id;
    await t.db.pool.query(`INSERT INTO post_tags (post_id, tag_id) VALUES ($1, $2)`, [postId, used]);
    const refused = await post(`/admin/tags/${used}`, { intent: 'delete' }, `/admin/tags/${used}`);
    assert.equal(refused.status, 422);
    assert.match(refused.text, /Some posts have this tag/);
    const res = await post(`/admin/tags/${unused}`, { intent: 'delete' }, `/admin/tags/${unused}`);
    assert.equal(res.headers.location, '/admin/tags?done=tagDeleted');
    assert.equal((await audit('tag.delete', unused)).length, 1);
    assert.equal((await t.db.pool.query(`SELECT 1 FROM tags WHERE id = $1`, [used])).rowCount, 1);
  });

  it('answers strangers’ input with 404 or 422, never a 500', async () => {
    const authors = await count('authors');
    const tags = await count('tags');
    const bad: Record<string, unknown>[] = [
      {},
      { name: ['a', 'b'] },
      { name: 'Fine', slug: ['a', 'b'] },
      { name: 'Fine', bio: ['a', 'b'], description: ['a', 'b'] },
      { name: 'x'.repeat(201) },
      { name: 'Fine', slug: 'Not a slug' },
      { name: '!!!' },
      { name: 'Fine', slug: 'x'.repeat(201) },
    ];
    for (const body of bad) {
      assert.equal((await post('/admin/authors', body, '/admin/authors')).status, 422, `author ${JSON.stringify(body).slice(0, 80)}`);
      assert.equal((await post('/admin/tags', body, '/admin/tags')).status, 422, `tag ${JSON.stringify(body).slice(0, 80)}`);
    }
    assert.equal(await count('authors'), authors);
    assert.equal(await count('tags'), tags);
    for (const path of ['/admin/authors/abc', '/admin/authors/0', '/admin/authors/99999999999999999999', '/admin/authors/999999', '/admin/tags/abc', '/admin/tags/999999', '/admin/tags/99999999999999999999']) {
      await agent.get(path).expect(404);
      assert.equal((await post(path, { name: 'X' }, '/admin/authors')).status, 404, path);
    }
  });
});
