// The demo's protest call: the Zhanaozen anniversary with protests at the six
// demo embassies, each on 16 December of the year after the demo loads, at a
// local hour of its own zone, with the embassy it writes to; a letter on the
// call routed by country among those embassies; loaded once per site, on its
// own flag, so an existing site gets it once and a deleted call stays deleted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { compileLetterTemplate } from '../../src/letters/template.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const SLUG = 'zhanaozen-anniversary-protests';
const silent = createLogger('silent');

describe('the demo protest call', () => {
  let t: TestApp;

  const protests = async () =>
    (await t.db.pool.query(
      `SELECT p.country, p.city, p.status, p.starts_at, p.ends_at, p.time_zone, p.capacity, p.accessibility, p.address, r.name AS embassy, r.country AS embassy_country, r.demo
       FROM protests p JOIN actions a ON a.id = p.action_id LEFT JOIN recipients r ON r.id = p.recipient_id WHERE a.slug = $1 ORDER BY p.country`,
      [SLUG],
    )).rows;

  before(async () => {
    t = await createTestApp();
    // 1 December 2026: the call is for 16 December 2027.
    assert.equal(await loadDemoContent(t.db.pool, silent, new Date('2026-12-01T10:00:00Z')), true);
  });
  after(() => t.close());

  it('calls protests at the six embassies, on 16 December of the next year, at local hours in their own zones', async () => {
    const call = (await t.db.pool.query("SELECT c.day::text AS day, c.time_zone, c.proposals_open, a.kind, a.status FROM protest_calls c JOIN actions a ON a.id = c.action_id WHERE a.slug = $1", [SLUG])).rows[0];
    assert.deepEqual(call, { day: '2027-12-16', time_zone: 'Asia/Almaty', proposals_open: true, kind: 'protest_call', status: 'open' });
    const rows = await protests();
    assert.deepEqual(rows.map((r) => `${r.country} ${r.city}`), ['BE Brussels', 'DE Berlin', 'FR Paris', 'GB London', 'RU Moscow', 'US Washington']);
    const starts = Object.fromEntries(rows.map((r) => [r.country, (r.starts_at as Date).toISOString()]));
    // Noon in London (GMT) and Washington (EST, UTC-5); 13:00 in Berlin (CET); noon in Moscow (UTC+3); Paris after work.
    assert.equal(starts.GB, '2027-12-16T12:00:00.000Z');
    assert.equal(starts.US, '2027-12-16T17:00:00.000Z');
    assert.equal(starts.DE, '2027-12-16T12:00:00.000Z');
    assert.equal(starts.RU, '2027-12-16T09:00:00.000Z');
    assert.equal(starts.FR, '2027-12-16T17:00:00.000Z');
    for (const r of rows) {
      assert.equal(r.status, 'listed');
      assert.ok((r.ends_at as Date) > (r.starts_at as Date));
      assert.ok(r.accessibility.length > 0, `${r.city} has an accessibility note`);
      // At the demo embassy of its own country, marked demo, at the demo address.
      assert.equal(r.embassy, `Embassy of the Republic of Kazakhstan in ${r.city}`);
      assert.equal(r.embassy_country, r.country);
      assert.equal(r.demo, true);
      assert.equal(r.address, `1 Demo Street, ${r.city}`);
    }
    const capped = rows.filter((r) => r.capacity !== null);
    assert.ok(capped.length >= 1 && capped.length <= 2, 'a capacity on one or two');
  });

  it('carries a letter to each embassy, routed by country among those six, with templates the letters accept', async () => {
    const letter = (await t.db.pool.query('SELECT l.routing, l.fallback_recipient_id, l.subject_template, l.body_template FROM letters l JOIN actions a ON a.id = l.action_id WHERE a.slug = $1', [SLUG])).rows[0];
    assert.equal(letter.routing, 'by_country');
    assert.doesNotThrow(() => compileLetterTemplate(letter.subject_template, 'subject'));
    assert.doesNotThrow(() => compileLetterTemplate(letter.body_template, 'body'));
    const recipients = (await t.db.pool.query('SELECT r.country FROM letter_recipients lr JOIN recipients r ON r.id = lr.recipient_id JOIN actions a ON a.id = lr.action_id WHERE a.slug = $1 ORDER BY r.country', [SLUG])).rows.map((r) => r.country);
    assert.deepEqual(recipients, ['BE', 'DE', 'FR', 'GB', 'RU', 'US']);
  });

  it('shows on its page, the supporter\'s country first, with the letter to that embassy', async () => {
    const res = await request(t.app).get(`/actions/${SLUG}`).set('Accept-Language', 'en-GB').expect(200);
    assert.match(res.text, /Day of action: 16 December 2027/);
    assert.ok(res.text.indexOf('id="protests-GB"') < res.text.indexOf('id="protests-BE"'), 'the United Kingdom first');
    for (const code of ['BE', 'DE', 'FR', 'GB', 'RU', 'US']) assert.match(res.text, new RegExp(`id="protests-${code}"`));
    assert.match(res.text, /As it goes to the Embassy of the Republic of Kazakhstan in London/);
    assert.match(res.text, /Dear Ambassador,/);
  });

  it('is on its post and the list of actions as a way to its protests, with no count or sign form of its own', async () => {
    const post = (await request(t.app).get('/posts/zhanaozen-massacre-third-anniversary').expect(200)).text;
    const start = post.indexOf(`aria-labelledby="action-${SLUG}-title"`);
    assert.ok(start >= 0, 'the post shows the call');
    const card = post.slice(start, post.indexOf('</section>', start));
    assert.match(card, new RegExp(`<a href="/actions/${SLUG}#protests">Find a protest near you</a>`));
    assert.doesNotMatch(card, /sign-form|data-count-url/);
    const list = (await request(t.app).get('/actions').expect(200)).text;
    const item = list.slice(list.indexOf(`<h2><a href="/actions/${SLUG}">`), list.indexOf('</li>', list.indexOf(`<h2><a href="/actions/${SLUG}">`)));
    assert.match(item, new RegExp(`<a href="/actions/${SLUG}#protests">Find a protest near you</a>`));
    assert.doesNotMatch(item, /data-count-url/);
  });

  it('loads once: again it adds nothing; an existing site gets it once; a deleted call stays deleted', async () => {
    assert.equal(await loadDemoContent(t.db.pool, silent, new Date('2027-12-20T10:00:00Z')), false);
    assert.equal((await protests()).length, 6);
    assert.equal((await t.db.pool.query("SELECT count(*)::int AS n FROM actions WHERE kind = 'protest_call'")).rows[0].n, 1);
    // A site that had the demo before protest calls existed: its flag is new, so it gets the call once.
    await t.db.pool.query('DELETE FROM actions WHERE slug = $1', [SLUG]);
    await t.db.pool.query("DELETE FROM settings WHERE key = 'demo_protests_loaded'");
    await loadDemoContent(t.db.pool, silent, new Date('2027-12-20T10:00:00Z'));
    const again = await protests();
    assert.equal(again.length, 6);
    assert.equal((again[0]!.starts_at as Date).getUTCFullYear(), 2028, 'the next 16 December from then');
    // The organisers delete it: it stays deleted.
    await t.db.pool.query('DELETE FROM actions WHERE slug = $1', [SLUG]);
    await loadDemoContent(t.db.pool, silent);
    assert.equal((await protests()).length, 0);
  });
});
