// Review of issue 11: a stranger RSVPs someone else's address first, ticking
// "share my name and email with the local organiser", "updates" and "sign the
// letter to the embassy". The owner of the address then RSVPs themselves with
// every box unticked and confirms the link they get. Their choices must be
// theirs: the local organiser must not get their email, and no letter to the
// embassy may be signed with their address.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { openForm, pressButtonBehind } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer, type ReceivedMail } from '../helpers/smtp.ts';
import { seedCall, seedProtest, type SeededCall } from '../protests/rsvp-seed.ts';

describe('review 11: choices forged by whoever RSVPed an address first', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let call: SeededCall;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000', SIGN_MIN_SECONDS: '0' } });
    call = await seedCall(t, 'review11-forged');
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  async function rsvp(protestId: number, fields: Record<string, string>) {
    const agent = request.agent(t.app);
    const csrf = await openForm(agent, `/actions/${call.slug}`);
    return agent.post(`/protests/${protestId}/rsvp`).type('form').send({ _csrf: csrf, ...fields });
  }
  const mails = (address: string) => smtp.messages.filter((m: ReceivedMail) => m.envelopeTo.includes(address) && /confirm your RSVP/.test(m.subject ?? ''));

  it("the owner's own unticked boxes win over a stranger's earlier ticks", async () => {
    const protest = await seedProtest(t, call, {});
    const victim = 'victim-forged@example.org';
    // The stranger, first.
    assert.equal((await rsvp(protest, { name: 'Dana', email: victim, share_with_organiser: 'on', wants_updates: 'on', sign_letter: 'on' })).status, 303);
    await smtp.waitFor((m) => m.envelopeTo.includes(victim));
    // The owner, with nothing ticked, then confirms the newest link.
    assert.equal((await rsvp(protest, { name: 'Dana', email: victim })).status, 303);
    await smtp.waitFor(() => mails(victim).length >= 2);
    const newest = mails(victim).at(-1)!;
    assert.equal((await pressButtonBehind(t.app, confirmationLink(newest))).status, 303);
    const { rows } = await t.db.pool.query(
      `SELECT v.share_with_organiser, v.wants_updates, v.signature_id, v.confirmed_at
       FROM rsvps v JOIN supporters s ON s.id = v.supporter_id WHERE s.email = $1`, [victim]);
    assert.ok(rows[0].confirmed_at, 'confirmed');
    assert.equal(rows[0].share_with_organiser, false, "the email is shared with the local organiser though its owner did not tick the box");
    assert.equal(rows[0].wants_updates, false, 'updates consent the owner never gave');
    assert.equal(rows[0].signature_id, null, 'a letter to the embassy signed with an address whose owner did not tick the box');
    const signed = await t.db.pool.query('SELECT count(*)::int AS n FROM signatures WHERE email = $1 AND confirmed_at IS NOT NULL', [victim]);
    assert.equal(signed.rows[0].n, 0);
  });
});
