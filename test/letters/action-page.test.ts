// What supporters see of a letter before they sign, as a browser without
// JavaScript sees it: who the letter goes to (fixed recipients, or the embassy
// in their country with the list and the fallback) and its full text filled
// in with the name typed (GET /actions/:slug/letter); the sign form's own
// paragraph and "let the recipient reply to me", kept on the submission and
// applied when the signature is confirmed. Petitions are unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { listRecipients } from '../../src/letters/recipients.repo.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, openForm, pressButtonBehind } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

const BODY = `Dear {{recipient_title}} of {{recipient_name}},

We ask for justice for Zhanaozen.
Every one of us.
{{#if signer_comment}}

{{signer_comment}}
{{/if}}

{{signer_name}}{{#if signer_town}}, {{signer_town}}{{/if}}`;

describe('a letter action\'s page', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let embassies: Map<string, number>;
  let barCouncil: number;

  async function letterAction(slug: string, letter: { routing?: 'fixed' | 'by_country'; recipients: number[]; fallback?: number; personalParagraph?: boolean; status?: string }) {
    const { rows } = await t.db.pool.query("INSERT INTO actions (kind, slug, title, demand, status) VALUES ('letter', $1, $2, 'Justice for Zhanaozen.', $3) RETURNING id", [slug, `Letter ${slug}`, letter.status ?? 'open']);
    const id = Number(rows[0].id);
    await t.db.pool.query(
      'INSERT INTO letters (action_id, subject_template, body_template, routing, fallback_recipient_id, personal_paragraph) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, 'A letter from {{signer_name}}', BODY, letter.routing ?? 'fixed', letter.fallback ?? null, letter.personalParagraph ?? false],
    );
    for (const r of letter.recipients) await t.db.pool.query('INSERT INTO letter_recipients (action_id, recipient_id) VALUES ($1, $2)', [id, r]);
    return id;
  }

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, SIGN_MIN_SECONDS: '0', RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
    const recipients = await listRecipients(t.db.pool);
    embassies = new Map(recipients.filter((r) => r.organisation.startsWith('Embassy')).map((r) => [r.country!, Number(r.id)]));
    barCouncil = Number(recipients.find((r) => r.name.startsWith('The Bar Council'))!.id);
    await letterAction('to-the-bar', { recipients: [barCouncil], personalParagraph: true });
    await letterAction('to-your-embassy', { routing: 'by_country', recipients: ['DE', 'FR', 'GB'].map((c) => embassies.get(c)!), fallback: embassies.get('GB') });
    await letterAction('no-fallback', { routing: 'by_country', recipients: [embassies.get('DE')!] });
    await letterAction('closed-letter', { recipients: [barCouncil], status: 'closed' });
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  it('shows who the letter goes to and its full text, with a stand-in for the name, above the sign form', async () => {
    const res = await request(t.app).get('/actions/to-the-bar').expect(200);
    assert.match(res.text, /It goes to:<\/p>\s*<ul class="letter-recipients">\s*<li>The Bar Council of England and Wales \(Chair of the Bar\)<\/li>/);
    assert.match(res.text, /<span data-letter-subject>A letter from \[your name\]<\/span>/);
    assert.match(res.text, /<p>Dear Chair of the Bar of The Bar Council of England and Wales,<\/p><p>We ask for justice for Zhanaozen\.<br>Every one of us\.<\/p><p>\[your name\]<\/p>/);
    assert.ok(res.text.indexOf('data-letter-subject') < res.text.indexOf('class="sign-form"'), 'the letter before the form');
    // No script needed: a form that asks for the letter with a name; and the script that follows the sign form, from a file.
    assert.match(res.text, /<form class="letter-fill-in" method="get" action="\/actions\/to-the-bar\/letter" data-letter-nojs>/);
    assert.match(res.text, /<script src="\/assets\/letter-preview\.js" defer><\/script>/);
    await request(t.app).get('/assets/letter-preview.js').expect(200).expect('Content-Type', /javascript/);
  });

  it('fills the letter in with the name typed (no script), escaped, for the town too', async () => {
    const res = await request(t.app).get('/actions/to-the-bar/letter').query({ name: 'Zhanna <b>Baimukhanova</b>', town: 'Aktau', country: 'KZ' }).expect(200);
    assert.match(res.text, /A letter from Zhanna &lt;b&gt;Baimukhanova&lt;\/b&gt;/);
    assert.match(res.text, /<p>Zhanna &lt;b&gt;Baimukhanova&lt;\/b&gt;, Aktau<\/p>/);
    assert.doesNotMatch(res.text, /<b>Baimukhanova/);
    assert.match(res.text, /name="name" type="text" autocomplete="name" maxlength="100" value="Zhanna &lt;b&gt;Baimukhanova&lt;\/b&gt;"/, 'the form shows what was typed');
    assert.match(res.text, /href="\/actions\/to-the-bar#to-the-bar-form"/);
    assert.equal(res.headers['cache-control'], 'private, no-store');
    // And as JSON for the page's script: the same text.
    const json = await request(t.app).get('/actions/to-the-bar/letter').query({ format: 'json', name: 'Zhanna' }).expect(200);
    assert.equal(json.body.subject, 'A letter from Zhanna');
    assert.deepEqual(json.body.paragraphs.at(-1), ['Zhanna']);
  });

  it('routes by the country chosen: the embassy there, else the fallback, else says there is no one', async () => {
    const none = await request(t.app).get('/actions/to-your-embassy').expect(200);
    assert.match(none.text, /It goes to the embassy in your country:/);
    assert.match(none.text, /Choose your country to see who your letter goes to\./);
    assert.match(none.text, /<li>France: Embassy of the Republic of Kazakhstan in Paris<\/li>/);
    assert.match(none.text, /From any other country, it goes to Embassy of the Republic of Kazakhstan in London\./);

    const germany = await request(t.app).get('/actions/to-your-embassy/letter').query({ name: 'Anna', country: 'DE' }).expect(200);
    assert.match(germany.text, /From Germany, your letter goes to Embassy of the Republic of Kazakhstan in Berlin\./);
    assert.match(germany.text, /<p>Dear Ambassador of Embassy of the Republic of Kazakhstan in Berlin,<\/p>/);
    assert.match(germany.text, /<option value="DE" selected>Germany<\/option>/);

    const kazakhstan = await request(t.app).get('/actions/to-your-embassy/letter').query({ name: 'Aigerim', country: 'KZ' }).expect(200);
    assert.match(kazakhstan.text, /From Kazakhstan, your letter goes to Embassy of the Republic of Kazakhstan in London\./);
    assert.match(kazakhstan.text, /<p>Dear Ambassador of Embassy of the Republic of Kazakhstan in London,<\/p>/);

    const json = await request(t.app).get('/actions/to-your-embassy/letter').query({ format: 'json', name: 'Pierre', country: 'fr' }).expect(200);
    assert.equal(json.body.to, 'Embassy of the Republic of Kazakhstan in Paris');
    assert.match(json.body.routedLine, /From France/);

    const nobody = await request(t.app).get('/actions/no-fallback/letter').query({ country: 'KZ' }).expect(200);
    assert.match(nobody.text, /There is no recipient for Kazakhstan yet/);
    assert.match(nobody.text, /From any other country, there is no one to send it to yet\./);
  });

  it('shows the demo embassy letter with the London embassy for a country without one', async () => {
    const res = await request(t.app).get('/actions/zhanaozen-letter-to-the-embassy/letter').query({ name: 'Aigerim', country: 'KZ' }).expect(200);
    assert.match(res.text, /From Kazakhstan, your letter goes to Embassy of the Republic of Kazakhstan in London\./);
    assert.match(res.text, /<p>Dear Ambassador,<\/p>/);
    assert.match(res.text, /each recipient gets one letter naming everyone who signed since the last/);
    assert.match(res.text, /<p>Aigerim<br>Kazakhstan<br>\d{1,2} [A-Z][a-z]+ \d{4}<\/p>/);
  });

  it('links a letter action\'s card on its post to the letter', async () => {
    const post = await request(t.app).get('/posts/haldane-society-protests-bar-council-mission').expect(200);
    assert.match(post.text, /<a href="\/actions\/bar-council-call-off-the-mission\/letter">Read the letter, and who it goes to, before you sign<\/a>/);
    await request(t.app).get('/actions/bar-council-call-off-the-mission/letter').expect(200);
  });

  it('labels the comment as the supporter\'s own paragraph and offers the reply-to box only on a letter', async () => {
    const letter = await request(t.app).get('/actions/to-the-bar').expect(200);
    assert.match(letter.text, /<label for="to-the-bar-comment">Your own paragraph in the letter \(optional\)<\/label>/);
    assert.match(letter.text, /The organisers read it before the letter is sent/);
    assert.match(letter.text, /name="letter_reply_to" type="checkbox"/);
    const noParagraph = await request(t.app).get('/actions/to-your-embassy').expect(200);
    assert.doesNotMatch(noParagraph.text, /Your own paragraph in the letter/);
    assert.match(noParagraph.text, /name="letter_reply_to"/);
    const petition = await request(t.app).get(`/actions/${ACTION}`).expect(200);
    assert.doesNotMatch(petition.text, /letter_reply_to|data-letter-url|letter-preview\.js|Your own paragraph/);
  });

  it('keeps the paragraph and "reply to me" on the submission, and applies them when the signature is confirmed', async () => {
    const agent = request.agent(t.app);
    const _csrf = await openForm(agent, '/actions/to-the-bar');
    const email = 'zhanna.reply@example.org';
    const signed = await agent.post('/actions/to-the-bar/signatures').type('form').send({
      _csrf, name: 'Zhanna', email, country: 'KZ', locality: 'Aktau', comment: 'My father was there.', letter_reply_to: 'on',
    });
    assert.equal(signed.status, 303, signed.text.slice(0, 400));
    const pending = await t.db.pool.query('SELECT s.letter_reply_to AS signature, sub.letter_reply_to AS submission FROM signatures s JOIN signature_submissions sub ON sub.signature_id = s.id WHERE s.email = $1', [email]);
    assert.deepEqual(pending.rows[0], { signature: true, submission: true });
    // A second submission without the box: only the link of the one confirmed counts.
    const again = await openForm(agent, '/actions/to-the-bar');
    await agent.post('/actions/to-the-bar/signatures').type('form').send({ _csrf: again, name: 'Zhanna Second', email, country: 'KZ', comment: 'My father was there.' });
    const mails = await smtp.waitFor((m) => m.envelopeTo.includes(email), 2);
    // Each email restates the name of its own submission.
    const firstLink = confirmationLink(mails.find((m) => !(m.text ?? '').includes('Zhanna Second'))!);
    await t.db.pool.query('UPDATE signatures SET letter_reply_to = false WHERE email = $1', [email]);
    assert.equal((await pressButtonBehind(t.app, firstLink)).status, 303);
    const confirmed = await t.db.pool.query('SELECT letter_reply_to, comment, confirmed_at FROM signatures WHERE email = $1', [email]);
    assert.ok(confirmed.rows[0].confirmed_at);
    assert.equal(confirmed.rows[0].letter_reply_to, true, 'the confirmed submission said yes');
    assert.equal(confirmed.rows[0].comment, 'My father was there.');
  });

  it('applies a "no" too, and ignores the box on a petition', async () => {
    const agent = request.agent(t.app);
    const email = 'no.reply@example.org';
    const _csrf = await openForm(agent, '/actions/to-the-bar');
    await agent.post('/actions/to-the-bar/signatures').type('form').send({ _csrf, name: 'Dauren', email, country: 'KZ' }).expect(303);
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(email));
    await t.db.pool.query('UPDATE signatures SET letter_reply_to = true WHERE email = $1', [email]);
    await pressButtonBehind(t.app, confirmationLink(mail!));
    assert.equal((await t.db.pool.query('SELECT letter_reply_to FROM signatures WHERE email = $1', [email])).rows[0].letter_reply_to, false);

    const petitionAgent = request.agent(t.app);
    const token = await openForm(petitionAgent, `/actions/${ACTION}`);
    await petitionAgent.post(`/actions/${ACTION}/signatures`).type('form').send({ _csrf: token, name: 'Dauren', email, country: 'KZ', letter_reply_to: 'on' }).expect(303);
    const petition = await t.db.pool.query('SELECT s.letter_reply_to FROM signatures s JOIN actions a ON a.id = s.action_id WHERE a.slug = $1 AND s.email = $2', [ACTION, email]);
    assert.equal(petition.rows[0].letter_reply_to, false);
  });

  it('still shows the letter of a closed letter action, without the form', async () => {
    const res = await request(t.app).get('/actions/closed-letter').expect(200);
    assert.match(res.text, /The letter as it will be sent/);
    assert.doesNotMatch(res.text, /class="sign-form"/);
    const page = await request(t.app).get('/actions/closed-letter/letter').query({ name: 'Late' }).expect(200);
    assert.match(page.text, /A letter from Late/);
    assert.doesNotMatch(page.text, /Sign and send it/);
  });

  it('answers a stranger\'s odd requests with a 4xx or the letter, never a 500', async () => {
    await request(t.app).get(`/actions/${ACTION}/letter`).expect(404);
    await request(t.app).get('/actions/no-such-letter/letter').expect(404);
    await request(t.app).get('/actions/Bad_Slug!/letter').expect(404);
    await t.db.pool.query("UPDATE actions SET status = 'draft' WHERE slug = 'no-fallback'");
    await request(t.app).get('/actions/no-fallback/letter').expect(404);
    // Repeated or odd fields are left out, not refused: the letter with the stand-in.
    const repeated = await request(t.app).get('/actions/to-the-bar/letter?name=A&name=B&country=ZZ&country=DE&format=json').expect(200);
    assert.equal(repeated.body.subject, 'A letter from [your name]');
    // A crafted link cannot make the page show a letter signed with a web address, nor a paragraph of its choosing.
    const crafted = await request(t.app).get('/actions/to-the-bar/letter').query({ name: 'Claim your refund at evil.example', comment: 'Your account is locked: call 555' }).expect(200);
    assert.doesNotMatch(crafted.text, /evil\.example|account is locked/);
    assert.match(crafted.text, /A letter from \[your name\]/);
    const odd = await request(t.app).get('/actions/to-your-embassy/letter').query({ name: 'x'.repeat(5000), country: 'ZZ', comment: '\u0000\u202e' }).expect(200);
    assert.match(odd.text, /Choose your country/);
    // A sign form sent back with mistakes still shows the letter, with the name as typed.
    const agent = request.agent(t.app);
    const _csrf = await openForm(agent, '/actions/to-the-bar');
    const wrong = await agent.post('/actions/to-the-bar/signatures').type('form').send({ _csrf, name: 'Aliya', email: 'not-an-address', country: 'KZ', letter_reply_to: ['on', 'on'] });
    assert.equal(wrong.status, 422);
    assert.match(wrong.text, /A letter from Aliya/);
  });
});
