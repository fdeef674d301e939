// Actions in the admin: create, edit, open, close, mark as won, reopen, each
// recorded in the audit log; the demand of an opened action changed only on
// the record; what the public sees follows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import * as service from '../../src/actions/actions.admin.service.ts';
import { parseActionForm, parseStatusForm, slugify, type ActionInput } from '../../src/actions/actions.schema.ts';
import { Invalid } from '../../src/errors.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

const ZONE = 'Asia/Almaty';

function fieldsOf(work: () => unknown): Record<string, string> {
  try {
    work();
  } catch (error) {
    if (error instanceof Invalid) return error.fields;
    throw error;
  }
  return {};
}

async function rejectedFields(work: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await work;
  } catch (error) {
    if (error instanceof Invalid) return error.fields;
    throw error;
  }
  assert.fail('expected the change to be refused');
}

const inAWeek = () => new Date(Date.now() + 7 * 86_400_000);

describe('actions in the admin', () => {
  let t: TestApp;
  let actor: { organiserId: number };
  let authorId: number;
  let publishedPost: number;
  let draftPost: number;

  const input = (overrides: Partial<ActionInput> = {}): ActionInput => ({
    kind: 'petition', postId: publishedPost, title: 'Free Max Bokayev', slug: '', demand: 'Release Max Bokayev now.',
    target: 'The President of Kazakhstan', goal: 1000, deadline: null, ...overrides,
  });

  const auditOf = async (id: number) =>
    (await t.db.pool.query<{ event: string; organiser_id: number; summary: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null }>(
      "SELECT event, organiser_id, summary, before, after FROM audit_log WHERE subject_type = 'action' AND subject_id = $1 ORDER BY id",
      [String(id)],
    )).rows;

  before(async () => {
    t = await createTestApp({ env: { CAMPAIGN_TIME_ZONE: ZONE } });
    const pool = t.db.pool;
    actor = { organiserId: (await pool.query("INSERT INTO organisers (email, name, role) VALUES ('org@placard.test', 'Olga', 'organiser') RETURNING id")).rows[0].id };
    authorId = (await pool.query("INSERT INTO authors (slug, name) VALUES ('t', 'T') RETURNING id")).rows[0].id;
    publishedPost = (await pool.query("INSERT INTO posts (slug, title, author_id, status, published_at) VALUES ('news', 'The news', $1, 'published', now() - interval '1 day') RETURNING id", [authorId])).rows[0].id;
    draftPost = (await pool.query("INSERT INTO posts (slug, title, author_id, status) VALUES ('unwritten', 'Not yet written', $1, 'draft') RETURNING id", [authorId])).rows[0].id;
  });
  after(() => t.close());

  describe('the form', () => {
    const valid = { kind: 'petition', post: '', title: 'Free them', slug: '', demand: 'Free them.', target: '', goal: '500', deadline: '' };

    it('reads a complete form, a deadline in the campaign zone, and no post', () => {
      const parsed = parseActionForm({ ...valid, deadline: '2030-12-16T10:00', post: '12' }, ZONE);
      assert.equal(parsed.deadline?.toISOString(), '2030-12-16T05:00:00.000Z', '10:00 in Almaty is 05:00 UTC');
      assert.equal(parsed.postId, 12);
      assert.equal(parseActionForm(valid, ZONE).postId, null);
      assert.equal(parseActionForm(valid, ZONE).goal, 500);
    });

    it('refuses goals that are not a positive whole number up to ten million', () => {
      for (const goal of ['0', '-1', '1.5', '1e3', 'abc', '10000001', '99999999999999999999', '']) {
        assert.ok(fieldsOf(() => parseActionForm({ ...valid, goal }, ZONE)).goal, `goal ${goal}`);
      }
      assert.equal(parseActionForm({ ...valid, goal: '10000000' }, ZONE).goal, 10_000_000);
    });

    it('names each bad field: kind, slug, deadline, missing title and demand, arrays, control characters', () => {
      const fields = fieldsOf(() => parseActionForm({ kind: 'referendum', slug: 'Not A Slug!', deadline: 'tomorrow', goal: ['1', '2'], post: 'abc', target: 'x\u202Ey' }, ZONE));
      assert.deepEqual(Object.keys(fields).sort(), ['deadline', 'demand', 'goal', 'kind', 'post', 'slug', 'target', 'title']);
      assert.equal(fields.title, 'admin.actions.errors.required');
      assert.equal(fields.goal, 'admin.actions.errors.invalid');
      assert.equal(fieldsOf(() => parseActionForm({ ...valid, title: 'x'.repeat(301) }, ZONE)).title, 'admin.actions.errors.tooLong');
      assert.equal(fieldsOf(() => parseActionForm('not an object', ZONE)).title, 'admin.actions.errors.required');
    });

    it('makes slugs from Latin and Cyrillic titles', () => {
      assert.equal(slugify('Free Max Bokayev!'), 'free-max-bokayev');
      assert.equal(slugify('Свободу Жанаозену'), 'svobodu-zhanaozenu');
      assert.equal(slugify('Қазақстан — әділдік'), 'qazaqstan-adildik');
      assert.equal(slugify('!!!'), 'action');
    });

    it('reads the status form', () => {
      assert.deepEqual(parseStatusForm({ status: 'won', outcome: ' Released! ' }), { status: 'won', outcome: 'Released!', confirmed: false });
      assert.equal(parseStatusForm({ status: 'open', confirm: 'yes' }).confirmed, true);
      assert.ok(fieldsOf(() => parseStatusForm({ status: 'draft' })).status);
      assert.ok(fieldsOf(() => parseStatusForm({ status: ['open', 'won'] })).status);
      assert.ok(fieldsOf(() => parseStatusForm({ status: 'closed', outcome: 'x'.repeat(2001) })).outcome);
    });
  });

  describe('creating and editing', () => {
    it('creates a draft with a slug made from its title, numbered when taken, and records it', async () => {
      const first = await service.createAction(t.db.pool, actor, input({ title: 'Free the Zhanaozen workers' }));
      const second = await service.createAction(t.db.pool, actor, input({ title: 'Free the Zhanaozen workers' }));
      const a = await service.getAction(t.db.pool, first);
      const b = await service.getAction(t.db.pool, second);
      assert.equal(a.slug, 'free-the-zhanaozen-workers');
      assert.equal(b.slug, 'free-the-zhanaozen-workers-2');
      assert.equal(a.status, 'draft');
      assert.equal(a.shown, 'draft');
      const [entry] = await auditOf(first);
      assert.equal(entry!.event, 'action.create');
      assert.equal(entry!.organiser_id, actor.organiserId);
      assert.equal(entry!.after!.demand, 'Release Max Bokayev now.');
      assert.equal(entry!.after!.status, 'draft');
      // A draft is no public page.
      await request(t.app).get('/actions/free-the-zhanaozen-workers').expect(404);
    });

    it('refuses a typed slug that another action has, and a post that does not exist', async () => {
      await service.createAction(t.db.pool, actor, input({ slug: 'taken-slug' }));
      assert.deepEqual(await rejectedFields(service.createAction(t.db.pool, actor, input({ slug: 'taken-slug' }))), { slug: 'admin.actions.errors.slugTaken' });
      assert.deepEqual(await rejectedFields(service.createAction(t.db.pool, actor, input({ postId: 99_999_999 }))), { post: 'admin.actions.errors.post' });
    });

    it('lets a draft change its slug and kind, and records only what changed', async () => {
      const id = await service.createAction(t.db.pool, actor, input({ slug: 'draft-one' }));
      await service.updateAction(t.db.pool, actor, id, input({ slug: 'draft-renamed', kind: 'letter' }));
      const action = await service.getAction(t.db.pool, id);
      assert.equal(action.slug, 'draft-renamed');
      assert.equal(action.kind, 'letter');
      const entry = (await auditOf(id)).at(-1)!;
      assert.equal(entry.event, 'action.update');
      assert.deepEqual(entry.before, { slug: 'draft-one', kind: 'petition' });
      assert.deepEqual(entry.after, { slug: 'draft-renamed', kind: 'letter' });
      // Saving the same values again records nothing.
      const entries = (await auditOf(id)).length;
      await service.updateAction(t.db.pool, actor, id, input({ slug: 'draft-renamed', kind: 'letter' }));
      assert.equal((await auditOf(id)).length, entries);
    });

    it('records a change to the demand of an opened action with the words before and after', async () => {
      const id = await service.createAction(t.db.pool, actor, input({ slug: 'signed-words', demand: 'Release all political prisoners.' }));
      await service.changeStatus(t.db.pool, actor, id, { status: 'open', outcome: '', confirmed: false });
      await service.updateAction(t.db.pool, actor, id, input({ slug: 'signed-words', demand: 'Release all political prisoners by 16 December.' }));
      const entry = (await auditOf(id)).at(-1)!;
      assert.equal(entry.event, 'action.update');
      assert.deepEqual(entry.before, { demand: 'Release all political prisoners.' });
      assert.deepEqual(entry.after, { demand: 'Release all political prisoners by 16 December.' });
      assert.match(entry.summary, /Changed the demand of the open action .* which supporters have signed/);
      // And the public page shows the new words.
      assert.match((await request(t.app).get('/actions/signed-words').expect(200)).text, /by 16 December/);
    });

    it('keeps the slug and kind of an opened action', async () => {
      const id = await service.createAction(t.db.pool, actor, input({ slug: 'fixed-address' }));
      await service.changeStatus(t.db.pool, actor, id, { status: 'open', outcome: '', confirmed: false });
      assert.deepEqual(await rejectedFields(service.updateAction(t.db.pool, actor, id, input({ slug: 'moved-address', kind: 'letter' }))), {
        slug: 'admin.actions.errors.slugFixed',
        kind: 'admin.actions.errors.kindFixed',
      });
      // An empty slug keeps the address (it is never re-made from a new title).
      await service.updateAction(t.db.pool, actor, id, input({ slug: '', title: 'A new title' }));
      assert.equal((await service.getAction(t.db.pool, id)).slug, 'fixed-address');
    });

    it('refuses a past deadline on an open action, but takes a future one', async () => {
      const id = await service.createAction(t.db.pool, actor, input({ slug: 'deadline-check' }));
      await service.changeStatus(t.db.pool, actor, id, { status: 'open', outcome: '', confirmed: false });
      assert.deepEqual(await rejectedFields(service.updateAction(t.db.pool, actor, id, input({ slug: 'deadline-check', deadline: new Date(Date.now() - 60_000) }))), {
        deadline: 'admin.actions.errors.deadlinePast',
      });
      const deadline = inAWeek();
      await service.updateAction(t.db.pool, actor, id, input({ slug: 'deadline-check', deadline }));
      assert.equal((await service.getAction(t.db.pool, id)).deadline?.getTime(), deadline.getTime());
    });

    it('answers an unknown or impossible id as not found', async () => {
      await assert.rejects(service.getAction(t.db.pool, 99_999_999), { code: 'not_found' });
      await assert.rejects(service.updateAction(t.db.pool, actor, 99_999_999, input()), { code: 'not_found' });
      await assert.rejects(service.changeStatus(t.db.pool, actor, 99_999_999, { status: 'open', outcome: '', confirmed: false }), { code: 'not_found' });
    });
  });

  describe('status', () => {
    const open = { status: 'open', outcome: '', confirmed: false } as const;

    it('goes draft → open → closed → open (reopened) → won, each recorded, the public page following', async () => {
      const id = await service.createAction(t.db.pool, actor, input({ slug: 'life-cycle' }));
      assert.deepEqual(await rejectedFields(service.changeStatus(t.db.pool, actor, id, { status: 'closed', outcome: '', confirmed: false })), { status: 'admin.actions.errors.transition' });
      await service.changeStatus(t.db.pool, actor, id, open);
      assert.match((await request(t.app).get('/actions/life-cycle').expect(200)).text, /name="email"/, 'open: the signing form');
      assert.deepEqual(await rejectedFields(service.changeStatus(t.db.pool, actor, id, open)), { status: 'admin.actions.errors.transition' });

      await service.changeStatus(t.db.pool, actor, id, { status: 'closed', outcome: 'The court refused to hear the appeal.', confirmed: false });
      const closedPage = (await request(t.app).get('/actions/life-cycle').expect(200)).text;
      assert.match(closedPage, /This action is closed/);
      assert.match(closedPage, /The court refused to hear the appeal/);

      await service.changeStatus(t.db.pool, actor, id, open);
      const reopened = await service.getAction(t.db.pool, id);
      assert.equal(reopened.shown, 'open');
      assert.equal(reopened.outcome, '', 'an open action shows no outcome, and keeps none for its next closing');

      await service.changeStatus(t.db.pool, actor, id, { status: 'won', outcome: 'Max Bokayev is free.', confirmed: false });
      assert.match((await request(t.app).get('/actions/life-cycle').expect(200)).text, /We won!/);

      const entries = await auditOf(id);
      assert.deepEqual(entries.map((e) => e.event), ['action.create', 'action.open', 'action.close', 'action.reopen', 'action.win']);
      assert.deepEqual(entries[2]!.before, { status: 'open', outcome: '' });
      assert.deepEqual(entries[2]!.after, { status: 'closed', outcome: 'The court refused to hear the appeal.' });
      assert.deepEqual(entries[3]!.before, { status: 'closed', outcome: 'The court refused to hear the appeal.' });
      assert.deepEqual(entries[3]!.after, { status: 'open', outcome: '' });
    });

    it('takes back a win only when the organiser ticks that they mean it', async () => {
      const id = await service.createAction(t.db.pool, actor, input({ slug: 'won-once' }));
      await service.changeStatus(t.db.pool, actor, id, open);
      await service.changeStatus(t.db.pool, actor, id, { status: 'won', outcome: 'Released.', confirmed: false });
      assert.deepEqual(await rejectedFields(service.changeStatus(t.db.pool, actor, id, open)), { confirm: 'admin.actions.errors.confirmLeaveWon' });
      assert.deepEqual(await rejectedFields(service.changeStatus(t.db.pool, actor, id, { status: 'closed', outcome: '', confirmed: false })), { confirm: 'admin.actions.errors.confirmLeaveWon' });
      assert.equal((await service.getAction(t.db.pool, id)).status, 'won', 'still won');
      // The outcome of a won action may be edited without leaving 'won'.
      await service.changeStatus(t.db.pool, actor, id, { status: 'won', outcome: 'Released on 14 August.', confirmed: false });
      assert.equal((await service.getAction(t.db.pool, id)).outcome, 'Released on 14 August.');
      await service.changeStatus(t.db.pool, actor, id, { ...open, confirmed: true });
      assert.equal((await service.getAction(t.db.pool, id)).status, 'open');
      assert.deepEqual((await auditOf(id)).map((e) => e.event), ['action.create', 'action.open', 'action.win', 'action.outcome', 'action.reopen']);
    });

    it('will not open an action whose deadline has passed, and shows such an open action as closed', async () => {
      const past = new Date(Date.now() - 3_600_000);
      const id = await service.createAction(t.db.pool, actor, input({ slug: 'too-late', deadline: past }));
      assert.deepEqual(await rejectedFields(service.changeStatus(t.db.pool, actor, id, open)), { status: 'admin.actions.errors.openPastDeadline' });
      // An action opened before its deadline, which has since passed.
      await t.db.pool.query("UPDATE actions SET status = 'open' WHERE id = $1", [id]);
      const listed = (await service.listActions(t.db.pool)).find((a) => a.id === id)!;
      assert.equal(listed.shown, 'closed');
      assert.equal(listed.deadlinePassed, true);
    });

    it('opens an action on a draft post, and says that the public cannot see it until the post is published', async () => {
      const id = await service.createAction(t.db.pool, actor, input({ slug: 'on-a-draft', postId: draftPost }));
      await service.changeStatus(t.db.pool, actor, id, open);
      const action = await service.getAction(t.db.pool, id);
      assert.equal(action.shown, 'open');
      assert.equal(action.hiddenByPost, true);
      await request(t.app).get('/actions/on-a-draft').expect(404);
      await t.db.pool.query("UPDATE posts SET status = 'published', published_at = now() WHERE id = $1", [draftPost]);
      assert.equal((await service.getAction(t.db.pool, id)).hiddenByPost, false);
      await request(t.app).get('/actions/on-a-draft').expect(200);
      await t.db.pool.query("UPDATE posts SET status = 'draft', published_at = NULL WHERE id = $1", [draftPost]);
    });

    it('lists every action with its kind, status as shown, post, count and goal', async () => {
      const id = await service.createAction(t.db.pool, actor, input({ slug: 'listed', kind: 'protest_call', goal: 250, postId: null }));
      await t.db.pool.query('INSERT INTO action_counts (action_id, signature_count) VALUES ($1, 42)', [id]);
      const listed = (await service.listActions(t.db.pool)).find((a) => a.id === id)!;
      assert.equal(listed.kind, 'protest_call');
      assert.equal(listed.shown, 'draft');
      assert.equal(listed.post_id, null);
      assert.equal(listed.signature_count, 42);
      assert.equal(listed.goal, 250);
    });
  });

  describe('over HTTP', () => {
    let agent: Agent;
    let organiserId: number;
    const form = { kind: 'petition', post: '', title: 'Stop the eviction in Almaty', slug: '', demand: 'Stop the eviction of the Almaty families.', target: 'The akim of Almaty', goal: '2000', deadline: '' };

    before(async () => {
      const signedIn = await signIn(t, { role: 'organiser' });
      agent = signedIn.agent;
      organiserId = signedIn.organiser.id;
    });

    const post = async (path: string, body: Record<string, unknown>, page = path) => {
      const token = await csrfToken(agent, page);
      const res = await agent.post(path).type('form').send({ _csrf: token, ...body });
      return Object.assign(res, { location: String(res.headers.location ?? '') });
    };
    /** Creates an action through the form; its edit page's path. */
    const createThroughForm = async (body: Record<string, unknown>) => {
      const res = await post('/admin/actions', body, '/admin/actions/new');
      assert.equal(res.status, 303);
      return res.location.replace(/\?.*/, '');
    };

    it('creates an action from the form, preselecting the post given in ?post=, and records who did it', async () => {
      const page = await agent.get(`/admin/actions/new?post=${publishedPost}`).expect(200);
      assert.match(page.text, new RegExp(`<option value="${publishedPost}" selected>The news</option>`));
      assert.match(page.text, /<option value="\d+">Not yet written \(not published\)<\/option>/);
      const res = await post('/admin/actions', { ...form, post: String(publishedPost) }, '/admin/actions/new');
      assert.equal(res.status, 303);
      const id = Number(/\/admin\/actions\/(\d+)\/edit\?done=created$/.exec(res.location)![1]);
      const action = await service.getAction(t.db.pool, id);
      assert.equal(action.slug, 'stop-the-eviction-in-almaty');
      assert.equal(action.post_id, publishedPost);
      assert.equal(action.goal, 2000);
      assert.equal((await auditOf(id))[0]!.organiser_id, organiserId);
      const edit = await agent.get(res.location).expect(200);
      assert.match(edit.text, /saved as a draft/);
      assert.match(edit.text, new RegExp(`href="/admin/actions/${id}"`), 'links to the action\'s overview');
    });

    it('takes a deadline typed in the campaign\'s time zone and shows it back the same', async () => {
      const res = await post('/admin/actions', { ...form, title: 'With a deadline', deadline: '2030-12-16T10:00' }, '/admin/actions/new');
      assert.equal(res.status, 303);
      const id = Number(/(\d+)\/edit/.exec(res.location)![1]);
      const action = await service.getAction(t.db.pool, id);
assert.equal(action.deadline?.toISOString(), '2030-12-16T05:00:00.000Z', '10:00 in Almaty');
      assert.match((await agent.get(res.location).expect(200)).text, /name="deadline" type="datetime-local" value="2030-12-16T10:00"/);
    });

    it('answers a bad form with 422, the message beside its field and what was typed', async () => {
      const res = await post('/admin/actions', { ...form, goal: '0', title: 'Kept as typed' }, '/admin/actions/new');
      assert.equal(res.status, 422);
      assert.match(res.text, /aria-describedby="action-goal-hint action-goal-error" aria-invalid="true"/);
      assert.match(res.text, /<p class="field-error" id="action-goal-error">Please enter a whole number from 1 to 10,000,000.<\/p>/);
      assert.match(res.text, /value="Kept as typed"/);
      assert.match(res.text, /name="_csrf" value="[^"]+"/, 'the form can be sent again');
      // What a stranger sends: repeated fields, a huge goal, someone's post id that does not exist, nothing at all.
      for (const body of [{ ...form, title: ['a', 'b'] }, { ...form, goal: '1'.repeat(400) }, { ...form, post: '99999999' }, {}]) {
        assert.equal((await post('/admin/actions', body, '/admin/actions/new')).status, 422, JSON.stringify(body).slice(0, 80));
      }
    });

    it('answers addresses of actions that do not exist, or cannot, with 404', async () => {
      for (const path of ['/admin/actions/abc/edit', '/admin/actions/99999999999999999999/edit', '/admin/actions/99999999/edit', '/admin/actions/0/edit']) {
        await agent.get(path).expect(404);
      }
      assert.equal((await post('/admin/actions/99999999/status', { status: 'open' }, '/admin/actions')).status, 404);
      assert.equal((await post('/admin/actions/abc/edit', form, '/admin/actions')).status, 404);
    });

    it('opens, closes, reopens and wins through the status form, and takes back a win only when ticked', async () => {
      const edit = await createThroughForm({ ...form, title: 'Through the buttons' });
      const status = edit.replace(/edit$/, 'status');
      assert.match((await agent.get(edit).expect(200)).text, /<button class="button" type="submit" name="status" value="open">Open the action<\/button>/);
      assert.equal((await post(status, { status: 'open' }, edit)).location, `${edit}?done=open`);
      assert.equal((await post(status, { status: 'closed', outcome: 'Paused for now.' }, edit)).status, 303);
      assert.match((await agent.get(edit).expect(200)).text, /A closed action can be reopened/);
      assert.equal((await post(status, { status: 'won', outcome: 'The families stay.' }, edit)).status, 303);
      const refused = await post(status, { status: 'open' }, edit);
      assert.equal(refused.status, 422);
      assert.match(refused.text, /<p class="field-error" id="action-confirm-error">Tick the box/);
      assert.equal((await post(status, { status: 'open', confirm: 'yes' }, edit)).status, 303);
      const list = await agent.get('/admin/actions').expect(200);
      assert.match(list.text, /Through the buttons[\s\S]*?admin-actions-status-open">Open</);
    });

    it('records an edit of the demand of an open action made through the form, with the words before and after', async () => {
      const edit = await createThroughForm({ ...form, title: 'Signed words over HTTP', slug: 'signed-words-http' });
      const id = Number(/(\d+)\/edit/.exec(edit)![1]);
      await post(edit.replace(/edit$/, 'status'), { status: 'open' }, edit);
      const page = (await agent.get(edit).expect(200)).text;
      assert.match(page, /People have signed these words/);
      assert.match(page, /name="slug" type="text"[^>]*readonly/);
      assert.equal([...page.matchAll(/<option value="(petition|letter|protest_call)"/g)].length, 1, 'only its own kind is offered');
      const saved = await post(edit, { ...form, title: 'Signed words over HTTP', slug: 'signed-words-http', demand: 'Stop every eviction in Almaty.' }, edit);
      assert.equal(saved.status, 303);
      const entry = (await auditOf(id)).at(-1)!;
      assert.equal(entry.organiser_id, organiserId);
      assert.deepEqual(entry.before, { demand: form.demand });
      assert.deepEqual(entry.after, { demand: 'Stop every eviction in Almaty.' });
    });

    it('tells the organiser when an open action is not public because its post is not published', async () => {
      const edit = await createThroughForm({ ...form, title: 'Behind a draft', post: String(draftPost) });
      await post(edit.replace(/edit$/, 'status'), { status: 'open' }, edit);
      assert.match((await agent.get(edit).expect(200)).text, /the public cannot see or sign it yet: its post “Not yet written” is not published/);
      assert.match((await agent.get('/admin/actions').expect(200)).text, /Behind a draft[\s\S]*?not public yet/);
    });

    it('lists every action with kind, status as shown, post, count and goal', async () => {
      const id = await service.createAction(t.db.pool, actor, input({ slug: 'expired-http', title: 'Expired over HTTP', goal: 777 }));
      await t.db.pool.query("UPDATE actions SET status = 'open', deadline = now() - interval '1 hour' WHERE id = $1", [id]);
      await t.db.pool.query('INSERT INTO action_counts (action_id, signature_count) VALUES ($1, 1234)', [id]);
      const html = (await agent.get('/admin/actions').expect(200)).text;
      const row = new RegExp(`<tr>\\s*<th scope="row">\\s*<a href="/admin/actions/${id}">Expired over HTTP</a>[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
      assert.match(row, /<td>Petition<\/td>/);
      assert.match(row, /admin-actions-status-closed">Closed</, 'a passed deadline shows closed');
      assert.match(row, /deadline passed/);
      assert.match(row, /The news/);
      assert.match(row, /1,234/);
      assert.match(row, /777/);
    });
  });
});
