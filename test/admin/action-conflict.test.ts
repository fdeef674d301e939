// Two organisers with one action's edit form open: the second to save does not
// silently undo the first's change (a demand people sign, above all). Their
// save is refused (422) with their text kept; saving again replaces it, knowingly.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

describe('admin: an action edited by two organisers at once', () => {
  let t: TestApp;
  let dana: Agent;
  let erlan: Agent;
  let actionId: number;

  before(async () => {
    t = await createTestApp();
    dana = (await signIn(t, { role: 'organiser', name: 'Dana' })).agent;
    erlan = (await signIn(t, { role: 'organiser', name: 'Erlan' })).agent;
    actionId = (await t.db.pool.query(
      "INSERT INTO actions (kind, slug, title, demand, target, status, goal) VALUES ('petition', 'free-them', 'Free them', 'Release the prisoners.', 'The court', 'draft', 100) RETURNING id",
    )).rows[0].id as number;
  });
  after(() => t.close());

  const formOf = (html: string) => ({
    csrf: /name="_csrf" value="([^"]+)"/.exec(html)![1]!,
    version: /name="edited_from" value="([^"]*)"/.exec(html)?.[1] ?? '',
  });
  const open = async (agent: Agent) => formOf((await agent.get(`/admin/actions/${actionId}/edit`).expect(200)).text);
  const save = (agent: Agent, form: { csrf: string; version: string }, fields: { title: string; demand: string }) =>
    agent.post(`/admin/actions/${actionId}/edit`).type('form')
      .send({ _csrf: form.csrf, edited_from: form.version, kind: 'petition', post: '', slug: 'free-them', target: 'The court', goal: '100', deadline: '', ...fields });
  const stored = async () => (await t.db.pool.query('SELECT title, demand FROM actions WHERE id = $1', [actionId])).rows[0] as { title: string; demand: string };

  it('refuses the second save over the first, keeps the first, and lets a knowing second save through', async () => {
    const danaForm = await open(dana);
    const erlanForm = await open(erlan);
    assert.ok(erlanForm.version, 'the edit form carries the version it was opened on');
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal((await save(dana, danaForm, { title: 'Free them', demand: 'Release the prisoners now.' })).status, 303);

    const refused = await save(erlan, erlanForm, { title: 'Free them all', demand: 'Release the prisoners.' });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /Someone else saved this action/);
    assert.match(refused.text, /Free them all/, 'the refused change is kept in the form');
    assert.deepEqual(await stored(), { title: 'Free them', demand: 'Release the prisoners now.' });

    const again = formOf(refused.text);
    assert.notEqual(again.version, erlanForm.version);
    assert.equal((await save(erlan, again, { title: 'Free them all', demand: 'Release the prisoners.' })).status, 303);
    assert.deepEqual(await stored(), { title: 'Free them all', demand: 'Release the prisoners.' });
  });

  it('saves as before when nobody else saved in between', async () => {
    const form = await open(dana);
    assert.equal((await save(dana, form, { title: 'Free them all', demand: 'Release every prisoner.' })).status, 303);
    assert.equal((await stored()).demand, 'Release every prisoner.');
  });
});
