// Two admins with the settings page open: the second to save does not silently
// put back what the first changed. Their save is refused (422) with their
// changes kept; saving again replaces the settings, knowingly.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

describe('admin: the settings saved by two admins at once', () => {
  let t: TestApp;
  let aigul: Agent;
  let bolat: Agent;

  before(async () => {
    t = await createTestApp();
    aigul = (await signIn(t, { role: 'admin', name: 'Aigul' })).agent;
    bolat = (await signIn(t, { role: 'admin', name: 'Bolat' })).agent;
  });
  after(() => t.close());

  const formOf = (html: string) => ({
    csrf: /name="_csrf" value="([^"]+)"/.exec(html)![1]!,
    version: /name="edited_from" value="([^"]*)"/.exec(html)?.[1] ?? '',
  });
  const open = async (agent: Agent) => formOf((await agent.get('/admin/settings').expect(200)).text);
  const save = (agent: Agent, form: { csrf: string; version: string }, fields: { name: string; contact_email: string }) =>
    agent.post('/admin/settings').type('form').send({ _csrf: form.csrf, edited_from: form.version, sender_name: '', privacy_notice: '', ...fields });
  const stored = async () => Object.fromEntries((await t.db.pool.query("SELECT key, value FROM settings WHERE key LIKE 'campaign.%' ORDER BY key")).rows.map((r) => [r.key, r.value]));

  it('refuses the second save over the first, keeps the first, and lets a knowing second save through', async () => {
    const first = await open(aigul);
    assert.equal((await save(aigul, first, { name: 'Free Them', contact_email: '' })).status, 303);
    const aigulForm = await open(aigul);
    const bolatForm = await open(bolat);
    assert.ok(bolatForm.version, 'the form carries the version it was opened on');
    assert.equal((await save(aigul, aigulForm, { name: 'Free Them', contact_email: 'press@example.org' })).status, 303);

    // Bolat's form still says there is no contact; he only meant to rename the campaign.
    const refused = await save(bolat, bolatForm, { name: 'Free Them All', contact_email: '' });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /Another admin saved the settings/);
    assert.match(refused.text, /Free Them All/, 'the refused change is kept in the form');
    const kept = await stored();
    assert.equal(Object.values(kept).includes('press@example.org'), true, 'the first save stands');

    const again = formOf(refused.text);
    assert.notEqual(again.version, bolatForm.version);
    assert.equal((await save(bolat, again, { name: 'Free Them All', contact_email: 'press@example.org' })).status, 303);
    assert.equal(Object.values(await stored()).includes('Free Them All'), true);
  });
});
