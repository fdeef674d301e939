// "This link has expired — send me a new one": one tap on the expired link's
// page sends a fresh link to the address that signed, within the same bound as
// signing again, and says the same whatever happened.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfTokenIn, pressButtonBehind, signPetition } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

describe('a new link for an expired one', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000', CONFIRMATION_MAX_RESENDS: '2' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  const mailsTo = (address: string) => smtp.messages.filter((m) => m.envelopeTo.includes(address));
  const expireLinksOf = (address: string) =>
    t.db.pool.query("UPDATE confirmation_tokens SET expires_at = now() - interval '1 minute' WHERE signature_id IN (SELECT id FROM signatures WHERE email = $1)", [address]);

  /** Opens the spent link's page and presses "Send me a new link". */
  async function askForNewLink(link: string) {
    const agent = request.agent(t.app);
    const page = await agent.get(new URL(link).pathname).expect(410);
    assert.match(page.text, /This link has expired/);
    const form = /<form method="post" action="([^"]+\/new-link)">/.exec(page.text);
    assert.ok(form, 'a button for a new link');
    const sent = await agent.post(form[1]!).type('form').send({ _csrf: csrfTokenIn(page.text) }).expect(200);
    assert.match(sent.text, /a new link is on its way/);
    assert.doesNotMatch(sent.text, /@example\.org/, 'the address is not shown');
  }

  it('sends a fresh link that confirms the signature as it was typed', async () => {
    const address = `late.${Date.now()}@example.org`;
    await signPetition(t.app, { email: address, name: 'Late Reader' });
    const [first] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    await expireLinksOf(address);
    await askForNewLink(confirmationLink(first!));
    await smtp.waitFor(() => mailsTo(address).length === 2);
    const fresh = confirmationLink(mailsTo(address)[1]!);
    assert.notEqual(fresh, confirmationLink(first!));
    assert.equal((await pressButtonBehind(t.app, fresh)).status, 303);
    const { rows } = await t.db.pool.query('SELECT name, confirmed_at FROM signatures WHERE email = $1', [address]);
    assert.equal(rows[0].name, 'Late Reader');
    assert.ok(rows[0].confirmed_at);
    // The old link now says it is confirmed, and sends nothing more.
    const old = await request(t.app).get(new URL(confirmationLink(first!)).pathname).expect(200);
    assert.match(old.text, /already confirmed/);
  });

  it('stops at the bound of notices, saying the same', async () => {
    const address = `many.${Date.now()}@example.org`;
    await signPetition(t.app, { email: address });
    const [first] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    const link = confirmationLink(first!);
    await expireLinksOf(address);
    // One notice went out; CONFIRMATION_MAX_RESENDS=2 allows two more.
    for (let i = 0; i < 4; i++) await askForNewLink(link);
    await smtp.waitFor(() => mailsTo(address).length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(mailsTo(address).length, 3);
  });

  it('turns away a garbled or unknown token with a page, never a 500', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/privacy');
    const csrf = csrfTokenIn(page.text);
    await agent.post(`/confirm/${'B'.repeat(43)}/new-link`).type('form').send({ _csrf: csrf }).expect(404);
    await agent.post('/confirm/garbage/new-link').type('form').send({ _csrf: csrf }).expect(404);
    await request(t.app).post(`/confirm/${'B'.repeat(43)}/new-link`).type('form').send({}).expect(403);
  });
});
