// A supporter's data in their hands: a link asked for by address (the same
// answer for a stranger's address, and no email), the page of what is held,
// the JSON export, withdrawal (the count drops at once; someone else's
// signature is not found), stopping updates, erasure (only the suppression
// hash stays, and updates are then suppressed), and the links that no longer work.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createMailer } from '../../src/mail/mailer.ts';
import { sendOnce } from '../../src/mail/send-once.ts';
import { suppressionHash, suppressionsOf } from '../../src/mail/suppressions.ts';
import { findSupporterByEmail, listConsents } from '../../src/supporters/supporters.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, openForm, pressButtonBehind, signPetition } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer, type ReceivedMail } from '../helpers/smtp.ts';

const log = createLogger('silent');

/** The privacy link in a received email's text part. */
function privacyLink(mail: ReceivedMail): string {
  const match = /https?:\/\/\S+\/privacy\/data\/[A-Za-z0-9_-]+/.exec(mail.text ?? '');
  if (!match) throw new Error('no privacy link in the email');
  return new URL(match[0]).pathname;
}

let ipCounter = 0;
/** Each test comes from its own address (TRUST_PROXY=1), so the per-IP limit is the rate-limit test's alone. */
const nextIp = () => `198.51.100.${++ipCounter}`;

describe('a supporter’s data in their hands', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let other: string;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000', TRUST_PROXY: '1' } });
    await loadDemoContent(t.db.pool, log);
    const { rows } = await t.db.pool.query<{ slug: string }>("SELECT slug FROM actions WHERE status = 'open' AND slug <> $1 ORDER BY id LIMIT 1", [ACTION]);
    other = rows[0]!.slug;
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  async function signAndConfirm(address: string, fields: Record<string, string> = {}, slug = ACTION) {
    assert.equal((await signPetition(t.app, { email: address, ...fields }, slug)).status, 303);
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address) && /confirm/.test(m.subject ?? ''));
    assert.equal((await pressButtonBehind(t.app, confirmationLink(mail!))).status, 303);
    smtp.messages.splice(smtp.messages.indexOf(mail!), 1);
  }

  /** Asks for the link on /privacy as a visitor would; returns the response. */
  async function askForLink(address: string, ip = nextIp()) {
    const agent = request.agent(t.app);
    const res = await agent.get('/privacy').set('X-Forwarded-For', ip).expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(res.text)![1]!;
    return agent.post('/privacy').set('X-Forwarded-For', ip).type('form').send({ _csrf: token, email: address });
  }

  async function linkFor(address: string): Promise<string> {
    assert.equal((await askForLink(address)).status, 303);
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address) && m.subject === 'Your data: the link you asked for');
    smtp.messages.splice(smtp.messages.indexOf(mail!), 1);
    return privacyLink(mail!);
  }

  /** Presses a button of the data page at `link` (a POST with the page's token). */
  async function press(link: string, action: string, fields: Record<string, string> = {}) {
    const agent = request.agent(t.app);
    const token = await openForm(agent, link);
    return agent.post(action).type('form').send({ _csrf: token, ...fields });
  }

  async function countOf(slug: string): Promise<number> {
    const res = await request(t.app).get(`/actions/${slug}/count.json`).expect(200);
    return (res.body as { count: number }).count;
  }

  /** The count once the count round has taken in every confirmation so far: what follows must not wait for a round. */
  async function settledCount(slug: string): Promise<number> {
    const { rows } = await t.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM signatures s JOIN actions a ON a.id = s.action_id WHERE a.slug = $1 AND confirmed_at IS NOT NULL AND invalidated_at IS NULL',
      [slug],
    );
    for (let i = 0; i < 100 && (await countOf(slug)) !== rows[0]!.n; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await countOf(slug), rows[0]!.n);
    return rows[0]!.n;
  }

  it('answers an unknown address exactly as a known one, and emails it nothing', async () => {
    const known = `known.${Date.now()}@example.org`;
    await signAndConfirm(known, { name: 'Known Person' });
    const unknown = `nobody.${Date.now()}@example.org`;
    const a = await askForLink(unknown);
    const b = await askForLink(known);
    assert.equal(a.status, 303);
    assert.equal(b.status, 303);
    assert.equal(a.headers.location, '/privacy/check-email');
    assert.equal(b.headers.location, a.headers.location);
    assert.equal(a.text, b.text, 'the same body');
    const page = await request(t.app).get(a.headers.location!).expect(200);
    assert.match(page.text, /If we hold anything about that address/);
    await smtp.waitFor((m) => m.envelopeTo.includes(known) && m.subject === 'Your data: the link you asked for');
    // Both jobs have run by now (the known one's mail arrived; the queue is in order, and we wait for it to settle).
    await waitForJobs(t, 'send-privacy-link');
    assert.deepEqual(smtp.to(unknown), [], 'no email to an address we do not know');
    const { rows } = await t.db.pool.query('SELECT count(*)::int AS n FROM privacy_links');
    assert.equal(rows[0].n, 1, 'a link for the known address only');
  });

  it('refuses a malformed address by its field, and rate-limits asking per address and per connection', async () => {
    const bad = await askForLink('not an address');
    assert.equal(bad.status, 422);
    assert.match(bad.text, /id="privacy-email-error"/);
    assert.match(bad.text, /value="not an address"/);

    const address = `often.${Date.now()}@example.org`;
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await askForLink(address)).status);
    assert.deepEqual(statuses, [303, 303, 303, 303, 303, 429], 'five an hour per address, from any connection');
    const { rows } = await t.db.pool.query<{ key: string }>("SELECT key FROM rate_limit_hits WHERE key LIKE 'privacy-request-address:%'");
    assert.ok(rows.length > 0 && rows.every((r) => !r.key.includes('@')), 'the limit keeps a hash, never the address');

    const ip = nextIp();
    const fromOne = [];
    for (let i = 0; i < 11; i++) fromOne.push((await askForLink(`person${i}.${Date.now()}@example.org`, ip)).status);
    assert.deepEqual(fromOne, [...Array(10).fill(303), 429], 'ten a minute per connection');
  });

  it('shows everything held: the supporter, each signature, the consent ledger, the suppression list, the emails sent', async () => {
    const address = `aliya.${Date.now()}@example.org`;
    await signAndConfirm(address, { name: 'Aliya Data', locality: 'Zhanaozen', comment: 'Free them all', show_name: 'yes', wants_updates: 'yes' });
    await signPetition(t.app, { email: address, name: 'Aliya Pending', country: 'DE' }, other);
    await smtp.waitFor((m) => m.envelopeTo.includes(address));
    const link = await linkFor(address);
    const res = await request(t.app).get(link).expect(200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.headers['x-robots-tag'] ?? '', /noindex/);
    for (const fact of [address, 'Aliya Data', 'Zhanaozen', 'Free them all', 'Kazakhstan', 'Germany', 'Confirmed, counted', 'Not confirmed yet, not counted', 'Email me updates about this campaign', 'Your address is not on our suppression list', 'Confirmation link']) {
      assert.ok(res.text.includes(fact), `the page shows ${fact}`);
    }
    // Every change is a form that POSTs, with the token; no change is a link.
    assert.doesNotMatch(res.text, /<a [^>]*href="[^"]*\/(download|withdraw|unsubscribe|erase)"/);
    assert.equal([...res.text.matchAll(/<form method="post" action="\/privacy\/data\/[^"]+\/signatures\/\d+\/withdraw"/g)].length, 2);
  });

  it('downloads it all as a JSON attachment', async () => {
    const address = `dana.${Date.now()}@example.org`;
    await signAndConfirm(address, { name: 'Dana Export', locality: 'Aktau', comment: 'Solidarity', wants_updates: 'yes' });
    const link = await linkFor(address);
    const res = await press(link, `${link}/download`);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /^application\/json/);
    assert.match(res.headers['content-disposition'] ?? '', /^attachment; filename="placard-data-\d{4}-\d{2}-\d{2}\.json"$/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const data = JSON.parse(res.text);
    assert.equal(data.supporter.email, address);
    assert.equal(data.supporter.name, 'Dana Export');
    assert.equal(data.signatures.length, 1);
    assert.deepEqual(
      { action: data.signatures[0].action.slug, state: data.signatures[0].state, name: data.signatures[0].name, country: data.signatures[0].country, town: data.signatures[0].town, comment: data.signatures[0].comment, shown: data.signatures[0].name_shown_publicly },
      { action: ACTION, state: 'confirmed', name: 'Dana Export', country: 'KZ', town: 'Aktau', comment: 'Solidarity', shown: false },
    );
    assert.ok(data.signatures[0].signed_at && data.signatures[0].confirmed_at);
    assert.equal(data.consents.length, 1);
    assert.equal(data.consents[0].wording, 'Email me updates about this campaign');
    assert.deepEqual(data.suppressions, []);
    assert.deepEqual(data.emails_sent.map((e: { template: string }) => e.template), ['confirm-signature']);
  });

  it('changes nothing on a GET of any change address', async () => {
    const address = `getter.${Date.now()}@example.org`;
    await signAndConfirm(address, { name: 'Get Only', wants_updates: 'yes' });
    const link = await linkFor(address);
    const supporter = (await findSupporterByEmail(t.db.pool, address))!;
    const { rows } = await t.db.pool.query<{ id: number }>('SELECT id FROM signatures WHERE supporter_id = $1', [supporter.id]);
    const before = await countOf(ACTION);
    for (const path of [`${link}/download`, `${link}/signatures/${rows[0]!.id}/withdraw`, `${link}/unsubscribe`, `${link}/erase`]) {
      const res = await request(t.app).get(path);
      assert.equal(res.status, 303, `GET ${path}`);
      assert.equal(res.headers.location, link, 'leads back to the data');
    }
    assert.ok(await findSupporterByEmail(t.db.pool, address), 'not erased');
    assert.equal((await t.db.pool.query('SELECT 1 FROM signatures WHERE supporter_id = $1', [supporter.id])).rowCount, 1, 'not withdrawn');
    assert.equal((await listConsents(t.db.pool, supporter.id))[0]!.withdrawn_at, null, 'still subscribed');
    assert.deepEqual(await suppressionsOf(t.db.pool, address), []);
    assert.equal(await countOf(ACTION), before);
  });

  it('withdraws a confirmed signature and the count drops at once; someone else’s signature is not found', async () => {
    const address = `withdraw.${Date.now()}@example.org`;
    const stranger = `stranger.${Date.now()}@example.org`;
    await signAndConfirm(address, { name: 'Withdraw Me' });
    await signAndConfirm(stranger, { name: 'Not Theirs' });
    const ids = async (email: string) => (await t.db.pool.query<{ id: number }>('SELECT id FROM signatures WHERE email = $1', [email])).rows.map((r) => r.id);
    const [mine] = await ids(address);
    const [theirs] = await ids(stranger);
    const counted = await settledCount(ACTION);
    const link = await linkFor(address);

    const refused = await press(link, `${link}/signatures/${theirs}/withdraw`);
    assert.equal(refused.status, 404);
    const nonsense = await press(link, `${link}/signatures/not-a-number/withdraw`);
    assert.equal(nonsense.status, 404);
    assert.deepEqual(await ids(stranger), [theirs], 'the stranger’s signature is still there');
    assert.equal(await countOf(ACTION), counted);

    const done = await press(link, `${link}/signatures/${mine}/withdraw`);
    assert.equal(done.status, 303);
    assert.equal(done.headers.location, `${link}?done=withdrawn`);
    // Read straight away: no count round has run since.
    assert.equal(await countOf(ACTION), counted - 1);
    const { rows } = await t.db.pool.query('SELECT signature_count FROM action_counts c JOIN actions a ON a.id = c.action_id WHERE a.slug = $1', [ACTION]);
    assert.equal(rows[0].signature_count, counted - 1);
    assert.deepEqual(await ids(address), []);
    assert.equal((await t.db.pool.query('SELECT 1 FROM sent_emails WHERE signature_id = $1', [mine])).rowCount, 0, 'its mail records went with it');
    const page = await request(t.app).get(`${link}?done=withdrawn`).expect(200);
    assert.match(page.text, /The signature is withdrawn/);
    assert.match(page.text, /No signatures\./);
  });

  it('removes a pending signature the same way', async () => {
    const address = `pending.${Date.now()}@example.org`;
    await signAndConfirm(address, { name: 'Has Both' });
    await signPetition(t.app, { email: address, name: 'Has Both' }, other);
    const { rows } = await t.db.pool.query<{ id: number }>('SELECT s.id FROM signatures s WHERE email = $1 AND confirmed_at IS NULL', [address]);
    const link = await linkFor(address);
    assert.equal((await press(link, `${link}/signatures/${rows[0]!.id}/withdraw`)).status, 303);
    assert.equal((await t.db.pool.query('SELECT 1 FROM signatures WHERE id = $1', [rows[0]!.id])).rowCount, 0);
    assert.equal((await t.db.pool.query('SELECT 1 FROM signature_submissions WHERE signature_id = $1', [rows[0]!.id])).rowCount, 0);
  });

  it('stops updates: the consent is withdrawn on the privacy page and the address suppressed', async () => {
    const address = `stop.${Date.now()}@example.org`;
    await signAndConfirm(address, { name: 'Stop Updates', wants_updates: 'yes' });
    const link = await linkFor(address);
    const res = await press(link, `${link}/unsubscribe`);
    assert.equal(res.status, 303);
    const supporter = (await findSupporterByEmail(t.db.pool, address))!;
    const [consent] = await listConsents(t.db.pool, supporter.id);
    assert.ok(consent!.withdrawn_at);
    assert.equal(consent!.withdrawn_via, 'privacy-page');
    assert.deepEqual((await suppressionsOf(t.db.pool, address)).map((s) => s.reason), ['unsubscribe']);
    const page = await request(t.app).get(res.headers.location!).expect(200);
    assert.match(page.text, /You will receive no more campaign updates/);
    assert.match(page.text, /you stopped updates/);
  });

  it('erases everything after the box is ticked, keeping only the suppression hash; updates to the address are then suppressed', async () => {
    const address = `erase.${Date.now()}@example.org`;
    await signAndConfirm(address, { name: 'Erase Me', wants_updates: 'yes', comment: 'Gone soon' });
    await signAndConfirm(address, { name: 'Erase Me' }, other);
    const supporter = (await findSupporterByEmail(t.db.pool, address))!;
    const signatureIds = (await t.db.pool.query<{ id: number }>('SELECT id FROM signatures WHERE supporter_id = $1', [supporter.id])).rows.map((r) => r.id);
    assert.equal(signatureIds.length, 2);
    const link = await linkFor(address);
    const before = { here: await settledCount(ACTION), there: await settledCount(other) };

    const unticked = await press(link, `${link}/erase`);
    assert.equal(unticked.status, 422);
    assert.match(unticked.text, /id="erase-confirm-error"/);
    assert.ok(await findSupporterByEmail(t.db.pool, address), 'nothing erased without the box');

    const res = await press(link, `${link}/erase`, { confirm: 'yes' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/privacy?done=erased');
    assert.equal(await countOf(ACTION), before.here - 1, 'counts drop at once');
    assert.equal(await countOf(other), before.there - 1);

    const left = async (sql: string, values: unknown[]) => (await t.db.pool.query(sql, values)).rowCount;
    assert.equal(await left('SELECT 1 FROM supporters WHERE id = $1 OR email = $2', [supporter.id, address]), 0, 'supporters');
    assert.equal(await left('SELECT 1 FROM consents WHERE supporter_id = $1', [supporter.id]), 0, 'consents');
    assert.equal(await left('SELECT 1 FROM signatures WHERE id = ANY ($1) OR email = $2 OR supporter_id = $3', [signatureIds, address, supporter.id]), 0, 'signatures');
    assert.equal(await left('SELECT 1 FROM signature_submissions WHERE signature_id = ANY ($1)', [signatureIds]), 0, 'signature_submissions');
    assert.equal(await left('SELECT 1 FROM confirmation_tokens WHERE signature_id = ANY ($1)', [signatureIds]), 0, 'confirmation_tokens');
    assert.equal(await left('SELECT 1 FROM sent_emails WHERE signature_id = ANY ($1)', [signatureIds]), 0, 'sent_emails about them');
    assert.equal(await left('SELECT 1 FROM privacy_links WHERE supporter_id = $1', [supporter.id]), 0, 'privacy_links');
    assert.equal(await left("SELECT 1 FROM pgboss.job WHERE data ->> 'email' = $1 AND state <> 'active'", [address]), 0, 'queued requests holding the address');
    assert.equal(await left("SELECT 1 FROM rate_limit_hits WHERE key LIKE '%' || $1 || '%'", [address]), 0, 'rate limits');
    const kept = await t.db.pool.query<{ reason: string }>('SELECT reason FROM suppressions WHERE email_hash = $1', [suppressionHash(address)]);
    assert.deepEqual(kept.rows.map((r) => r.reason), ['erased']);

    const page = await request(t.app).get(res.headers.location!).expect(200);
    assert.match(page.text, /Everything we held about you is erased/);
    assert.match(page.text, /We keep only a one-way hash of your email address/);

    // The link died with the data.
    const dead = await request(t.app).get(link);
    assert.equal(dead.status, 410);
    assert.match(dead.text, /This link no longer works/);
    assert.match(dead.text, /<form class="privacy-ask" method="post" action="\/privacy"/);

    const mailer = createMailer({ smtpUrl: smtp.url, from: 'Placard <p@placard.test>', dataDir: 'data/test-mail', log });
    try {
      const deps = { db: t.db.pool, mailer, log, baseUrl: t.config.baseUrl };
      const compose = async () => ({ to: { name: '', address }, subject: 'An update', html: '<p>News</p>', text: 'News' });
      assert.equal(await sendOnce(deps, { key: `update-after-erasure:${address}`, template: 'update', purpose: 'updates' }, compose), 'suppressed');
    } finally {
      mailer.close();
    }
  });

  it('shows an expired or unknown link as a page with the way to a new one, for GETs and POSTs alike', async () => {
    const address = `expired.${Date.now()}@example.org`;
    await signAndConfirm(address, { name: 'Too Late' });
    const link = await linkFor(address);
    assert.equal((await request(t.app).get(link)).status, 200, 'reusable while it lasts');
    assert.equal((await request(t.app).get(link)).status, 200);
    await t.db.pool.query("UPDATE privacy_links SET expires_at = now() - interval '1 second'");
    const res = await request(t.app).get(link);
    assert.equal(res.status, 410);
    assert.match(res.text, /This link no longer works/);
    assert.match(res.text, /name="_csrf"/, 'the form to ask again works');
    // A POST of the expired link, with a valid form token from another page, is the same page.
    const agent = request.agent(t.app);
    const token = await openForm(agent, '/privacy');
    const posted = await agent.post(`${link}/erase`).type('form').send({ _csrf: token, confirm: 'yes' });
    assert.equal(posted.status, 410);
    assert.ok(await findSupporterByEmail(t.db.pool, address), 'an expired link erases nothing');
    for (const path of ['/privacy/data/AAAA', `/privacy/data/${'A'.repeat(43)}`, '/privacy/data/%00']) {
      const unknown = await request(t.app).get(path);
      assert.ok([404, 410].includes(unknown.status), `GET ${path}: ${unknown.status}`);
      assert.doesNotMatch(unknown.text, /Something went wrong/);
    }
  });
});

/** Waits until no job of `name` is left to run. */
async function waitForJobs(t: TestApp, name: string) {
  for (let i = 0; i < 100; i++) {
    const { rows } = await t.db.pool.query("SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active')", [name]);
    if (rows[0].n === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`jobs ${name} still queued`);
}
