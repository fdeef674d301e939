// The letter's settings as organisers use them: a letter action leads to its
// letter page and is not opened without a letter; templates are checked when
// saved (an error names its line); recipients, routing and delivery are saved
// and audited, also while the action runs; the preview fills in a chosen
// recipient and a sample signer; a stranger's odd form is a 4xx, never a 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAuditEntries } from '../../src/admin/audit.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { getLetter, letterRecipientIds } from '../../src/letters/letters.repo.ts';
import { listRecipients } from '../../src/letters/recipients.repo.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

const BODY = `Dear {{recipient_title}} of {{recipient_name}},

We ask for justice for Zhanaozen.
{{#if signer_comment}}

{{signer_comment}}
{{/if}}

{{signer_name}}, {{signer_town}}`;

describe('the letter of a letter action, as organisers set it', () => {
  let t: TestApp;
  let agent: Agent;
  let embassies: Map<string, number>;
  let barCouncil: number;

  before(async () => {
    t = await createTestApp();
    await loadDemoContent(t.db.pool, createLogger('silent'));
    ({ agent } = await signIn(t));
    const recipients = await listRecipients(t.db.pool);
    embassies = new Map(recipients.filter((r) => r.organisation.startsWith('Embassy')).map((r) => [r.country!, Number(r.id)]));
    barCouncil = Number(recipients.find((r) => r.name.startsWith('The Bar Council'))!.id);
  });
  after(() => t.close());

  async function newLetterAction(slug: string): Promise<number> {
    const _csrf = await csrfToken(agent, '/admin/actions/new');
    const res = await agent.post('/admin/actions').type('form').send({ _csrf, kind: 'letter', title: `Letter ${slug}`, slug, demand: 'Justice.', target: '', goal: '100', post: '', deadline: '' });
    assert.equal(res.status, 303, res.text.slice(0, 300));
    const id = Number(/\/admin\/actions\/(\d+)\/letter\?done=actionCreated$/.exec(res.headers.location ?? '')?.[1]);
    assert.ok(id, `a new letter action leads to its letter page, not ${res.headers.location}`);
    return id;
  }

  async function saveLetter(id: number, fields: Record<string, string | string[]>) {
    const _csrf = await csrfToken(agent, `/admin/actions/${id}/letter`);
    return agent.post(`/admin/actions/${id}/letter`).type('form').send({
      _csrf, subject_template: 'Justice for Zhanaozen, from {{signer_name}}', body_template: BODY, routing: 'fixed', fallback: '',
      delivery: 'each', digest_every: 'daily', digest_hour: '9', scheduled_local: '', per_hour: '30', ...fields,
    });
  }

  async function open(id: number) {
    const _csrf = await csrfToken(agent, `/admin/actions/${id}/edit`);
    return agent.post(`/admin/actions/${id}/status`).type('form').send({ _csrf, status: 'open' });
  }

  it('leads a new letter action to its letter, and does not open it before the letter exists', async () => {
    const id = await newLetterAction('no-letter-yet');
    const page = await agent.get(`/admin/actions/${id}/letter?done=actionCreated`).expect(200);
    assert.match(page.text, /Now write its letter: it cannot be opened until it has one/);
    const refused = await open(id);
    assert.equal(refused.status, 422);
    assert.match(refused.text, /has no letter yet\. Write its letter/);
    assert.equal((await t.db.pool.query('SELECT status FROM actions WHERE id = $1', [id])).rows[0].status, 'draft');
    assert.equal((await saveLetter(id, { recipients: [String(barCouncil)] })).status, 303);
    assert.equal((await open(id)).status, 303);
    assert.equal((await t.db.pool.query('SELECT status FROM actions WHERE id = $1', [id])).rows[0].status, 'open');
  });

  it('refuses a template that cannot be used, beside its field, with its line and reason, and stores nothing', async () => {
    const id = await newLetterAction('bad-template');
    const res = await saveLetter(id, { body_template: 'Dear {{recipient_name}},\n\nFine so far.\n{{constructor}}\n', recipients: [String(barCouncil)] });
    assert.equal(res.status, 422);
    assert.match(res.text, /<p class="field-error" id="letter-body-error">Line 4: \{\{constructor\}\} is not a field you can use/);
    assert.match(res.text, /aria-invalid="true">Dear \{\{recipient_name\}\},/, 'the text comes back as typed');
    const subject = await saveLetter(id, { subject_template: 'Hello {{> evil}}', recipients: [String(barCouncil)] });
    assert.equal(subject.status, 422);
    assert.match(subject.text, /id="letter-subject-error">Line 1: partials \{\{&gt; …\}\} are not allowed/);
    const unclosed = await saveLetter(id, { body_template: 'One\nTwo\n{{#if signer_comment}}\nno end', recipients: [String(barCouncil)] });
    assert.equal(unclosed.status, 422);
    assert.match(unclosed.text, /id="letter-body-error">Line \d: the braces do not match up/);
    assert.equal(await getLetter(t.db.pool, id), undefined);
  });

  it('saves recipients, routing by country with a fallback, and delivery; the audit says what changed, also while the action runs', async () => {
    const id = await newLetterAction('to-the-embassies');
    const chosen = [embassies.get('DE')!, embassies.get('FR')!, embassies.get('GB')!].map(String);
    const res = await saveLetter(id, {
      recipients: chosen, routing: 'by_country', fallback: String(embassies.get('GB')), delivery: 'digest', digest_every: 'weekly', digest_hour: '8',
      per_hour: '12', personal_paragraph: 'on', copy_to_supporter: 'on',
    });
    assert.equal(res.status, 303, res.text.slice(0, 500));
    assert.match(res.headers.location!, /\?done=created$/);
    const letter = (await getLetter(t.db.pool, id))!;
    assert.equal(letter.routing, 'by_country');
    assert.equal(letter.fallback_recipient_id, embassies.get('GB'));
    assert.equal(letter.delivery, 'digest');
    assert.equal(letter.digest_every, 'weekly');
    assert.equal(letter.digest_hour, 8);
    assert.equal(letter.per_hour, 12);
    assert.equal(letter.personal_paragraph, true);
    assert.equal(letter.copy_to_supporter, true);
    assert.equal(letter.attach_pdf, false);
    assert.deepEqual(await letterRecipientIds(t.db.pool, id), chosen.map(Number).sort((a, b) => a - b));
    const created = (await listAuditEntries(t.db.pool, { subjectType: 'action', subjectId: String(id), limit: 10 }))[0]!;
    assert.equal(created.event, 'letter.create');
    assert.equal((created.after as Record<string, unknown>).routing, 'by_country');

    // The page shows what is stored.
    const page = await agent.get(`/admin/actions/${id}/letter`).expect(200);
    assert.match(page.text, /id="letter-routing-country" type="radio" name="routing" value="by_country" checked/);
    assert.match(page.text, new RegExp(`<option value="${embassies.get('GB')}" selected>`));

    // Open, then change the delivery to a scheduled letter and drop France: the entry holds only those.
    assert.equal((await open(id)).status, 303);
    const changed = await saveLetter(id, {
      recipients: chosen.filter((r) => r !== String(embassies.get('FR'))), routing: 'by_country', fallback: String(embassies.get('GB')), delivery: 'scheduled',
      scheduled_local: '2026-12-16T09:00', digest_every: 'weekly', digest_hour: '8', per_hour: '12', personal_paragraph: 'on', copy_to_supporter: 'on',
    });
    assert.equal(changed.status, 303, changed.text.slice(0, 500));
    assert.equal((await getLetter(t.db.pool, id))!.scheduled_local, '2026-12-16T09:00');
    const entry = (await listAuditEntries(t.db.pool, { subjectType: 'action', subjectId: String(id), limit: 10 }))[0]!;
    assert.equal(entry.event, 'letter.update');
    assert.match(entry.summary, /Changed the letter of the open action/);
    assert.deepEqual(Object.keys(entry.after!).sort(), ['delivery', 'recipient_ids', 'scheduled_local']);
    assert.deepEqual(entry.before, { delivery: 'digest', scheduled_local: null, recipient_ids: chosen.map(Number).sort((a, b) => a - b) });
  });

  it('refuses a save over a newer one (edited_from), keeping what was typed', async () => {
    const id = await newLetterAction('two-organisers');
    assert.equal((await saveLetter(id, { recipients: [String(barCouncil)] })).status, 303);
    const stale = await saveLetter(id, { recipients: [String(barCouncil)], subject_template: 'Mine', edited_from: 'new' });
    assert.equal(stale.status, 422);
    assert.match(stale.text, /Someone else saved this letter after you opened it/);
    assert.match(stale.text, /value="Mine"/);
    assert.notEqual((await getLetter(t.db.pool, id))!.subject_template, 'Mine');
  });

  it('previews the letter for a chosen recipient with a sample signer, through the letter as it is sent', async () => {
    const id = await newLetterAction('preview-me');
    await saveLetter(id, { recipients: [String(embassies.get('DE')), String(barCouncil)], personal_paragraph: 'on' });
    const res = await agent.get(`/admin/actions/${id}/letter/preview`).query({ recipient: String(embassies.get('DE')), name: 'Zhanna Baimukhanova', town: 'Aktau', country: 'KZ', comment: 'My father was there.' }).expect(200);
    assert.match(res.text, /Justice for Zhanaozen, from Zhanna Baimukhanova/);
    assert.match(res.text, /Dear Ambassador of Embassy of the Republic of Kazakhstan in Berlin,/);
    assert.match(res.text, /<p>My father was there\.<\/p>/);
    assert.match(res.text, /Zhanna Baimukhanova, Aktau/);
    // Without a name, a sample signer: never an empty letter.
    const sample = await agent.get(`/admin/actions/${id}/letter/preview`).expect(200);
    assert.match(sample.text, /Aigerim Tulegenova/);
  });

  it('answers a stranger\'s odd input with a 4xx, never a 500', async () => {
    const id = await newLetterAction('odd-input');
    // A repeated single field, a recipient id that is not an id, one not in the directory, a fallback not in it.
    const repeated = await saveLetter(id, { subject_template: ['One', 'Two'], recipients: [String(barCouncil)] });
    assert.equal(repeated.status, 422);
    assert.match(repeated.text, /sent more than once/);
    const notAnId = await saveLetter(id, { recipients: ['1 OR 1=1'] });
    assert.equal(notAnId.status, 422);
    assert.match(notAnId.text, /Choose recipients from the list/);
    const unknown = await saveLetter(id, { recipients: ['99999999'] });
    assert.equal(unknown.status, 422);
    assert.match(unknown.text, /not in the directory/);
    const unknownFallback = await saveLetter(id, { recipients: [String(barCouncil)], routing: 'by_country', fallback: '99999999' });
    assert.equal(unknownFallback.status, 422);
    const badChoices = await saveLetter(id, { recipients: [String(barCouncil)], routing: 'sideways', delivery: 'pigeon', digest_hour: '24', per_hour: '0', scheduled_local: '2026-02-30T09:00' });
    assert.equal(badChoices.status, 422);
    for (const field of ['routing', 'delivery', 'digest-hour', 'per-hour', 'scheduled']) assert.match(badChoices.text, new RegExp(`id="letter-${field}-error"`), field);
    const scheduledWithoutTime = await saveLetter(id, { recipients: [String(barCouncil)], delivery: 'scheduled' });
    assert.equal(scheduledWithoutTime.status, 422);
    assert.match(scheduledWithoutTime.text, /Enter the date and time the letter goes/);
    assert.equal(await getLetter(t.db.pool, id), undefined);

    // Pages of a letter for what is not a letter action, or not an action at all.
    const petition = (await t.db.pool.query("SELECT id FROM actions WHERE kind = 'petition' LIMIT 1")).rows[0].id;
    await agent.get(`/admin/actions/${petition}/letter`).expect(404);
    await agent.get('/admin/actions/99999999/letter').expect(404);
    await agent.get('/admin/actions/abc/letter').expect(404);
    // The preview: a recipient not of this letter, and a repeated one.
    await saveLetter(id, { recipients: [String(barCouncil)] });
    await agent.get(`/admin/actions/${id}/letter/preview?recipient=${embassies.get('SE')}`).expect(404);
    await agent.get(`/admin/actions/${id}/letter/preview?recipient=1&recipient=2`).expect(400);
    await agent.get(`/admin/actions/${id}/letter/preview?recipient=x`).expect(404);
  });

  it('gives the demo its two letters once: the Bar Council\'s one per signature, the embassies\' by country as a daily digest', async () => {
    await loadDemoContent(t.db.pool, createLogger('silent'));
    const bar = (await t.db.pool.query("SELECT id FROM actions WHERE slug = 'bar-council-call-off-the-mission'")).rows[0].id;
    const barLetter = (await getLetter(t.db.pool, bar))!;
    assert.equal(barLetter.delivery, 'each');
    assert.equal(barLetter.routing, 'fixed');
    assert.deepEqual(await letterRecipientIds(t.db.pool, bar), [barCouncil]);
    const embassy = (await t.db.pool.query("SELECT id, status FROM actions WHERE slug = 'zhanaozen-letter-to-the-embassy'")).rows[0];
    assert.equal(embassy.status, 'open');
    const embassyLetter = (await getLetter(t.db.pool, embassy.id))!;
    assert.equal(embassyLetter.routing, 'by_country');
    assert.equal(embassyLetter.delivery, 'digest');
    assert.equal(embassyLetter.digest_every, 'daily');
    assert.equal(embassyLetter.fallback_recipient_id, embassies.get('GB'));
    assert.equal((await letterRecipientIds(t.db.pool, embassy.id)).length, 9);
    // An existing demo site that had neither gets them once.
    await t.db.pool.query("DELETE FROM settings WHERE key = 'demo_letters_loaded'");
    await t.db.pool.query('DELETE FROM letters WHERE action_id = $1', [bar]);
    await loadDemoContent(t.db.pool, createLogger('silent'));
    await loadDemoContent(t.db.pool, createLogger('silent'));
    assert.ok(await getLetter(t.db.pool, bar));
    assert.equal((await t.db.pool.query("SELECT count(*)::int AS n FROM actions WHERE slug = 'zhanaozen-letter-to-the-embassy'")).rows[0].n, 1);
  });
});
