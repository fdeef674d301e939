// Drafts stay private: an action whose post is not published (a draft, or
// scheduled for later) is not shown, signable, confirmable, counted in public
// or listed; an action without a post stays public.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import request from 'supertest';
import { listActionsOfPost } from '../../src/actions/actions.repo.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, openForm, pressButtonBehind, signPetition } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

describe('actions of posts that are not published', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let authorId: number;
  let seq = 0;

  /** A post (published_at an SQL expression) carrying an open petition of the same slug plus "-action". */
  async function postWithAction(slug: string, status: 'draft' | 'published', publishedAt: string): Promise<{ postId: number; action: string }> {
    const post = await t.db.pool.query(
      `INSERT INTO posts (slug, title, author_id, status, published_at) VALUES ($1, 'Not yet', $2, $3, ${publishedAt}) RETURNING id`,
      [slug, authorId, status],
    );
    const postId = post.rows[0].id as number;
    const action = `${slug}-action`;
    await t.db.pool.query("INSERT INTO actions (post_id, kind, slug, title, status) VALUES ($1, 'petition', $2, 'Secret petition', 'open')", [postId, action]);
    return { postId, action };
  }

  /** Posts the signing form to `slug` as a visitor of the demo action's page. */
  async function signWithTokenFromElsewhere(slug: string, address: string) {
    const agent = request.agent(t.app);
    await agent.get(`/actions/${ACTION}`).expect(200);
    return agent.post(`/actions/${slug}/signatures`).type('form').send({ name: 'A', email: address, country: 'KZ' });
  }

  const signaturesOf = async (address: string) =>
    (await t.db.pool.query('SELECT count(*)::int AS n FROM signatures WHERE email = $1', [address])).rows[0].n as number;

  /** Every way in to an action, answered as for an action that does not exist. */
  async function assertPrivate(action: string, note: string) {
    await request(t.app).get(`/actions/${action}`).expect(404);
    await request(t.app).get(`/actions/${action}/count.json`).expect(404).expect('Content-Type', /json/);
    await request(t.app).get(`/actions/${action}/check-email`).expect(404);
    await request(t.app).get(`/actions/${action}/thanks`).expect(404);
    const address = `${action}-${++seq}@example.org`;
    const signing = await signWithTokenFromElsewhere(action, address);
    assert.equal(signing.status, 404, `${note}: signing`);
    assert.match(signing.text, /could not find that page/);
    assert.equal(await signaturesOf(address), 0, `${note}: nothing stored`);
    const home = await request(t.app).get('/').expect(200);
    assert.doesNotMatch(home.text, /Secret petition/, `${note}: not listed`);
  }

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
    authorId = (await t.db.pool.query("INSERT INTO authors (slug, name) VALUES ('drafter', 'Drafter') RETURNING id")).rows[0].id;
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });
  beforeEach(() => {
    smtp.messages.length = 0;
  });

  it('keeps the action of a draft post private', async () => {
    const { postId, action } = await postWithAction('a-draft-post', 'draft', 'NULL');
    await request(t.app).get('/posts/a-draft-post').expect(404);
    await assertPrivate(action, 'draft');
    assert.deepEqual(await listActionsOfPost(t.db.pool, postId), [], 'no page can list it');
  });

  it('keeps the action of a scheduled post private until its time comes', async () => {
    const { postId, action } = await postWithAction('a-scheduled-post', 'published', "now() + interval '1 hour'");
    await request(t.app).get('/posts/a-scheduled-post').expect(404);
    await assertPrivate(action, 'scheduled');
    assert.deepEqual(await listActionsOfPost(t.db.pool, postId), []);

    // Its time comes.
    await t.db.pool.query("UPDATE posts SET published_at = now() - interval '1 minute' WHERE id = $1", [postId]);
    const post = await request(t.app).get('/posts/a-scheduled-post').expect(200);
    assert.match(post.text, /Secret petition/);
    await request(t.app).get(`/actions/${action}`).expect(200);
    await request(t.app).get(`/actions/${action}/count.json`).expect(200);
    assert.equal((await signPetition(t.app, { email: `scheduled-${++seq}@example.org` }, action)).status, 303);
    assert.equal((await listActionsOfPost(t.db.pool, postId)).length, 1);
  });

  it('does not confirm a signature made while the post was published, once it is unpublished', async () => {
    const { postId, action } = await postWithAction('published-then-not', 'published', "now() - interval '1 day'");
    const address = `unpublished-${++seq}@example.org`;
    assert.equal((await signPetition(t.app, { email: address }, action)).status, 303);
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    const path = new URL(confirmationLink(mail!)).pathname;
    await t.db.pool.query("UPDATE posts SET status = 'draft' WHERE id = $1", [postId]);

    const page = await request(t.app).get(path);
    assert.equal(page.status, 404);
    assert.doesNotMatch(page.text, /<form method="post"/, 'no button to press');
    // Nor a press of the button with a token from a page opened elsewhere.
    const agent = request.agent(t.app);
    const token = await openForm(agent, '/privacy');
    assert.equal((await agent.post(path).type('form').send({ _csrf: token })).status, 404);
    const { rows } = await t.db.pool.query(
      'SELECT s.confirmed_at, t.used_at FROM signatures s JOIN confirmation_tokens t ON t.signature_id = s.id WHERE s.email = $1',
      [address],
    );
    assert.deepEqual(rows, [{ confirmed_at: null, used_at: null }], 'neither confirmed nor used up');

    // Published again, the same link works.
    await t.db.pool.query("UPDATE posts SET status = 'published' WHERE id = $1", [postId]);
    assert.equal((await pressButtonBehind(t.app, confirmationLink(mail!))).status, 303);
  });

  it('keeps an action without a post public', async () => {
    await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'stands-alone', 'Stands alone', 'open')");
    await request(t.app).get('/actions/stands-alone').expect(200);
    await request(t.app).get('/actions/stands-alone/count.json').expect(200);
    assert.equal((await signPetition(t.app, { email: `alone-${++seq}@example.org` }, 'stands-alone')).status, 303);
  });
});
