// Deadlines: signing closes at an action's deadline, but a signature made
// before it can still be confirmed (within its link's lifetime) and counts.
// Time is moved by updating timestamps, never by sleeping.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import request from 'supertest';
import { updateCounts } from '../../src/actions/counts.ts';
import { loadConfig } from '../../src/config.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, openForm, pressButtonBehind, signPetition } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer, type ReceivedMail } from '../helpers/smtp.ts';

describe('deadlines', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let seq = 0;
  const email = () => `deadline${++seq}@example.org`;

  /** An open petition without a post, its deadline an hour away. */
  async function actionClosingInAnHour(slug: string) {
    await t.db.pool.query("INSERT INTO actions (kind, slug, title, status, deadline) VALUES ('petition', $1, 'Closing', 'open', now() + interval '1 hour')", [slug]);
  }
  /** Signs and waits for the confirmation email. */
  async function signAndReceive(slug: string, address = email()): Promise<ReceivedMail> {
    assert.equal((await signPetition(t.app, { email: address }, slug)).status, 303);
    const mails = await smtp.waitFor((m) => m.envelopeTo.includes(address), smtp.to(address).length + 1);
    return mails.at(-1)!;
  }
  /** Two hours pass for what was signed on `slug` so far: its deadline, an hour ahead when it was signed, is now an hour ago. */
  async function twoHoursPass(slug: string) {
    await t.db.pool.query("UPDATE signatures SET created_at = created_at - interval '2 hours' WHERE action_id = (SELECT id FROM actions WHERE slug = $1)", [slug]);
    await t.db.pool.query(
      "UPDATE signature_submissions sub SET created_at = sub.created_at - interval '2 hours' FROM signatures s WHERE s.id = sub.signature_id AND s.action_id = (SELECT id FROM actions WHERE slug = $1)",
      [slug],
    );
    await t.db.pool.query("UPDATE actions SET deadline = deadline - interval '2 hours' WHERE slug = $1", [slug]);
  }
  const countJson = async (slug: string) => (await request(t.app).get(`/actions/${slug}/count.json`).expect(200)).body as { count: number; status: string };

  before(async () => {
    smtp = await new TestSmtpServer().start();
    // The count loop is slowed to an hour: only the rounds a test runs count.
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, RATE_LIMIT_SIGN_PER_MINUTE: '1000', COUNT_INTERVAL_MS: '3600000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });
  beforeEach(() => {
    smtp.messages.length = 0;
  });

  it('confirms a signature made before the deadline after it has passed, and counts it', async () => {
    await actionClosingInAnHour('last-minute');
    const mail = await signAndReceive('last-minute');
    await updateCounts(t.db.pool);
    assert.equal((await countJson('last-minute')).count, 0);
    await twoHoursPass('last-minute');

    const page = await request(t.app).get(new URL(confirmationLink(mail)).pathname).expect(200);
    assert.match(page.text, /<form method="post"/, 'the button is there');
    const confirmed = await pressButtonBehind(t.app, confirmationLink(mail));
    assert.equal(confirmed.status, 303);
    await updateCounts(t.db.pool);
    assert.equal((await countJson('last-minute')).count, 1, 'a confirmation since the last count recounts an action past its deadline');

    // The reconciliation does not skip it either: a drifted count, nothing confirmed since, is put right.
    await t.db.pool.query("UPDATE signatures SET confirmed_at = now() - interval '10 minutes' WHERE action_id = (SELECT id FROM actions WHERE slug = 'last-minute')");
    await t.db.pool.query("UPDATE action_counts SET signature_count = 999, counted_at = now() - interval '5 minutes' WHERE action_id = (SELECT id FROM actions WHERE slug = 'last-minute')");
    await updateCounts(t.db.pool);
    assert.equal((await countJson('last-minute')).count, 1);
  });

  it('judges a link by when its own submission was sent', async () => {
    await actionClosingInAnHour('judged-by-submission');
    const address = email();
    const early = await signAndReceive('judged-by-submission', address);
    await twoHoursPass('judged-by-submission');
    // A second submission stamped after the deadline, with its link (as a clock a little ahead could make).
    await t.db.pool.query("UPDATE actions SET deadline = now() + interval '1 minute' WHERE slug = 'judged-by-submission'");
    const late = await signAndReceive('judged-by-submission', address);
    await t.db.pool.query("UPDATE actions SET deadline = now() - interval '1 second' WHERE slug = 'judged-by-submission'");
    await t.db.pool.query(
      "UPDATE signature_submissions sub SET created_at = now() FROM signatures s WHERE s.id = sub.signature_id AND s.email = $1 AND sub.created_at > now() - interval '1 hour'",
      [address],
    );

    const refused = await request(t.app).get(new URL(confirmationLink(late)).pathname);
    assert.equal(refused.status, 409);
    assert.match(refused.text, /closed and no longer takes signatures/);
    assert.equal((await pressButtonBehind(t.app, confirmationLink(early))).status, 303, 'the link sent before the deadline works');
  });

  it('refuses signing after the deadline, even from a page opened before it', async () => {
    await actionClosingInAnHour('signing-closes');
    const agent = request.agent(t.app);
    const token = await openForm(agent, '/actions/signing-closes');
    // (Nobody signs before: moving a deadline by hand, like closing by hand, takes
    // effect within the second the signing route remembers an open action.)
    await t.db.pool.query("UPDATE actions SET deadline = now() - interval '1 second' WHERE slug = 'signing-closes'");
    const late = await agent.post('/actions/signing-closes/signatures').type('form').send({ _csrf: token, name: 'Late', email: 'late@example.org', country: 'KZ' });
    assert.equal(late.status, 409);
    assert.match(late.text, /closed and no longer takes signatures/);
    const { rows } = await t.db.pool.query("SELECT count(*)::int AS n FROM signatures WHERE email = 'late@example.org'");
    assert.equal(rows[0].n, 0);
    // Nor with a token from another page.
    const stranger = request.agent(t.app);
    const other = await openForm(stranger, `/actions/${ACTION}`);
    assert.equal((await stranger.post('/actions/signing-closes/signatures').type('form').send({ _csrf: other, name: 'L', email: 'later@example.org', country: 'KZ' })).status, 409);
  });

  it('shows an action closed once its deadline has passed: count.json, its page, its post', async () => {
    const author = (await t.db.pool.query("INSERT INTO authors (slug, name) VALUES ('timekeeper', 'Timekeeper') RETURNING id")).rows[0].id;
    const post = await t.db.pool.query(
      "INSERT INTO posts (slug, title, author_id, status, published_at) VALUES ('a-post-with-a-deadline', 'With a deadline', $1, 'published', now() - interval '1 day') RETURNING id",
      [author],
    );
    await t.db.pool.query(
      "INSERT INTO actions (post_id, kind, slug, title, status, deadline) VALUES ($1, 'petition', 'past-its-deadline', 'Past its deadline', 'open', now() + interval '1 hour')",
      [post.rows[0].id],
    );
    assert.equal((await countJson('past-its-deadline')).status, 'open');
    await t.db.pool.query("UPDATE actions SET deadline = now() - interval '1 second' WHERE slug = 'past-its-deadline'");
    assert.equal((await countJson('past-its-deadline')).status, 'closed');
    for (const path of ['/actions/past-its-deadline', '/posts/a-post-with-a-deadline']) {
      const page = await request(t.app).get(path).expect(200);
      assert.match(page.text, /<div class="action-result action-closed">/, path);
      assert.match(page.text, /This action is closed and no longer takes signatures/, path);
      assert.doesNotMatch(page.text, /class="sign-form"/, path);
      assert.doesNotMatch(page.text, /Signatures close on/, path);
    }
    // Won stays won, whatever the deadline.
    await t.db.pool.query("UPDATE actions SET status = 'won' WHERE slug = 'past-its-deadline'");
    assert.equal((await countJson('past-its-deadline')).status, 'won');
    assert.match((await request(t.app).get('/actions/past-its-deadline').expect(200)).text, /<div class="action-result action-won">/);
  });

  it('still refuses the confirmation of an action closed or won by hand, deadline passed or not', async () => {
    await actionClosingInAnHour('won-early');
    const mail = await signAndReceive('won-early');
    await twoHoursPass('won-early');
    await t.db.pool.query("UPDATE actions SET status = 'won' WHERE slug = 'won-early'");
    const page = await request(t.app).get(new URL(confirmationLink(mail)).pathname);
    assert.equal(page.status, 409);
    assert.doesNotMatch(page.text, /<form method="post"/);
  });
});

describe('deadlines shown in the campaign time zone', () => {
  const DEADLINE = '2030-12-16T20:00:00.000Z';

  /** The action page and its post's page, for a deadline of DEADLINE, with this CAMPAIGN_TIME_ZONE (none: the default). */
  async function pagesIn(timeZone: string | undefined): Promise<string[]> {
    const t = await createTestApp({ env: timeZone ? { CAMPAIGN_TIME_ZONE: timeZone } : {} });
    try {
      const author = (await t.db.pool.query("INSERT INTO authors (slug, name) VALUES ('clock', 'Clock') RETURNING id")).rows[0].id;
      const post = await t.db.pool.query(
        "INSERT INTO posts (slug, title, author_id, status, published_at) VALUES ('closes-in-december', 'Closes in December', $1, 'published', now()) RETURNING id",
        [author],
      );
      await t.db.pool.query(
        "INSERT INTO actions (post_id, kind, slug, title, status, deadline) VALUES ($1, 'petition', 'december-deadline', 'December deadline', 'open', $2)",
        [post.rows[0].id, DEADLINE],
      );
      return [
        (await request(t.app).get('/actions/december-deadline').expect(200)).text,
        (await request(t.app).get('/posts/closes-in-december').expect(200)).text,
      ];
    } finally {
      await t.close();
    }
  }

  it('shows date, time and zone in the campaign time zone, in a <time> element', async () => {
    for (const page of await pagesIn('Asia/Almaty')) {
      assert.match(page, /<p class="deadline">Signatures close on <time datetime="2030-12-16T20:00:00.000Z">December 17, 2030 at 01:00 \(Almaty Time, GMT\+5\)<\/time><\/p>/);
    }
    for (const page of await pagesIn(undefined)) {
      assert.match(page, /<p class="deadline">Signatures close on <time datetime="2030-12-16T20:00:00.000Z">December 16, 2030 at 20:00 \(UTC\)<\/time><\/p>/);
    }
  });

  it('takes an IANA name, as Intl spells it, and refuses anything else', () => {
    assert.equal(loadConfig({}).campaignTimeZone, 'UTC');
    assert.equal(loadConfig({ CAMPAIGN_TIME_ZONE: 'asia/almaty' }).campaignTimeZone, 'Asia/Almaty');
    for (const bad of ['Mars/Olympus_Mons', '+05:00', 'Almaty']) {
      assert.throws(() => loadConfig({ CAMPAIGN_TIME_ZONE: bad }), /CAMPAIGN_TIME_ZONE: must be an IANA time zone name/, bad);
    }
  });
});
