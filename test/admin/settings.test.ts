// Campaign settings: what organisers set is shown in every page's header and
// footer, on /privacy and in every email (From and footer); every instance
// sees a change within the cache's lifetime, the saving instance at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/app.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { CAMPAIGN_CACHE_MS, DEFAULT_CAMPAIGN_NAME, getCampaign, saveCampaign, type CampaignSettings } from '../../src/settings/campaign.ts';
import { parseSettingsForm } from '../../src/settings/settings.schema.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signIn } from '../helpers/admin.ts';
import { createTestPool } from '../helpers/db.ts';
import { signPetition } from '../helpers/forms.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const FREE_ZHANAOZEN: CampaignSettings = {
  name: 'Free Zhanaozen',
  contactEmail: 'contact@free-zhanaozen.example',
  senderName: '',
  privacyNotice: '## Our promise\n\nWe keep **only** what you type, and the organisers of Free Zhanaozen read it.',
};

describe('campaign settings', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let organiserId: number;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, MAIL_FROM: 'Placard <campaign@placard.test>', RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
    organiserId = (await t.db.pool.query("INSERT INTO organisers (email, name, role) VALUES ('admin@placard.test', 'Ada', 'admin') RETURNING id")).rows[0].id;
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  it('names the site "Placard", with no contact and the default privacy notice, before anyone saves', async () => {
    const home = await request(t.app).get('/').expect(200);
    assert.match(home.text, /<a class="site-name" href="\/">Placard<\/a>/);
    assert.match(home.text, /<a href="\/privacy">Privacy notice<\/a>/);
    assert.doesNotMatch(home.text, /mailto:/);
    const privacy = await request(t.app).get('/privacy').expect(200);
    // Honest about what is kept: every field of the form, the IP's keyed hash, the purge, who sees what.
    for (const fact of [/name/, /email address/, /country/, /town/, /comment/, /name to be shown/, /receive updates/, /keyed hash of your IP address/, /fraudulent signatures in bulk/, /confirm your signature/, /never confirmed is deleted/, /organisers/, /name, town, country and date/]) {
      assert.match(privacy.text, fact);
    }
    assert.equal((await getCampaign(t.db.pool)).name, DEFAULT_CAMPAIGN_NAME);
  });

  it('shows saved values in the header, the footer and on /privacy, on the saving instance at once', async () => {
    await saveCampaign(t.db.pool, organiserId, FREE_ZHANAOZEN);
    const home = await request(t.app).get('/').expect(200);
    assert.match(home.text, /<title>Free Zhanaozen<\/title>/);
    assert.match(home.text, /<a class="site-name" href="\/">Free Zhanaozen<\/a>/);
    assert.match(home.text, /<footer[\s\S]*Free Zhanaozen[\s\S]*href="mailto:contact@free-zhanaozen.example"[\s\S]*href="\/privacy"[\s\S]*<\/footer>/);
    const privacy = await request(t.app).get('/privacy').expect(200);
    // The posts' Markdown pipeline: the page's <h1>, the notice's headings below it.
    assert.match(privacy.text, /<h1>Privacy notice<\/h1>/);
    assert.match(privacy.text, /<h2 id="section_our-promise">Our promise<\/h2>/);
    assert.match(privacy.text, /We keep <strong>only<\/strong> what you type/);
    assert.doesNotMatch(privacy.text, /keyed hash/, 'the campaign\'s own notice replaces the default');
  });

  it('records the change in the audit log, with the fields before and after', async () => {
    const { rows } = await t.db.pool.query("SELECT organiser_id, before, after FROM audit_log WHERE event = 'settings.update' ORDER BY id DESC LIMIT 1");
    assert.equal(rows[0].organiser_id, organiserId);
    assert.deepEqual(rows[0].before, { name: 'Placard', contactEmail: '', privacyNotice: '' });
    assert.deepEqual(rows[0].after, { name: 'Free Zhanaozen', contactEmail: FREE_ZHANAOZEN.contactEmail, privacyNotice: FREE_ZHANAOZEN.privacyNotice });
  });

  it('sends the confirmation email from the campaign, with its name, contact and privacy notice in the footer', async () => {
    const address = 'settings-mail@example.org';
    assert.equal((await signPetition(t.app, { email: address })).status, 303);
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    // The sender name defaults to the campaign's name; the address stays MAIL_FROM's.
    assert.deepEqual(mail!.from?.value, [{ name: 'Free Zhanaozen', address: 'campaign@placard.test' }]);
    for (const part of [mail!.text ?? '', String(mail!.html)]) {
      assert.match(part, /You receive this email from Free Zhanaozen/);
      assert.match(part, /contact@free-zhanaozen\.example/);
      assert.match(part, /http:\/\/placard\.test\/privacy/);
    }
    assert.doesNotMatch(mail!.text ?? '', /Placard/, 'the text part names no other site');
  });

  it('uses the sender name when one is set', async () => {
    await saveCampaign(t.db.pool, organiserId, { ...FREE_ZHANAOZEN, senderName: 'Жанаозен: свободу!' });
    const address = 'sender-name@example.org';
    assert.equal((await signPetition(t.app, { email: address })).status, 303);
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    assert.deepEqual(mail!.from?.value, [{ name: 'Жанаозен: свободу!', address: 'campaign@placard.test' }]);
  });

  it('shows a change to another instance within the cache lifetime', async () => {
    // A second instance: its own app and its own pool over the same database.
    const pool = createTestPool(t.db.url);
    try {
      const other = createApp({ config: t.config, db: pool, log: t.log, queue: t.queue, secret: t.config.appSecret!, health: { databaseAnswers: async () => true } });
      assert.match((await request(other).get('/').expect(200)).text, /site-name" href="\/">Free Zhanaozen</);
      const savedAt = Date.now();
      await saveCampaign(t.db.pool, organiserId, { ...FREE_ZHANAOZEN, name: 'Solidarity with Zhanaozen' });
      assert.match((await request(t.app).get('/').expect(200)).text, /site-name" href="\/">Solidarity with Zhanaozen</, 'the saving instance at once');
      for (;;) {
        const text = (await request(other).get('/').expect(200)).text;
        if (/site-name" href="\/">Solidarity with Zhanaozen</.test(text)) break;
        assert.match(text, /site-name" href="\/">Free Zhanaozen</, 'the other instance shows the old name until it refreshes');
        assert.ok(Date.now() - savedAt < CAMPAIGN_CACHE_MS + 1000, `the other instance showed the change within ${CAMPAIGN_CACHE_MS} ms`);
        await sleep(200);
      }
    } finally {
      await pool.end();
    }
  });

  it('keeps the last values read while the database does not answer, and asks once per lifetime', async () => {
    let queries = 0;
    let down = false;
    const db = {
      query: async (...args: unknown[]) => {
        queries++;
        if (down) throw new Error('connection refused');
        return (t.db.pool.query as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    } as unknown as typeof t.db.pool;
    const start = Date.now();
    const first = await getCampaign(db, start);
    await Promise.all([getCampaign(db, start + 1), getCampaign(db, start + 2)]);
    assert.equal(queries, 1, 'one query within the lifetime');
    down = true;
    const stale = await getCampaign(db, start + CAMPAIGN_CACHE_MS + 1);
    assert.equal(stale.name, first.name, 'the last values read, not an error');
    assert.equal(queries, 2);
  });

  it('refuses a contact email that is not an address, naming the field', () => {
    for (const contact_email of ['not an address', 'a@', '@b.example', 'x@y@z.example']) {
      assert.throws(() => parseSettingsForm({ name: 'X', contact_email }), (error: { fields?: Record<string, string> }) => error.fields?.contact_email === 'admin.settings.errors.email', contact_email);
    }
    assert.equal(parseSettingsForm({ name: 'X', contact_email: ' Contact@Example.org ' }).contactEmail, 'contact@example.org');
    assert.equal(parseSettingsForm({ name: 'X', contact_email: '' }).contactEmail, '');
  });

  it('refuses a name with a line break (it goes into every email\'s From header), an empty name, and repeated fields', () => {
    const fieldsOf = (body: unknown) => {
      try {
        parseSettingsForm(body);
        return {};
      } catch (error) {
        return (error as { fields: Record<string, string> }).fields;
      }
    };
    assert.equal(fieldsOf({ name: 'Free\r\nBcc: x@evil.example' }).name, 'admin.settings.errors.invalidCharacters');
    assert.equal(fieldsOf({ name: '   ' }).name, 'admin.settings.errors.required');
    assert.equal(fieldsOf({}).name, 'admin.settings.errors.required');
    assert.equal(fieldsOf({ name: ['a', 'b'] }).name, 'admin.settings.errors.invalid');
    assert.equal(fieldsOf({ name: 'X', sender_name: 'a\u202Eb' }).sender_name, 'admin.settings.errors.invalidCharacters');
    assert.equal(fieldsOf({ name: 'X', privacy_notice: 'x'.repeat(50_001) }).privacy_notice, 'admin.settings.errors.tooLong');
  });

  describe('the settings page', () => {
    it('is for admins only: an organiser gets 403, reading or saving', async () => {
      const { agent } = await signIn(t, { role: 'organiser' });
      await agent.get('/admin/settings').expect(403);
      const token = await csrfToken(agent, '/admin/account');
      await agent.post('/admin/settings').type('form').send({ _csrf: token, name: 'Taken over' }).expect(403);
      assert.notEqual((await getCampaign(t.db.pool)).name, 'Taken over');
    });

    it('saves what an admin types, and the footer and /privacy show it', async () => {
      const { agent, organiser } = await signIn(t, { role: 'admin' });
      const page = await agent.get('/admin/settings').expect(200);
      assert.match(page.text, /<label for="settings-contact-email">/);
      const token = await csrfToken(agent, '/admin/settings');
      const res = await agent.post('/admin/settings').type('form').send({
        _csrf: token, name: 'Justice for Zhanaozen', contact_email: 'hello@justice.example', sender_name: '', privacy_notice: 'We keep *little*.',
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/admin/settings?done=saved');
      const home = await request(t.app).get('/').expect(200);
      assert.match(home.text, /<footer[\s\S]*Justice for Zhanaozen[\s\S]*mailto:hello@justice.example[\s\S]*<\/footer>/);
      assert.match((await request(t.app).get('/privacy').expect(200)).text, /We keep <em>little<\/em>\./);
      const { rows } = await t.db.pool.query("SELECT organiser_id FROM audit_log WHERE event = 'settings.update' ORDER BY id DESC LIMIT 1");
      assert.equal(rows[0].organiser_id, organiser.id);
    });

    it('answers a contact email that is not an address with 422 and the message beside the field', async () => {
      const { agent } = await signIn(t, { role: 'admin' });
      const before = await getCampaign(t.db.pool);
      // The token first: the agent sends the cookies it holds when the request is made.
      const token = await csrfToken(agent, '/admin/settings');
      const res = await agent.post('/admin/settings').type('form').send({ _csrf: token, name: 'Changed', contact_email: 'write to us' });
      assert.equal(res.status, 422);
      assert.match(res.text, /id="settings-contact-email"[^>]*value="write to us"[^>]*aria-describedby="settings-contact-email-hint settings-contact-email-error" aria-invalid="true"/);
      assert.match(res.text, /<p class="field-error" id="settings-contact-email-error">Please enter an email address/);
      assert.equal((await getCampaign(t.db.pool)).name, before.name, 'nothing was saved');
      // Repeated fields and an empty body are bad forms too, not errors of ours.
      for (const body of [{ name: ['a', 'b'] }, {}]) {
        const again = await agent.post('/admin/settings').type('form').send({ _csrf: token, ...body });
        assert.equal(again.status, 422, again.text.slice(0, 3000));
      }
    });
  });
});
