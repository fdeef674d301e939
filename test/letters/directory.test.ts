// The directory of recipients in the admin, as an organiser's browser uses it
// and as a stranger might: add, edit, addresses and their health (a bounced one
// flagged in the list), delete only when no letter uses it, each change in the
// audit log; a time zone or country we do not know refused beside its field;
// repeated fields, ids of another row and bad ids answered 4xx, never 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

const FIELDS = { name: 'Embassy of Kazakhstan in Austria', title: 'Ambassador', organisation: 'Embassy of the Republic of Kazakhstan', country: 'AT', language: 'de-at', time_zone: 'Europe/Vienna', postal_address: 'Felix-Mottl-Straße 23\r\n1190 Wien', emails: 'Vienna@Example.org; consul@example.org' };

function fieldError(html: string, id: string): string | undefined {
  return new RegExp(`<p class="field-error" id="recipient-${id}-error">([^<]*)</p>`).exec(html)?.[1];
}

describe('the directory of recipients in the admin', () => {
  let t: TestApp;
  let agent: Agent;

  before(async () => {
    t = await createTestApp();
    agent = (await signIn(t, { role: 'organiser', name: 'Dana' })).agent;
  });
  after(() => t.close());

  const audit = async (event: string) => (await t.db.pool.query('SELECT event, subject_id, before, after, organiser_name FROM audit_log WHERE event = $1 ORDER BY id', [event])).rows;

  async function create(fields: Record<string, string> = FIELDS): Promise<number> {
    const _csrf = await csrfToken(agent, '/admin/recipients/new');
    const res = await agent.post('/admin/recipients').type('form').send({ _csrf, ...fields });
    assert.equal(res.status, 303, res.text.slice(0, 2000));
    return Number(/^\/admin\/recipients\/(\d+)\?done=created$/.exec(res.headers.location ?? '')![1]);
  }

  it('adds a recipient with its addresses, normalised, and audits it', async () => {
    const id = await create();
    const { rows } = await t.db.pool.query('SELECT name, country, language, time_zone, postal_address, demo FROM recipients WHERE id = $1', [id]);
    assert.deepEqual(rows[0], { name: FIELDS.name, country: 'AT', language: 'de-AT', time_zone: 'Europe/Vienna', postal_address: 'Felix-Mottl-Straße 23\n1190 Wien', demo: false });
    const emails = (await t.db.pool.query('SELECT email, health FROM recipient_addresses WHERE recipient_id = $1 ORDER BY id', [id])).rows;
    assert.deepEqual(emails, [{ email: 'vienna@example.org', health: 'active' }, { email: 'consul@example.org', health: 'active' }]);
    const [entry] = await audit('recipient.create');
    assert.equal(entry.subject_id, String(id));
    assert.equal(entry.organiser_name, 'Dana');
    assert.deepEqual(entry.after.emails, ['vienna@example.org', 'consul@example.org']);
    const page = await agent.get(`/admin/recipients/${id}?done=created`).expect(200);
    assert.match(page.text, /<option value="AT" selected>Austria<\/option>/);
  });

  it('refuses a time zone that does not exist, and a country not in the list, beside the field', async () => {
    const _csrf = await csrfToken(agent, '/admin/recipients/new');
    const before = (await t.db.pool.query('SELECT count(*)::int AS n FROM recipients')).rows[0].n;
    for (const [field, value] of [['time_zone', 'Mars/Olympus_Mons'], ['time_zone', '../../etc/passwd'], ['time_zone', '+05:00'], ['country', 'XX'], ['country', 'Austria'], ['language', 'Deutsch']] as const) {
      const res = await agent.post('/admin/recipients').type('form').send({ _csrf, ...FIELDS, [field]: value });
      assert.equal(res.status, 422, `${field}=${value}`);
      assert.ok(fieldError(res.text, field.replace('_', '-')), `${field}=${value}: an error beside the field`);
      assert.match(res.text, new RegExp(`href="#recipient-${field.replace('_', '-')}"`), 'the summary links to it');
      assert.ok(res.text.includes(`value="${value}"`) || field === 'country', 'what was typed is shown again');
    }
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM recipients')).rows[0].n, before);
    // A zone Intl knows, of another shape than Area/City, is fine.
    const id = await create({ ...FIELDS, name: 'In UTC', time_zone: 'UTC', emails: '' });
    assert.equal((await t.db.pool.query('SELECT time_zone FROM recipients WHERE id = $1', [id])).rows[0].time_zone, 'UTC');
  });

  it('edits a recipient, auditing only the fields that changed', async () => {
    const id = await create({ ...FIELDS, name: 'To edit', emails: 'edit@example.org' });
    const _csrf = await csrfToken(agent, `/admin/recipients/${id}`);
    const res = await agent.post(`/admin/recipients/${id}`).type('form').send({ _csrf, intent: 'save', ...FIELDS, name: 'Edited', time_zone: 'Asia/Almaty' });
    assert.equal(res.status, 303);
    const [entry] = (await audit('recipient.update')).filter((e) => e.subject_id === String(id));
    assert.deepEqual(entry.before, { name: 'To edit', time_zone: 'Europe/Vienna' });
    assert.deepEqual(entry.after, { name: 'Edited', time_zone: 'Asia/Almaty' });
    const bad = await agent.post(`/admin/recipients/${id}`).type('form').send({ _csrf, intent: 'save', ...FIELDS, time_zone: 'Asia/Nowhere' });
    assert.equal(bad.status, 422);
    assert.match(fieldError(bad.text, 'time-zone') ?? '', /not a time zone/);
    assert.equal((await t.db.pool.query('SELECT time_zone FROM recipients WHERE id = $1', [id])).rows[0].time_zone, 'Asia/Almaty');
  });

  it('flags a bounced address in the list with since when and why; suppresses and reactivates with a reason, audited', async () => {
    const id = await create({ ...FIELDS, name: 'Bouncing embassy', emails: 'gone@example.org ok@example.org' });
    const [gone, ok] = (await t.db.pool.query<{ id: number }>('SELECT id FROM recipient_addresses WHERE recipient_id = $1 ORDER BY id', [id])).rows.map((r) => r.id);
    // What delivery does on a 550 (part B): the address bounced, with the server's answer.
    await t.db.pool.query("UPDATE recipient_addresses SET health = 'bounced', health_since = '2030-03-01T09:00:00Z', health_reason = '550 5.1.1 mailbox unavailable' WHERE id = $1", [gone]);
    const list = await agent.get('/admin/recipients').expect(200);
    assert.match(list.text, /id="recipients-flagged"/);
    const row = list.text.slice(list.text.indexOf('Bouncing embassy'));
    assert.match(row, /gone@example\.org\s*<span class="badge danger">Bounced<\/span>\s*<span class="recipient-health-why">since March 1, 2030 at 09:00 \(UTC\): 550 5\.1\.1 mailbox unavailable<\/span>/);

    // Suppressing needs a reason.
    let _csrf = await csrfToken(agent, `/admin/recipients/${id}`);
    const noReason = await agent.post(`/admin/recipient-addresses/${ok}`).type('form').send({ _csrf, change: 'suppress', reason: '  ' });
    assert.equal(noReason.status, 422);
    assert.match(noReason.text, /Say why the address is suppressed/);
    const suppressed = await agent.post(`/admin/recipient-addresses/${ok}`).type('form').send({ _csrf, change: 'suppress', reason: 'The embassy asked us to write to its consul' });
    assert.equal(suppressed.status, 303);
    assert.equal(suppressed.headers.location, `/admin/recipients/${id}?done=address-changed#address-${ok}`);
    const stored = (await t.db.pool.query('SELECT health, health_reason FROM recipient_addresses WHERE id = $1', [ok])).rows[0];
    assert.deepEqual(stored, { health: 'suppressed', health_reason: 'The embassy asked us to write to its consul' });
    _csrf = await csrfToken(agent, `/admin/recipients/${id}`);
    await agent.post(`/admin/recipient-addresses/${gone}`).type('form').send({ _csrf, change: 'reactivate' }).expect(303);
    assert.equal((await t.db.pool.query('SELECT health FROM recipient_addresses WHERE id = $1', [gone])).rows[0].health, 'active');
    const [suppress] = await audit('recipient.address_suppress');
    assert.deepEqual(suppress.after, { email: 'ok@example.org', health: 'suppressed', health_reason: 'The embassy asked us to write to its consul' });
    const [reactivate] = await audit('recipient.address_reactivate');
    assert.deepEqual(reactivate.before, { email: 'gone@example.org', health: 'bounced', health_reason: '550 5.1.1 mailbox unavailable' });
  });

  it('adds and removes an address; refuses to remove one that letters wait for', async () => {
    const id = await create({ ...FIELDS, name: 'Addresses', emails: 'first@example.org' });
    let _csrf = await csrfToken(agent, `/admin/recipients/${id}`);
    await agent.post(`/admin/recipients/${id}`).type('form').send({ _csrf, intent: 'add-address', email: ' Second@Example.org ' }).expect(303);
    const again = await agent.post(`/admin/recipients/${id}`).type('form').send({ _csrf, intent: 'add-address', email: 'second@example.org' });
    assert.equal(again.status, 422);
    assert.match(again.text, /has this address already/);
    const bad = await agent.post(`/admin/recipients/${id}`).type('form').send({ _csrf, intent: 'add-address', email: 'not an address' });
    assert.equal(bad.status, 422);
    assert.ok(fieldError(bad.text, 'email'));
    const [first, second] = (await t.db.pool.query<{ id: number }>('SELECT id FROM recipient_addresses WHERE recipient_id = $1 ORDER BY id', [id])).rows.map((r) => r.id);
    // A letter queued to the first address.
    const action = (await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('letter', 'addr-letter', 'Addr letter', 'open') RETURNING id")).rows[0].id;
    await t.db.pool.query("INSERT INTO letters (action_id, subject_template, body_template) VALUES ($1, 'S', 'B')", [action]);
    await t.db.pool.query("INSERT INTO letter_deliveries (action_id, recipient_id, address_id, email, kind) VALUES ($1, $2, $3, 'first@example.org', 'scheduled')", [action, id, first]);
    _csrf = await csrfToken(agent, `/admin/recipients/${id}`);
    const waiting = await agent.post(`/admin/recipient-addresses/${first}`).type('form').send({ _csrf, change: 'remove' });
    assert.equal(waiting.status, 409);
    assert.match(waiting.text, /Letters are waiting to go to this address/);
    await agent.post(`/admin/recipient-addresses/${second}`).type('form').send({ _csrf, change: 'remove' }).expect(303);
    assert.deepEqual((await t.db.pool.query('SELECT email FROM recipient_addresses WHERE recipient_id = $1', [id])).rows, [{ email: 'first@example.org' }]);
    assert.equal((await audit('recipient.address_add')).length, 1);
    assert.equal((await audit('recipient.address_remove')).length, 1);
  });

  it('deletes a recipient no letter uses; refuses (409) one that a letter writes to or falls back to', async () => {
    const used = await create({ ...FIELDS, name: 'Used', emails: '' });
    const fallback = await create({ ...FIELDS, name: 'Fallback', emails: '' });
    const free = await create({ ...FIELDS, name: 'Free', emails: 'free@example.org' });
    const action = (await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('letter', 'del-letter', 'The letter to the embassies', 'open') RETURNING id")).rows[0].id;
    await t.db.pool.query("INSERT INTO letters (action_id, subject_template, body_template, fallback_recipient_id) VALUES ($1, 'S', 'B', $2)", [action, fallback]);
    await t.db.pool.query('INSERT INTO letter_recipients (action_id, recipient_id) VALUES ($1, $2)', [action, used]);
    for (const id of [used, fallback]) {
      const page = await agent.get(`/admin/recipients/${id}`).expect(200);
      assert.match(page.text, /The letter to the embassies/);
      const _csrf = await csrfToken(agent, `/admin/recipients/${id}`);
      const res = await agent.post(`/admin/recipients/${id}`).type('form').send({ _csrf, intent: 'delete' });
      assert.equal(res.status, 409);
      assert.match(res.text, /take it off them before deleting it/);
    }
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM recipients WHERE id = ANY ($1)', [[used, fallback]])).rows[0].n, 2);
    const _csrf = await csrfToken(agent, `/admin/recipients/${free}`);
    await agent.post(`/admin/recipients/${free}`).type('form').send({ _csrf, intent: 'delete' }).expect(303);
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM recipients WHERE id = $1', [free])).rows[0].n, 0);
    const [entry] = (await audit('recipient.delete')).filter((e) => e.subject_id === String(free));
    assert.deepEqual(entry.before.emails, ['free@example.org']);
  });

  it('answers a stranger’s odd input with 4xx, never 500', async () => {
    const id = await create({ ...FIELDS, name: 'Odd input', emails: 'odd@example.org' });
    const _csrf = await csrfToken(agent, `/admin/recipients/${id}`);
    // Repeated fields arrive as arrays.
    const repeated = await agent.post(`/admin/recipients/${id}`).type('form').send(`_csrf=${encodeURIComponent(_csrf)}&intent=save&name=A&name=B&country=AT&country=DE&time_zone=UTC`);
    assert.equal(repeated.status, 422);
    assert.match(fieldError(repeated.text, 'name') ?? '', /sent more than once/);
    const repeatedEmails = await agent.post('/admin/recipients').type('form').send(`_csrf=${encodeURIComponent(await csrfToken(agent, '/admin/recipients/new'))}&name=Twice&emails=a%40example.org&emails=b%40example.org`);
    assert.equal(repeatedEmails.status, 422, 'two emails fields are not read as none');
    const repeatedIntent = await agent.post(`/admin/recipients/${id}`).type('form').send(`_csrf=${encodeURIComponent(_csrf)}&intent=delete&intent=add-address&name=X`);
    assert.ok(repeatedIntent.status >= 400 && repeatedIntent.status < 500, `repeated intent: ${repeatedIntent.status}`);
    const repeatedChange = await agent.post('/admin/recipient-addresses/1').type('form').send(`_csrf=${encodeURIComponent(_csrf)}&change=suppress&change=remove`);
    assert.ok(repeatedChange.status >= 400 && repeatedChange.status < 500, `repeated change: ${repeatedChange.status}`);
    for (const path of ['/admin/recipients/0', '/admin/recipients/abc', '/admin/recipients/99999999', '/admin/recipients/1e3', '/admin/recipients/99999999999999999']) {
      assert.equal((await agent.get(path)).status, 404, path);
      assert.equal((await agent.post(path).type('form').send({ _csrf, intent: 'save', ...FIELDS })).status, 404, `POST ${path}`);
    }
    for (const path of ['/admin/recipient-addresses/0', '/admin/recipient-addresses/x', '/admin/recipient-addresses/99999999']) {
      assert.equal((await agent.post(path).type('form').send({ _csrf, change: 'reactivate' })).status, 404, path);
      assert.equal((await agent.post(path).type('form').send({ _csrf, change: 'suppress', reason: '' })).status, 404, `${path} with a bad form`);
    }
    const tooLong = await agent.post(`/admin/recipients/${id}`).type('form').send({ _csrf, intent: 'save', ...FIELDS, name: 'x'.repeat(5000), postal_address: 'y'.repeat(5000) });
    assert.equal(tooLong.status, 422);
    const control = await agent.post(`/admin/recipients/${id}`).type('form').send({ _csrf, intent: 'save', ...FIELDS, name: 'Bad\u0000name' });
    assert.equal(control.status, 422);
    const many = await agent.post('/admin/recipients').type('form').send({ _csrf: await csrfToken(agent, '/admin/recipients/new'), ...FIELDS, emails: Array.from({ length: 30 }, (_, i) => `a${i}@example.org`).join(' ') });
    assert.equal(many.status, 422);
  });

  it('shows nothing without a session: every page goes to sign-in, every form is refused', async () => {
    for (const path of ['/admin/recipients', '/admin/recipients/new', '/admin/recipients/import', '/admin/recipients/1']) {
      const res = await request(t.app).get(path);
      assert.equal(res.status, 303, path);
      assert.match(res.headers.location ?? '', /^\/admin\/sign-in\?next=/);
    }
    for (const path of ['/admin/recipients', '/admin/recipients/import', '/admin/recipients/1', '/admin/recipient-addresses/1']) {
      assert.equal((await request(t.app).post(path).type('form').send({ name: 'x' })).status, 401, path);
    }
    // With a session, without the token.
    assert.equal((await agent.post('/admin/recipients').type('form').send(FIELDS)).status, 403);
  });
});
