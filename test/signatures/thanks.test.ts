// The thank-you page counts the supporter's own signature at once, in the HTML
// itself (no JavaScript, no waiting for the count round), and offers a link to
// copy and the next open action.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { updateCounts } from '../../src/actions/counts.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, pressButtonBehind, signPetition } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

describe('the thank-you page', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await new TestSmtpServer().start();
    // An hour between count rounds: whatever the page shows, it did not get from a round.
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, COUNT_INTERVAL_MS: '3600000', RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  const shownCount = (html: string) => Number(/data-count-value="(\d+)"/.exec(html)?.[1]);

  it('counts the supporter\'s own signature at once, before any count round', async () => {
    await updateCounts(t.db.pool);
    const before = shownCount((await request(t.app).get(`/actions/${ACTION}`).expect(200)).text);
    for (const name of ['Aigerim Sarsenova', 'Dana Bekova']) {
      const address = `${name.split(' ')[0]!.toLowerCase()}.${Date.now()}@example.org`;
      assert.equal((await signPetition(t.app, { email: address, name })).status, 303);
      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
      assert.equal((await pressButtonBehind(t.app, confirmationLink(mail!))).status, 303);
    }
    const counted = await t.db.pool.query('SELECT signature_count FROM action_counts a JOIN actions x ON x.id = a.action_id WHERE x.slug = $1', [ACTION]);
    assert.equal(counted.rows[0].signature_count, before, 'no count round has run');
    const thanks = await request(t.app).get(`/actions/${ACTION}/thanks`).expect(200);
    assert.equal(shownCount(thanks.text), before + 2);
    // The action page itself may lag (it is the count round's number), but never shows more.
    assert.ok(shownCount((await request(t.app).get(`/actions/${ACTION}`).expect(200)).text) <= before + 2);
  });

  it('offers the link to copy and the next open action', async () => {
    const thanks = await request(t.app).get(`/actions/${ACTION}/thanks`).expect(200);
    assert.match(thanks.text, new RegExp(`<input id="share-url" type="url" value="http://placard.test/actions/${ACTION}" readonly>`));
    const next = /<h2>What next\?<\/h2>\s*<p><a href="\/actions\/([a-z0-9-]+)">/.exec(thanks.text);
    assert.ok(next, 'a next action');
    assert.notEqual(next[1], ACTION);
    const page = await request(t.app).get(`/actions/${next[1]}`).expect(200);
    assert.match(page.text, /<form/);
  });
});
