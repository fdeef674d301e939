// Recipients' responses: recorded in the admin with an optional attachment
// (PDF, PNG or JPEG by its bytes: a program renamed .pdf is refused), edited,
// deleted, audited; the attachment served to the public only for a public
// response of a public action, as a download that no browser sniffs; and the
// action page's count of the days since a letter was sent without a reply.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Handlebars from 'handlebars';
import request from 'supertest';
import { insertRecipient } from '../../src/letters/recipients.repo.ts';
import { responsesForActionPage } from '../../src/letters/responses.service.ts';
import { registerHelpers, VIEWS_DIR } from '../../src/http/views.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const EXE = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(200)]);
const DAY = 24 * 60 * 60 * 1000;

describe('responses of recipients', () => {
  let t: TestApp;
  let agent: Agent;
  let action: number;
  let berlin: number;
  let london: number;
  let paris: number;

  before(async () => {
    t = await createTestApp({ env: { CAMPAIGN_TIME_ZONE: 'Asia/Almaty' } });
    agent = (await signIn(t, { role: 'organiser', name: 'Dana' })).agent;
    action = (await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('letter', 'write-to-embassies', 'Write to the embassies', 'open') RETURNING id")).rows[0].id;
    await t.db.pool.query("INSERT INTO letters (action_id, subject_template, body_template, routing) VALUES ($1, 'Free them', 'Dear {{recipient_name}}', 'by_country')", [action]);
    const embassy = (name: string, country: string) => insertRecipient(t.db.pool, { name, title: 'Ambassador', organisation: 'Embassy of Kazakhstan', country, language: 'en', timeZone: 'UTC', postalAddress: '', demo: false, emails: [`${country.toLowerCase()}@example.org`] });
    berlin = await embassy('Embassy in Berlin', 'DE');
    london = await embassy('Embassy in London', 'GB');
    paris = await embassy('Embassy in Paris', 'FR');
    for (const id of [berlin, london, paris]) await t.db.pool.query('INSERT INTO letter_recipients (action_id, recipient_id) VALUES ($1, $2)', [action, id]);
  });
  after(() => t.close());

  async function record(fields: Record<string, string>, file?: { bytes: Buffer; name: string; type?: string }, actionId = action) {
    const _csrf = await csrfToken(agent, `/admin/actions/${actionId}/responses`);
    let req = agent.post(`/admin/actions/${actionId}/responses`).field('_csrf', _csrf);
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    if (file) req = req.attach('attachment', file.bytes, { filename: file.name, contentType: file.type ?? 'application/pdf' });
    return req;
  }

  const idOf = (location: string | undefined) => Number(/#response-(\d+)$/.exec(location ?? '')![1]);

  it('records a response with a PDF, audited, and serves the file to the public as a download', async () => {
    const res = await record({ received_on: '2025-03-01', recipient_id: String(berlin), from_whom: '', body: 'We have forwarded your letter to the Ministry.', public: 'yes' }, { bytes: PDF, name: 'Antwort Botschaft.pdf' });
    assert.equal(res.status, 303, res.text.slice(0, 3000));
    const id = idOf(res.headers.location);
    const stored = (await t.db.pool.query("SELECT from_whom, to_char(received_on, 'YYYY-MM-DD') AS received_on, public, attachment_type, attachment_name, created_by IS NOT NULL AS by FROM letter_responses WHERE id = $1", [id])).rows[0];
    assert.deepEqual(stored, { from_whom: 'Embassy in Berlin, Embassy of Kazakhstan', received_on: '2025-03-01', public: true, attachment_type: 'application/pdf', attachment_name: 'Antwort Botschaft.pdf', by: true });
    const audit = (await t.db.pool.query("SELECT after FROM audit_log WHERE event = 'response.create' AND subject_id = $1", [String(id)])).rows;
    assert.equal(audit.length, 1);
    assert.equal(audit[0].after.attachment_size, PDF.length);

    const list = await agent.get(`/admin/actions/${action}/responses`).expect(200);
    assert.match(list.text, /We have forwarded your letter to the Ministry\./);

    const file = await request(t.app).get(`/responses/${id}/attachment`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    assert.equal(file.status, 200);
    assert.equal(file.headers['content-type'], 'application/pdf');
    assert.equal(file.headers['x-content-type-options'], 'nosniff');
    assert.match(file.headers['content-disposition'] ?? '', /^attachment; filename="Antwort Botschaft\.pdf"/);
    assert.ok((file.body as Buffer).equals(PDF));
  });

  it('refuses a program renamed .pdf, a text file, and a file over 5 MB, beside the file field; names a PNG for what it is', async () => {
    const before = (await t.db.pool.query('SELECT count(*)::int AS n FROM letter_responses')).rows[0].n;
    const fields = { received_on: '2025-03-02', recipient_id: String(london), from_whom: 'London', body: 'Reply', public: 'yes' };
    for (const file of [{ bytes: EXE, name: 'reply.pdf' }, { bytes: Buffer.from('<html><script>alert(1)</script>'), name: 'reply.pdf' }, { bytes: Buffer.from('%PD'), name: 'short.pdf' }]) {
      const res = await record(fields, file);
      assert.equal(res.status, 422, file.name);
      assert.match(res.text, /<p class="field-error" id="response-attachment-error">Attach a PDF, PNG or JPEG file/);
      assert.match(res.text, /value="Reply"|>Reply<\/textarea>/, 'what was typed is kept');
    }
    const big = Buffer.concat([PDF, Buffer.alloc(5 * 1024 * 1024)]);
    const tooBig = await record(fields, { bytes: big, name: 'big.pdf' });
    assert.equal(tooBig.status, 413);
    assert.match(tooBig.text, /larger than 5 MB/);
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM letter_responses')).rows[0].n, before);
    const png = await record(fields, { bytes: PNG, name: '../../etc/reply.pdf', type: 'application/pdf' });
    assert.equal(png.status, 303);
    const row = (await t.db.pool.query('SELECT attachment_type, attachment_name FROM letter_responses WHERE id = $1', [idOf(png.headers.location)])).rows[0];
    assert.deepEqual(row, { attachment_type: 'image/png', attachment_name: 'reply.pdf.png' });
  });

  it('serves no attachment of a private response, of a draft action, of an action on an unpublished post, or of a bad id', async () => {
    const draft = (await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('letter', 'draft-letter', 'Draft', 'draft') RETURNING id")).rows[0].id;
    const author = (await t.db.pool.query("INSERT INTO authors (slug, name) VALUES ('a-d', 'A D') RETURNING id")).rows[0].id;
    const post = (await t.db.pool.query("INSERT INTO posts (slug, title, author_id, status) VALUES ('draft-post', 'Draft post', $1, 'draft') RETURNING id", [author])).rows[0].id;
    const onDraftPost = (await t.db.pool.query("INSERT INTO actions (kind, slug, title, status, post_id) VALUES ('letter', 'on-draft-post', 'On a draft post', 'open', $1) RETURNING id", [post])).rows[0].id;
    const fields = { received_on: '2025-03-03', from_whom: 'Someone', body: 'Answer', public: 'yes' };
    const inDraft = idOf((await record(fields, { bytes: PDF, name: 'Ответ посольства.pdf' }, draft)).headers.location);
    const onPost = idOf((await record(fields, { bytes: PDF, name: 'a.pdf' }, onDraftPost)).headers.location);
    const privateOne = idOf((await record({ ...fields, public: '' }, { bytes: PDF, name: 'a.pdf' })).headers.location);
    const noFile = idOf((await record(fields)).headers.location);
    for (const id of [inDraft, onPost, privateOne, noFile]) assert.equal((await request(t.app).get(`/responses/${id}/attachment`)).status, 404, `response ${id}`);
    for (const bad of ['0', 'abc', '1.5', '99999999', '99999999999999999999', '%00']) assert.equal((await request(t.app).get(`/responses/${bad}/attachment`)).status, 404, bad);
    // The same file of the action once open is served.
    await t.db.pool.query("UPDATE actions SET status = 'open' WHERE id = $1", [draft]);
    const opened = await request(t.app).get(`/responses/${inDraft}/attachment`);
    assert.equal(opened.status, 200);
    // A name outside ASCII: RFC 5987's filename*, and a plain fallback.
    assert.equal(opened.headers['content-disposition'], `attachment; filename="????? ??????????.pdf"; filename*=UTF-8''${encodeURIComponent('Ответ посольства.pdf')}`);
  });

  it('edits (private, another file, no file) and deletes a response, each audited', async () => {
    const id = idOf((await record({ received_on: '2025-03-04', recipient_id: String(paris), from_whom: 'Paris', body: 'First answer', public: 'yes' }, { bytes: PDF, name: 'p.pdf' })).headers.location);
    let _csrf = await csrfToken(agent, `/admin/responses/${id}`);
    const save = (fields: Record<string, string>, file?: Buffer) => {
      let req = agent.post(`/admin/responses/${id}`).field('_csrf', _csrf).field('intent', 'save');
      for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
      return file ? req.attach('attachment', file, 'scan.jpg') : req;
    };
    await save({ received_on: '2025-03-04', recipient_id: String(paris), from_whom: 'Paris', body: 'First answer' }).expect(303);
    assert.equal((await request(t.app).get(`/responses/${id}/attachment`)).status, 404, 'private now');
    // Organisers still get it, from the admin (and a stranger does not).
    const mine = await agent.get(`/admin/responses/${id}/attachment`).expect(200);
    assert.equal(mine.headers['content-type'], 'application/pdf');
    assert.match(mine.headers['content-disposition'] ?? '', /^attachment; filename="?p\.pdf"?$/);
    assert.equal(mine.headers['x-content-type-options'], 'nosniff');
    assert.equal((await request(t.app).get(`/admin/responses/${id}/attachment`)).status, 303);
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(50)]);
    _csrf = await csrfToken(agent, `/admin/responses/${id}`);
    await save({ received_on: '2025-03-04', recipient_id: String(paris), from_whom: 'Paris', body: 'First answer', public: 'yes' }, jpeg).expect(303);
    const served = await request(t.app).get(`/responses/${id}/attachment`);
    assert.equal(served.headers['content-type'], 'image/jpeg');
    _csrf = await csrfToken(agent, `/admin/responses/${id}`);
    await save({ received_on: '2025-03-04', recipient_id: String(paris), from_whom: 'Paris', body: 'First answer', public: 'yes', remove_attachment: 'yes' }).expect(303);
    assert.equal((await t.db.pool.query('SELECT attachment IS NULL AS gone FROM letter_responses WHERE id = $1', [id])).rows[0].gone, true);
    const updates = (await t.db.pool.query("SELECT before, after FROM audit_log WHERE event = 'response.update' AND subject_id = $1 ORDER BY id", [String(id)])).rows;
    assert.deepEqual(updates.map((u) => u.after), [{ public: false }, { public: true, attachment_name: 'scan.jpg', attachment_size: jpeg.length }, { attachment_name: null, attachment_size: null }]);
    _csrf = await csrfToken(agent, `/admin/responses/${id}`);
    const del = await agent.post(`/admin/responses/${id}`).field('_csrf', _csrf).field('intent', 'delete');
    assert.equal(del.status, 303);
    assert.equal(del.headers.location, `/admin/actions/${action}/responses?done=deleted`);
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM letter_responses WHERE id = $1', [id])).rows[0].n, 0);
    assert.equal((await t.db.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE event = 'response.delete' AND subject_id = $1", [String(id)])).rows[0].n, 1);
  });

  it('links "Tell supporters" to the new update, its subject and text filled in and the action ticked', async () => {
    const list = await agent.get(`/admin/actions/${action}/responses`).expect(200);
    const href = /<a class="tell-supporters" href="([^"]+)"/.exec(list.text)![1]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    assert.match(href, /^\/admin\/updates\/new\?/);
    const form = await agent.get(href).expect(200);
    assert.match(form.text, /<input id="update-subject" name="subject"[^>]*value="[^"]*replied to our letter"/);
    assert.match(form.text, /&gt; /, 'the response quoted in the body');
    assert.match(form.text, new RegExp(`<input id="update-action-${action}" type="checkbox" name="actions" value="${action}" checked>`));
    assert.match(form.text, /id="update-audience-actions" type="radio" name="audience" value="actions" checked/);
  });

  it('counts the days since the first letter was sent to each recipient without a reply, and lists only public responses', async () => {
    const other = (await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('letter', 'days-letter', 'Days', 'open') RETURNING id")).rows[0].id;
    await t.db.pool.query("INSERT INTO letters (action_id, subject_template, body_template) VALUES ($1, 'S', 'B')", [other]);
    const now = new Date('2030-04-01T12:00:00Z');
    const deliver = (recipient: number, state: string, sentAt: Date | null) =>
      t.db.pool.query("INSERT INTO letter_deliveries (action_id, recipient_id, email, kind, state, sent_at) VALUES ($1, $2, 'x@example.org', 'scheduled', $3, $4)", [other, recipient, state, sentAt]);
    // Berlin: first sent 30 days and 2 hours ago, again later: 30 days from the first.
    await deliver(berlin, 'sent', new Date(now.getTime() - 30 * DAY - 2 * 3600_000));
    await deliver(berlin, 'sent', new Date(now.getTime() - 3 * DAY));
    // London: sent 23 hours ago: 0 days; a failed one earlier does not count.
    await deliver(london, 'failed', null);
    await deliver(london, 'bounced', new Date(now.getTime() - 50 * DAY));
    await deliver(london, 'sent', new Date(now.getTime() - 23 * 3600_000));
    // Paris: sent, but answered (privately): no "no reply".
    await deliver(paris, 'sent', new Date(now.getTime() - 10 * DAY));
    await t.db.pool.query("INSERT INTO letter_responses (action_id, recipient_id, received_on, from_whom, body, public) VALUES ($1, $2, '2030-03-30', 'Paris', 'Private answer', false)", [other, paris]);
    await t.db.pool.query("INSERT INTO letter_responses (action_id, recipient_id, received_on, from_whom, body, public) VALUES ($1, NULL, '2030-03-31', 'The Ministry', 'Public answer\n\nSecond paragraph', true)", [other]);
    // Queued only: no letter was sent yet, nothing to count.
    const fourth = await insertRecipient(t.db.pool, { name: 'Queued only', title: '', organisation: '', country: 'SE', language: 'en', timeZone: 'UTC', postalAddress: '', demo: false, emails: [] });
    await deliver(fourth, 'queued', null);
    // Sent after "now" (a clock the test controls): not yet.
    await deliver(fourth, 'sent', new Date(now.getTime() + DAY));

    const page = await responsesForActionPage(t.db.pool, other, now);
    assert.deepEqual(page.awaiting.map((a) => [a.name, a.days]), [['Embassy in Berlin', 30], ['Embassy in London', 0]]);
    assert.deepEqual(page.responses.map((r) => [r.fromWhom, r.receivedOn, r.paragraphs]), [['The Ministry', '2030-03-31', ['Public answer', 'Second paragraph']]]);
    assert.equal(page.any, true);
    // Tomorrow, London has waited a day.
    const later = await responsesForActionPage(t.db.pool, other, new Date(now.getTime() + DAY));
    assert.deepEqual(later.awaiting.map((a) => [a.name, a.days]), [['Embassy in Berlin', 31], ['Embassy in London', 1], ['Queued only', 0]]);

    // The partial, as the action page renders it.
    const hbs = Handlebars.create();
    registerHelpers(hbs);
    const html = hbs.compile(fs.readFileSync(path.join(VIEWS_DIR, 'partials/letter-responses.hbs'), 'utf8'))({ ...page, locale: 'en' });
    assert.match(html, /Embassy in Berlin: 30 days since our letter was sent, and no reply\./);
    assert.match(html, /Embassy in London: our letter was sent today\./);
    assert.match(html, /The Ministry, March 31, 2030/);
    assert.match(html, /<p>Public answer<\/p><p>Second paragraph<\/p>/);
    assert.doesNotMatch(html, /Private answer/);
    const empty = await responsesForActionPage(t.db.pool, action + 1000, now);
    assert.equal(hbs.compile(fs.readFileSync(path.join(VIEWS_DIR, 'partials/letter-responses.hbs'), 'utf8'))({ ...empty, locale: 'en' }).trim(), '');
  });

  it('answers a stranger’s odd input with 4xx, never 500', async () => {
    const otherAction = (await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('letter', 'odd-letter', 'Odd', 'open') RETURNING id")).rows[0].id;
    const outsider = await insertRecipient(t.db.pool, { name: 'Not of this letter', title: '', organisation: '', country: 'NO', language: 'en', timeZone: 'UTC', postalAddress: '', demo: false, emails: [] });
    const base = { received_on: '2025-03-05', from_whom: 'X', body: 'Y', public: 'yes' };
    // A recipient of no letter of this action, and one that does not exist.
    for (const recipient of [String(outsider), '99999999', 'abc', '-1']) {
      const res = await record({ ...base, recipient_id: recipient }, undefined, otherAction);
      assert.equal(res.status, 422, `recipient ${recipient}`);
      assert.match(res.text, /id="response-recipient-id-error"/);
    }
    // Dates: not a date, impossible, still to come (the campaign's today is in Almaty).
    for (const date of ['yesterday', '2030-02-30', '9999-01-01', '', '1900-01-01']) {
      const res = await record({ ...base, received_on: date });
      assert.equal(res.status, 422, `date ${date}`);
      assert.match(res.text, /id="response-received-on-error"/);
    }
    // Repeated fields.
    const _csrf = await csrfToken(agent, `/admin/actions/${action}/responses`);
    const repeated = await agent.post(`/admin/actions/${action}/responses`).field('_csrf', _csrf).field('received_on', '2025-03-05').field('received_on', '2025-03-06').field('body', 'a').field('body', 'b').field('from_whom', 'x').field('recipient_id', String(berlin)).field('recipient_id', String(london));
    assert.equal(repeated.status, 422);
    const twoFiles = await agent.post(`/admin/actions/${action}/responses`).field('_csrf', _csrf).attach('attachment', PDF, 'a.pdf').attach('attachment', PDF, 'b.pdf');
    assert.ok(twoFiles.status >= 400 && twoFiles.status < 500, `two files: ${twoFiles.status}`);
    const wrongField = await agent.post(`/admin/actions/${action}/responses`).field('_csrf', _csrf).attach('other', PDF, 'a.pdf');
    assert.ok(wrongField.status >= 400 && wrongField.status < 500, `another file field: ${wrongField.status}`);
    // Bad ids, and an id of no action.
    for (const path of ['/admin/actions/0/responses', '/admin/actions/x/responses', '/admin/actions/99999999/responses', '/admin/responses/0', '/admin/responses/abc', '/admin/responses/99999999']) {
      assert.equal((await agent.get(path)).status, 404, path);
      assert.equal((await agent.post(path).field('_csrf', _csrf).field('intent', 'save').field('body', 'x')).status, 404, `POST ${path}`);
    }
    // An intent that is neither save nor delete.
    const id = (await t.db.pool.query('SELECT id FROM letter_responses WHERE action_id = $1 LIMIT 1', [action])).rows[0].id;
    const t2 = await csrfToken(agent, `/admin/responses/${id}`);
    assert.equal((await agent.post(`/admin/responses/${id}`).field('_csrf', t2).field('intent', 'delete').field('intent', 'save')).status, 400);
    // Without a session: sign-in, or 401.
    assert.equal((await request(t.app).get(`/admin/actions/${action}/responses`)).status, 303);
    assert.equal((await request(t.app).get(`/admin/responses/${id}`)).status, 303);
    assert.equal((await request(t.app).post(`/admin/responses/${id}`).field('intent', 'delete')).status, 401);
    assert.equal((await request(t.app).post(`/admin/actions/${action}/responses`).attach('attachment', PDF, 'a.pdf')).status, 401);
    // With a session, without a token.
    assert.equal((await agent.post(`/admin/responses/${id}`).field('intent', 'delete')).status, 403);
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM letter_responses WHERE id = $1', [id])).rows[0].n, 1);
  });
});
