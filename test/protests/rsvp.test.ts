// RSVPs (issue 11, part G): RSVP and confirm over a real SMTP server, RSVPing
// again, the letter signed alongside, cancelling, the privacy page and
// erasure, the local organiser's view, and what strangers send.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createPrivacyLink } from '../../src/supporters/privacy.service.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import { csrfTokenIn, openForm, pressButtonBehind } from '../helpers/forms.ts';
import { cancelLink, confirmationLink, TestSmtpServer, type ReceivedMail } from '../helpers/smtp.ts';
import { newToken } from '../../src/http/link-tokens.ts';
import { rsvpToken } from '../../src/protests/rsvp-token.ts';
import { appSecret } from '../../src/settings/settings.repo.ts';
import { deriveUnsubscribeKey, unsubscribeToken } from '../../src/updates/unsubscribe-token.ts';
import { seedCall, seedProtest, type SeededCall } from './rsvp-seed.ts';

describe('RSVPs to a protest', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let call: SeededCall;
  let seq = 0;
  const email = () => `rsvper${++seq}@example.org`;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, CONFIRMATION_MAX_RESENDS: '2', RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000', SIGN_MIN_SECONDS: '0' } });
    call = await seedCall(t, 'zhanaozen-rsvp');
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  async function rsvp(protestId: number, fields: Record<string, string | string[]>) {
    const agent = request.agent(t.app);
    const csrf = await openForm(agent, `/actions/${call.slug}`);
    return agent.post(`/protests/${protestId}/rsvp`).type('form').send({ _csrf: csrf, ...fields });
  }
  const mailTo = async (address: string, subject: RegExp): Promise<ReceivedMail> => {
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address) && subject.test(m.subject ?? ''));
    smtp.messages.splice(smtp.messages.indexOf(mail!), 1);
    return mail!;
  };
  const rsvpPageLink = (mail: ReceivedMail) => new URL(/https?:\/\/\S+\/rsvp\/[0-9]+\.[A-Za-z0-9_-]+/.exec(mail.text!)![0]).pathname;

  it('RSVPs, confirms from the email, counts once, and signs the letter alongside (its letter queued)', async () => {
    const protest = await seedProtest(t, call, { capacity: 5 });
    const address = email();
    const res = await rsvp(protest, { name: 'Aigerim Test', email: address, share_with_organiser: 'on', sign_letter: 'on' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, `/protests/${protest}/check-email`);
    const mail = await mailTo(address, /^Please confirm your RSVP: Embassy of Kazakhstan, London$/);
    // The email restates the protest, its place and its local time with the zone named.
    assert.match(mail.text!, /Where: Embassy of Kazakhstan, London \(125 Pall Mall\)/);
    assert.match(mail.text!, /When: Thursday 16 December 2027, 12:00, Greenwich Mean Time \(GMT\)/);
    assert.match(mail.text!, /You also sign the letter to Embassy of Kazakhstan in London/);
    // Pending: counts nothing yet.
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM rsvps WHERE protest_id = $1 AND confirmed_at IS NOT NULL', [protest])).rows[0].n, 0);
    // The confirmation page, in an RSVP's words (its GET changes nothing).
    const link = new URL(confirmationLink(mail)).pathname;
    const page = await request(t.app).get(link).expect(200);
    assert.match(page.text, /Confirm my RSVP/);
    assert.match(page.text, /Thursday 16 December 2027, 12:00, Greenwich Mean Time \(GMT\)/);
    assert.doesNotMatch(page.text, /Confirm my signature/);
    const pressed = await pressButtonBehind(t.app, confirmationLink(mail));
    assert.equal(pressed.status, 303);
    assert.equal(pressed.headers.location, `/protests/${protest}/thanks`);
    const thanks = await request(t.app).get(`/protests/${protest}/thanks`).expect(200);
    assert.match(thanks.text, /Confirmed so far, you included: 1\./);
    // Who RSVPed is never on a public page.
    assert.doesNotMatch(thanks.text, /Aigerim/);
    const { rows } = await t.db.pool.query(
      `SELECT v.confirmed_at, s.confirmed_at AS signed, s.country, (SELECT count(*)::int FROM letter_deliveries d WHERE d.signature_id = s.id) AS letters
       FROM rsvps v JOIN signatures s ON s.id = v.signature_id WHERE v.protest_id = $1`, [protest]);
    assert.equal(rows.length, 1);
    assert.ok(rows[0].confirmed_at && rows[0].signed, 'the RSVP and its signature are confirmed together');
    assert.equal(rows[0].country, 'GB');
    assert.equal(rows[0].letters, 1, 'a letter_deliveries row for the signature signed alongside');
    // Pressing again: the thank-you page, nothing more.
    const again = await request(t.app).get(link).expect(200);
    assert.match(again.text, /already confirmed/);
  });

  it('RSVPing again never makes a second RSVP and re-sends a bounded number of times', async () => {
    const protest = await seedProtest(t, call, {});
    const address = email();
    for (let i = 0; i < 5; i++) assert.equal((await rsvp(protest, { name: i === 0 ? 'Dana' : 'Someone Else', email: address })).status, 303);
    // 1 + CONFIRMATION_MAX_RESENDS (2) emails, never more.
    await smtp.waitFor((m) => m.envelopeTo.includes(address), 3);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(smtp.messages.filter((m) => m.envelopeTo.includes(address)).length, 3);
    const { rows } = await t.db.pool.query('SELECT v.name FROM rsvps v JOIN supporters s ON s.id = v.supporter_id WHERE s.email = $1', [address]);
    assert.deepEqual(rows.map((r) => r.name), ['Dana'], 'one RSVP, as first typed: a stranger cannot rename it');
    for (const m of smtp.messages.filter((m) => m.envelopeTo.includes(address))) smtp.messages.splice(smtp.messages.indexOf(m), 1);
  });

  it('cancelling from the RSVP page frees the place for the next person', async () => {
    const protest = await seedProtest(t, call, { capacity: 1 });
    const [a, b] = [email(), email()];
    await rsvp(protest, { name: 'Asel', email: a });
    await rsvp(protest, { name: 'Bota', email: b });
    const mailA = await mailTo(a, /confirm your RSVP/);
    const mailB = await mailTo(b, /confirm your RSVP/);
    assert.equal((await pressButtonBehind(t.app, confirmationLink(mailA))).status, 303);
    // Full: refused with a clear page and a way back; the link stays usable.
    const refused = await pressButtonBehind(t.app, confirmationLink(mailB));
    assert.equal(refused.status, 409);
    assert.match(refused.text, /This protest is full/);
    assert.match(refused.text, new RegExp(`href="/actions/${call.slug}#protest-${protest}"`));
    // The form says so too.
    const full = await rsvp(protest, { name: 'Cara', email: email() });
    assert.equal(full.status, 409);
    assert.match(full.text, /This protest is full/);
    // A cancels from the page linked in their email.
    const agent = request.agent(t.app);
    const pagePath = rsvpPageLink(mailA);
    const page = await agent.get(pagePath).expect(200);
    assert.match(page.text, /Cancel my RSVP/);
    const cancelled = await agent.post(pagePath).type('form').send({ _csrf: csrfTokenIn(page.text) });
    assert.equal(cancelled.status, 200);
    assert.match(cancelled.text, /You cancelled this RSVP/);
    assert.equal((await pressButtonBehind(t.app, confirmationLink(mailB))).status, 303, 'the freed place is taken');
    const { rows } = await t.db.pool.query('SELECT count(*)::int AS n FROM rsvps WHERE protest_id = $1 AND confirmed_at IS NOT NULL AND cancelled_at IS NULL', [protest]);
    assert.equal(rows[0].n, 1);
    // A changes their mind: RSVPing again sends a fresh link (not "already RSVPed"), and the place, now B's, is not given twice.
    assert.equal((await rsvp(protest, { name: 'Asel', email: a })).status, 409, 'the form says it is full');
    await t.db.pool.query('UPDATE protests SET capacity = 2 WHERE id = $1', [protest]);
    assert.equal((await rsvp(protest, { name: 'Asel', email: a })).status, 303);
    const again = await mailTo(a, /confirm your RSVP/);
    await t.db.pool.query('UPDATE protests SET capacity = 1 WHERE id = $1', [protest]);
    assert.equal((await pressButtonBehind(t.app, confirmationLink(again))).status, 409);
    await t.db.pool.query('UPDATE protests SET capacity = 2 WHERE id = $1', [protest]);
    assert.equal((await pressButtonBehind(t.app, confirmationLink(again))).status, 303, 'a refused link still works once a place is there');
    const live = await t.db.pool.query('SELECT count(*)::int AS n FROM rsvps WHERE protest_id = $1 AND confirmed_at IS NOT NULL AND cancelled_at IS NULL', [protest]);
    assert.equal(live.rows[0].n, 2);
  });

  it('lists RSVPs on the privacy page, and erasing removes them', async () => {
    const protest = await seedProtest(t, call, {});
    const address = email();
    await rsvp(protest, { name: 'Zhanar Uniquename', email: address, sign_letter: 'on' });
    assert.equal((await pressButtonBehind(t.app, confirmationLink(await mailTo(address, /confirm your RSVP/)))).status, 303);
    const supporterId = (await t.db.pool.query('SELECT id FROM supporters WHERE email = $1', [address])).rows[0].id;
    const token = await createPrivacyLink(t.db.pool, supporterId, 30);
    const agent = request.agent(t.app);
    const page = await agent.get(`/privacy/data/${token}`).expect(200);
    assert.match(page.text, /Your RSVPs to protests/);
    assert.match(page.text, /Embassy of Kazakhstan, London \(Zhanaozen: remember\): confirmed/);
    const erased = await agent.post(`/privacy/data/${token}/erase`).type('form').send({ _csrf: csrfTokenIn(page.text), confirm: 'yes' });
    assert.ok(erased.status < 400, `erase answered ${erased.status}`);
    const left = await t.db.pool.query("SELECT count(*)::int AS n FROM rsvps WHERE name = 'Zhanar Uniquename'");
    assert.equal(left.rows[0].n, 0);
    const signatures = await t.db.pool.query("SELECT count(*)::int AS n FROM signatures WHERE name = 'Zhanar Uniquename'");
    assert.equal(signatures.rows[0].n, 0);
    // No row of any table (every column as text, the job queue's too) still holds the address or the name.
    await new Promise((r) => setTimeout(r, 500));
    const { rows: tables } = await t.db.pool.query<{ s: string; t: string }>(
      "SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'",
    );
    for (const needle of [address, 'Zhanar Uniquename']) {
      const holding: string[] = [];
      for (const { s: schema, t: table } of tables) {
        const q = await t.db.pool.query(`SELECT count(*)::int AS n FROM "${schema}"."${table}" x WHERE x::text ILIKE '%' || $1 || '%'`, [needle]);
        if (q.rows[0].n > 0) holding.push(`${schema}.${table}`);
      }
      assert.deepEqual(holding, [], `${needle} is still in ${holding.join(', ')}`);
    }
  });

  it('shows organisers and the local organiser first names and the count, and more only of those who agreed', async () => {
    const protest = await seedProtest(t, call, {});
    const [shares, keeps] = [email(), email()];
    await rsvp(protest, { name: 'Saule Sharer', email: shares, share_with_organiser: 'on' });
    await rsvp(protest, { name: 'Kamila Private', email: keeps });
    await pressButtonBehind(t.app, confirmationLink(await mailTo(shares, /confirm your RSVP/)));
    await pressButtonBehind(t.app, confirmationLink(await mailTo(keeps, /confirm your RSVP/)));
    // No session: no list.
    assert.equal((await request(t.app).get(`/admin/protests/${protest}/rsvps`)).status >= 300, true);
    const { agent, organiser } = await signIn(t);
    const list = await agent.get(`/admin/protests/${protest}/rsvps`).expect(200);
    assert.match(list.text, /2 confirmed/);
    assert.match(list.text, /Saule Sharer/);
    assert.match(list.text, new RegExp(shares));
    assert.match(list.text, /Kamila/);
    assert.doesNotMatch(list.text, /Private/);
    assert.doesNotMatch(list.text, new RegExp(keeps));
    const csv = await agent.get(`/admin/protests/${protest}/rsvps.csv`).expect(200);
    assert.match(csv.text, /Saule,Saule Sharer,/);
    assert.doesNotMatch(csv.text, new RegExp(keeps));
    const audit = await t.db.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE event = 'rsvps.export' AND organiser_id = $1 AND subject_id = $2", [organiser.id, protest]);
    assert.equal(audit.rows[0].n, 1, 'the export is in the audit log');
    const made = await agent.post(`/admin/protests/${protest}/organiser-link`).type('form').send({ _csrf: csrfTokenIn(list.text) }).expect(200);
    const link = new URL(/value="(https?:\/\/[^"]+\/organiser\/[^"]+)"/.exec(made.text)![1]!).pathname;
    const view = await request(t.app).get(link).expect(200);
    assert.match(view.text, /2 confirmed/);
    assert.match(view.text, /Saule Sharer/);
    assert.match(view.text, /Kamila/);
    assert.doesNotMatch(view.text, /Private/);
    assert.doesNotMatch(view.text, new RegExp(keeps));
    // Only the hash is kept; a wrong token, or the right one for another protest, shows nothing.
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM protest_organiser_links WHERE token_hash::text LIKE $1', [`%${link.split('/').pop()}%`])).rows[0].n, 0);
    assert.equal((await request(t.app).get(link.replace(/[^/]+$/, 'x'.repeat(43)))).status, 404);
    assert.equal((await request(t.app).get(link.replace(`/protests/${protest}/`, `/protests/${protest + 1000}/`))).status, 404);
  });

  it('answers what strangers send with a 4xx, never a 500', async () => {
    const protest = await seedProtest(t, call, {});
    // Repeated fields, an empty name, a bad address: the form again, with messages.
    const repeated = await rsvp(protest, { name: ['A', 'B'], email: email() });
    assert.equal(repeated.status, 422);
    const bad = await rsvp(protest, { name: '', email: 'not-an-address' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /Enter/);
    // Someone else's email: nothing they learn, and the owner's RSVP is not duplicated.
    const owner = email();
    await rsvp(protest, { name: 'Owner', email: owner });
    assert.equal((await rsvp(protest, { name: 'Stranger', email: owner })).status, 303);
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM rsvps v JOIN supporters s ON s.id = v.supporter_id WHERE s.email = $1', [owner])).rows[0].n, 1);
    // The letter's box sent for a protest with no embassy (no letter alongside): no signature is made.
    const noEmbassy = await seedProtest(t, call, { withRecipient: false });
    const plain = email();
    assert.equal((await rsvp(noEmbassy, { name: 'Plain', email: plain, sign_letter: 'on' })).status, 303);
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM signatures WHERE email = $1', [plain])).rows[0].n, 0);
    // Odd cookies are not looked at (the form needs no token); a post from another site is refused.
    const odd = await request(t.app).post(`/protests/${protest}/rsvp`).set('Cookie', ['csrf=%E0%A4%A; placard_csrf=[object Object]']).type('form').send({ name: 'X', email: email() });
    assert.equal(odd.status, 303, `odd cookies: ${odd.status}`);
    const forged = await request(t.app).post(`/protests/${protest}/rsvp`).set('Sec-Fetch-Site', 'cross-site').type('form').send({ name: 'X', email: email() });
    assert.equal(forged.status, 403);
    // Protest ids that are not.
    for (const id of ['abc', '0', '99999999', '1e3']) {
      const res = await request(t.app).get(`/protests/${id}/thanks`);
      assert.ok(res.status >= 400 && res.status < 500, `${id}: ${res.status}`);
    }
    // The RSVP page with tokens that are not one: another purpose's, a forged one, garbage.
    for (const token of ['1.AAAAAAAAAAAAAAAAAAAAAA', 'garbage', '99999999999.abc']) {
      assert.equal((await request(t.app).get(`/rsvp/${token}`)).status, 404, token);
    }
    // Another purpose's token under the same key (the unsubscribe link of a supporter whose id is an RSVP's) is no RSVP page.
    const rsvpId = (await t.db.pool.query('SELECT v.id FROM rsvps v JOIN supporters s ON s.id = v.supporter_id WHERE s.email = $1', [owner])).rows[0].id;
    const key = deriveUnsubscribeKey(t.config.appSecret ?? (await appSecret(t.db.pool, undefined)));
    assert.equal((await request(t.app).get(`/rsvp/${unsubscribeToken(key, rsvpId)}`)).status, 404);
    // (The RSVP's own token, under the same key, opens its page: the 404 above is the purpose's.)
    assert.equal((await request(t.app).get(`/rsvp/${rsvpToken(key, rsvpId)}`)).status, 200);
    // A signature's confirmation token used as an RSVP's: no RSVP page; its confirmation page speaks of a signature.
    const signatureToken = newToken();
    const sig = await t.db.pool.query("INSERT INTO signatures (action_id, email, name, country) VALUES ($1, $2, 'Signer', 'GB') RETURNING id", [call.actionId, email()]);
    await t.db.pool.query("INSERT INTO confirmation_tokens (token_hash, signature_id, expires_at) VALUES ($1, $2, now() + interval '1 day')", [signatureToken.hash, sig.rows[0].id]);
    assert.equal((await request(t.app).get(`/rsvp/${signatureToken.token}`)).status, 404);
    const signaturePage = await request(t.app).get(`/confirm/${signatureToken.token}`).expect(200);
    assert.match(signaturePage.text, /Confirm my signature/);
    assert.doesNotMatch(signaturePage.text, /RSVP/);
    // The organiser view with a token of the wrong shape.
    assert.equal((await request(t.app).get(`/protests/${protest}/organiser/%00`)).status, 404);
  });

  it("removes a pending RSVP and its signature alongside with 'it wasn't me', and sends a new link for a spent one", async () => {
    const protest = await seedProtest(t, call, {});
    const [victim, other] = [email(), email()];
    await rsvp(protest, { name: 'Impostor', email: victim, sign_letter: 'on' });
    const mail = await mailTo(victim, /confirm your RSVP/);
    const notMe = new URL(cancelLink(mail)).pathname;
    const agent = request.agent(t.app);
    const page = await agent.get(notMe).expect(200);
    assert.match(page.text, /Remove the RSVP/);
    const removed = await agent.post(notMe).type('form').send({ _csrf: csrfTokenIn(page.text) }).expect(200);
    assert.match(removed.text, /The unconfirmed RSVP has been removed/);
    const left = await t.db.pool.query('SELECT (SELECT count(*)::int FROM rsvps v JOIN supporters s ON s.id = v.supporter_id WHERE s.email = $1) AS rsvps, (SELECT count(*)::int FROM signatures WHERE email = $1) AS signatures', [victim]);
    assert.deepEqual(left.rows[0], { rsvps: 0, signatures: 0 });
    // A spent link: the page in an RSVP's words, and a fresh link by email.
    await rsvp(protest, { name: 'Late', email: other });
    const first = await mailTo(other, /confirm your RSVP/);
    await t.db.pool.query("UPDATE confirmation_tokens SET expires_at = now() - interval '1 second' WHERE rsvp_id IS NOT NULL");
    const link = new URL(confirmationLink(first)).pathname;
    const spentAgent = request.agent(t.app);
    const spent = await spentAgent.get(link);
    assert.equal(spent.status, 410);
    assert.match(spent.text, /confirm your RSVP/);
    assert.equal((await spentAgent.post(`${link}/new-link`).type('form').send({ _csrf: csrfTokenIn(spent.text) })).status, 200);
    const fresh = await mailTo(other, /confirm your RSVP/);
    // Cancelled meanwhile: the link's page says so in a protest's words, with the way to the others, and confirms nothing.
    await t.db.pool.query("UPDATE protests SET status = 'cancelled', cancelled_at = now() WHERE id = $1", [protest]);
    const cancelledPage = await request(t.app).get(new URL(confirmationLink(fresh)).pathname);
    assert.equal(cancelledPage.status, 409);
    assert.match(cancelledPage.text, /This protest no longer takes RSVPs/);
    assert.match(cancelledPage.text, new RegExp(`href="/actions/${call.slug}#protest-${protest}"`));
    await t.db.pool.query("UPDATE protests SET status = 'listed', cancelled_at = NULL WHERE id = $1", [protest]);
    assert.equal((await pressButtonBehind(t.app, confirmationLink(fresh))).status, 303);
  });
});
