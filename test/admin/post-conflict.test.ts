// Two organisers with one post open: the second to save is not allowed to undo
// the first's change without knowing it. Their save is refused (422) with their
// text kept; saving again then replaces it, knowingly.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as content from '../../src/posts/posts.admin.service.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

describe('admin: a post edited by two organisers at once', () => {
  let t: TestApp;
  let dana: Agent;
  let erlan: Agent;
  let postId: number;
  let authorId: number;

  before(async () => {
    t = await createTestApp();
    const first = await signIn(t, { role: 'organiser', name: 'Dana' });
    dana = first.agent;
    erlan = (await signIn(t, { role: 'organiser', name: 'Erlan' })).agent;
    authorId = (await t.db.pool.query<{ id: number }>("INSERT INTO authors (slug, name) VALUES ('a', 'A') RETURNING id")).rows[0]!.id;
    postId = await content.createPost(t.db.pool, { organiserId: first.organiser.id }, {
      title: 'Hearing on Monday', slug: '', authorId, tagIds: [], excerpt: '', bodyMarkdown: 'The hearing is on Monday.', featuredImageId: null,
    });
  });
  after(() => t.close());

  /** Opens the edit page: the CSRF token and the version the form was opened on. */
  const open = async (agent: Agent) => {
    const page = await agent.get(`/admin/posts/${postId}`).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const version = /name="edited_from" value="([^"]*)"/.exec(page.text)?.[1];
    assert.ok(version, 'the edit form carries the version it was opened on');
    return { csrf, version };
  };
  const save = (agent: Agent, form: { csrf: string; version: string }, fields: { title: string; body: string }) =>
    agent.post(`/admin/posts/${postId}`).type('form').send({ _csrf: form.csrf, edited_from: form.version, author_id: String(authorId), slug: '', excerpt: '', ...fields });
  const stored = async () => (await t.db.pool.query('SELECT title, body_markdown FROM posts WHERE id = $1', [postId])).rows[0] as { title: string; body_markdown: string };

  it('refuses the second save over the first, keeps the first, and lets a knowing second save through', async () => {
    const danaForm = await open(dana);
    const erlanForm = await open(erlan);
    await new Promise((resolve) => setTimeout(resolve, 5)); // updated_at moves on by at least a millisecond
    assert.equal((await save(dana, danaForm, { title: 'Hearing moved to Tuesday', body: 'The hearing is on Monday.' })).status, 303);

    const refused = await save(erlan, erlanForm, { title: 'Hearing on Monday', body: 'The hearing is on Monday. Bring banners.' });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /Someone else saved or published this post/);
    assert.match(refused.text, /Bring banners/, 'the refused text is kept in the form');
    assert.deepEqual(await stored(), { title: 'Hearing moved to Tuesday', body_markdown: 'The hearing is on Monday.' });

    // The refused form now carries the newer version: saving again is a decision, and goes through.
    const again = { csrf: /name="_csrf" value="([^"]+)"/.exec(refused.text)![1]!, version: /name="edited_from" value="([^"]*)"/.exec(refused.text)![1]! };
    assert.notEqual(again.version, erlanForm.version);
    assert.equal((await save(erlan, again, { title: 'Hearing on Monday', body: 'The hearing is on Monday. Bring banners.' })).status, 303);
    assert.equal((await stored()).body_markdown, 'The hearing is on Monday. Bring banners.');
  });

  it('saves as before when nobody else saved in between, twice in a row', async () => {
    const form = await open(dana);
    assert.equal((await save(dana, form, { title: 'Hearing on Tuesday', body: 'Tuesday.' })).status, 303);
    const next = await open(dana);
    assert.equal((await save(dana, next, { title: 'Hearing on Tuesday, 10:00', body: 'Tuesday.' })).status, 303);
    assert.equal((await stored()).title, 'Hearing on Tuesday, 10:00');
  });
});
