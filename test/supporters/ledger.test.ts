// One supporter per address across actions, a consent ledger that only a
// confirmed pledge writes to, and a suppression list that outlives the purge.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createMailer, type Mailer } from '../../src/mail/mailer.ts';
import { sendOnce } from '../../src/mail/send-once.ts';
import { suppress, suppressionsOf } from '../../src/mail/suppressions.ts';
import { purgeStaleSignaturesTask } from '../../src/signatures/purge.task.ts';
import { findSupporterByEmail, listConsents, withdrawConsent } from '../../src/supporters/supporters.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, pressButtonBehind, signPetition } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

const log = createLogger('silent');

describe('supporters and their consent', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let other: string;
  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, log);
    const { rows } = await t.db.pool.query<{ slug: string }>("SELECT slug FROM actions WHERE status = 'open' AND slug <> $1 ORDER BY id LIMIT 1", [ACTION]);
    other = rows[0]!.slug;
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  async function signAndConfirm(address: string, fields: Record<string, string>, slug = ACTION) {
    assert.equal((await signPetition(t.app, { email: address, ...fields }, slug)).status, 303);
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    assert.equal((await pressButtonBehind(t.app, confirmationLink(mail!))).status, 303);
    smtp.messages.splice(smtp.messages.indexOf(mail!), 1);
  }

  it('makes one supporter per address, named only once a pledge is confirmed', async () => {
    const address = `aliya.${Date.now()}@example.org`;
    assert.equal((await signPetition(t.app, { email: ` ${address.toUpperCase()} `, name: 'Someone Else' })).status, 303);
    const pending = await findSupporterByEmail(t.db.pool, address);
    assert.ok(pending, 'a supporter for the address');
    assert.equal(pending.name, '', 'what was typed is not their name until the mailbox confirms');
    assert.equal(pending.confirmed_at, null);
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    smtp.messages.length = 0;
    await pressButtonBehind(t.app, confirmationLink(mail!));
    await signAndConfirm(address, { name: 'Aliya Nurlanovna' }, other);
    const supporter = await findSupporterByEmail(t.db.pool, address);
    assert.equal(supporter!.id, pending.id, 'the same supporter for both actions');
    assert.equal(supporter!.name, 'Aliya Nurlanovna');
    assert.ok(supporter!.confirmed_at);
    const { rows } = await t.db.pool.query('SELECT DISTINCT supporter_id FROM signatures WHERE email = $1', [address]);
    assert.deepEqual(rows.map((r) => Number(r.supporter_id)), [Number(supporter!.id)]);
  });

  it('records consent with its words, time and action; a later unticked box withdraws nothing; a withdrawal is kept', async () => {
    const address = `dana.${Date.now()}@example.org`;
    await signAndConfirm(address, { name: 'Dana', wants_updates: 'yes' });
    const supporter = (await findSupporterByEmail(t.db.pool, address))!;
    let ledger = await listConsents(t.db.pool, supporter.id);
    assert.equal(ledger.length, 1);
    assert.equal(ledger[0]!.purpose, 'campaign-updates');
    assert.equal(ledger[0]!.wording, 'Email me updates about this campaign');
    assert.equal(ledger[0]!.source, 'signature');
    assert.equal(ledger[0]!.source_action_slug, ACTION);
    assert.equal(ledger[0]!.withdrawn_at, null);

    await signAndConfirm(address, { name: 'Dana' }, other);
    ledger = await listConsents(t.db.pool, supporter.id);
    assert.equal(ledger.length, 1, 'not ticking the box elsewhere is not a withdrawal');
    assert.equal(ledger[0]!.withdrawn_at, null);

    assert.equal(await withdrawConsent(t.db.pool, supporter.id, 'campaign-updates', 'privacy-page'), true);
    assert.equal(await withdrawConsent(t.db.pool, supporter.id, 'campaign-updates', 'privacy-page'), false, 'twice withdraws nothing more');
    ledger = await listConsents(t.db.pool, supporter.id);
    assert.equal(ledger.length, 1);
    assert.ok(ledger[0]!.withdrawn_at);
    assert.equal(ledger[0]!.withdrawn_via, 'privacy-page');
  });

  it('keeps a supporter who never confirmed only as long as their pending signature, but their suppression for good', async () => {
    const address = `typed.by.someone.${Date.now()}@example.org`;
    await signPetition(t.app, { email: address });
    await suppress(t.db.pool, address, 'unsubscribe');
    // Long past every link and the grace: the purge takes signature and supporter.
    await t.db.pool.query("UPDATE signatures SET last_notice_at = now() - interval '400 days', created_at = now() - interval '400 days' WHERE email = $1", [address]);
    await t.db.pool.query("UPDATE confirmation_tokens SET expires_at = now() - interval '400 days' WHERE signature_id IN (SELECT id FROM signatures WHERE email = $1)", [address]);
    await t.db.pool.query("UPDATE supporters SET created_at = now() - interval '400 days' WHERE email = $1", [address]);
    await purgeStaleSignaturesTask.run({ config: t.config } as never, t.db.pool);
    assert.equal(await findSupporterByEmail(t.db.pool, address), undefined);
    assert.deepEqual((await suppressionsOf(t.db.pool, address)).map((s) => s.reason), ['unsubscribe']);
  });

  describe('the suppression list, for every email', () => {
    let mailer: Mailer;
    before(() => {
      mailer = createMailer({ smtpUrl: smtp.url, from: 'Placard <p@placard.test>', dataDir: 'data/test-mail', log });
    });
    after(() => mailer.close());
    const deps = () => ({ db: t.db.pool, mailer, log, baseUrl: t.config.baseUrl });
    const compose = (address: string) => async () => ({ to: { name: '', address }, subject: 'A test', html: '<p>Hi</p>', text: 'Hi' });

    it('stops updates to an address for any reason, and what was asked for only after a complaint', async () => {
      const address = `left.${Date.now()}@example.org`;
      await suppress(t.db.pool, address, 'unsubscribe');
      assert.equal(await sendOnce(deps(), { key: `t1:${address}`, template: 't', purpose: 'updates' }, compose(address)), 'suppressed');
      assert.equal(await sendOnce(deps(), { key: `t2:${address}`, template: 't' }, compose(address)), 'sent');
      await suppress(t.db.pool, address, 'complaint');
      assert.equal(await sendOnce(deps(), { key: `t3:${address}`, template: 't' }, compose(address)), 'suppressed');
      assert.equal(smtp.messages.filter((m) => m.envelopeTo.includes(address)).length, 1);
    });

    it('records a permanent refusal at send time as a bounce, which a confirmation from the mailbox lifts', async () => {
      const address = `gone.${Date.now()}@example.org`;
      smtp.refuseNext(550, `5.1.1 <${address}>: user unknown`);
      assert.equal(await sendOnce(deps(), { key: `b1:${address}`, template: 't' }, compose(address)), 'failed');
      const [bounce] = await suppressionsOf(t.db.pool, address);
      assert.equal(bounce!.reason, 'bounce');
      assert.match(bounce!.detail, /^550 /);
      assert.ok(!bounce!.detail.includes(address), 'the reply is kept without the address');
      assert.equal(await sendOnce(deps(), { key: `b2:${address}`, template: 't', purpose: 'updates' }, compose(address)), 'suppressed');
      await signAndConfirm(address, { name: 'Back Again' });
      assert.deepEqual(await suppressionsOf(t.db.pool, address), []);
    });
  });
});
