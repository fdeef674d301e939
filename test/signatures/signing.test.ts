import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import request from 'supertest';
import { updateCounts } from '../../src/actions/counts.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, openForm, pressButtonBehind, signPetition } from '../helpers/forms.ts';
import { cancelLink, confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

describe('signing a petition', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let seq = 0;
  const email = () => `supporter${++seq}@example.org`;
  // Every email job has run (none waiting, running or due to retry): what was to be sent, was.
  const mailSettled = async () => {
    for (let i = 0; i < 100; i++) {
      const { rows } = await t.db.pool.query("SELECT count(*) AS n FROM pgboss.job WHERE name = 'send-confirmation' AND state IN ('created', 'retry', 'active')");
      if (rows[0].n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('email jobs did not settle');
  };
  const submissionsOf = async (address: string) =>
    (await t.db.pool.query('SELECT count(*) AS n FROM signature_submissions sub JOIN signatures s ON s.id = sub.signature_id WHERE s.email = $1', [address])).rows[0].n as number;
  const countOf = async (slug = ACTION) => {
    await updateCounts(t.db.pool);
    const res = await request(t.app).get(`/actions/${slug}/count.json`).expect(200);
    return res.body.count as number;
  };

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, CONFIRMATION_MAX_RESENDS: '2', RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });
  beforeEach(() => {
    smtp.messages.length = 0;
  });

  it('shows the form on the post page and on the action page', async () => {
    const post = await request(t.app).get('/posts/roza-released-step-up-for-other-prisoners').expect(200);
    assert.match(post.text, /action="\/actions\/free-the-zhanaozen-prisoners\/signatures"/);
    assert.match(post.text, /<option value="KZ">Kazakhstan<\/option>/);
    const page = await request(t.app).get(`/actions/${ACTION}`).expect(200);
    assert.match(page.text, /name="show_name" type="checkbox">/, 'show my name is off by default');
    assert.match(page.text, /name="wants_updates" type="checkbox">/, 'updates are off by default');
    assert.match(page.text, /<rect class="bar-fill" width="0" height="10" data-bar\/>/);
  });

  it('counts a signature once, after the supporter confirms by email', async () => {
    const address = email();
    const before = await countOf();
    const res = await signPetition(t.app, { email: `  ${address.toUpperCase()} `, name: 'Aigerim Sarsenova' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, `/actions/${ACTION}/check-email`);
    assert.equal(await countOf(), before, 'a pending signature does not count');

    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    assert.equal(mail!.subject, 'Please confirm your signature: Free the Zhanaozen strikers still in prison');
    assert.ok(mail!.html && mail!.text, 'the email has HTML and text parts');
    assert.match(mail!.messageId ?? '', /^<[0-9a-f]{24}@placard\.test>$/);
    const link = confirmationLink(mail!);
    assert.match(link, /^http:\/\/placard\.test\/confirm\/[A-Za-z0-9_-]{43}$/);

    // A mail scanner fetching the link does not confirm it.
    await request(t.app).get(new URL(link).pathname).expect(200);
    assert.equal(await countOf(), before);

    const confirmed = await pressButtonBehind(t.app, link);
    assert.equal(confirmed.status, 303);
    assert.match(confirmed.headers.location!, new RegExp(`^/actions/${ACTION}/thanks\\?country=[A-Z]{2}$`));
    assert.equal(await countOf(), before + 1);

    const thanks = await request(t.app).get(`/actions/${ACTION}/thanks`).expect(200);
    assert.match(thanks.text, /Thank you for signing/);
    assert.match(thanks.text, /of 5,000 signatures/);
    assert.match(thanks.text, /href="https:\/\/wa\.me\/\?text(=|&#x3D;)I%20signed/);
    assert.doesNotMatch(thanks.text, /<script(?![^>]*\ssrc=)/);

    // The link is single-use; opening it again says so kindly.
    const again = await request(t.app).get(new URL(link).pathname).expect(200);
    assert.match(again.text, /already confirmed/);
    assert.equal(await countOf(), before + 1);
  });

  it('stores only a hash of the token', async () => {
    const address = email();
    await signPetition(t.app, { email: address });
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    const token = confirmationLink(mail!).split('/').pop()!;
    const { rows } = await t.db.pool.query(
      `SELECT t.token_hash = sha256(convert_to($1, 'UTF8')) AS hashed, encode(t.token_hash, 'escape') LIKE '%' || $1 || '%' AS raw
       FROM confirmation_tokens t JOIN signatures s ON s.id = t.signature_id WHERE s.email = $2`,
      [token, address],
    );
    assert.deepEqual(rows, [{ hashed: true, raw: false }], 'one token row, holding the SHA-256 of the token and not the token');
    const jobs = await t.db.pool.query("SELECT count(*) AS n FROM pgboss.job WHERE data::text LIKE '%' || $1 || '%'", [token]);
    assert.equal(jobs.rows[0].n, 0, 'the token is not in the job data either');
  });

  it('never reveals that an email has signed before; the mailbox hears instead', async () => {
    const address = email();
    const first = await signPetition(t.app, { email: address });
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    await pressButtonBehind(t.app, confirmationLink(mail!));
    const second = await signPetition(t.app, { email: address, name: 'Someone Else' });
    assert.equal(second.status, first.status);
    assert.equal(second.headers.location, first.headers.location);
    const notices = await smtp.waitFor((m) => m.envelopeTo.includes(address), 2);
    assert.equal(notices[1]!.subject, 'You have already signed: Free the Zhanaozen strikers still in prison');
    const { rows } = await t.db.pool.query('SELECT count(*) AS n, min(name) AS name FROM signatures WHERE email = $1', [address]);
    assert.deepEqual(rows[0], { n: 1, name: 'Aigerim' }, 'one signature per email; the first stays');
  });

  it('re-sends the confirmation to a pending email, a bounded number of times', async () => {
    const address = email();
    for (let i = 0; i < 5; i++) assert.equal((await signPetition(t.app, { email: address })).status, 303);
    // One first email plus CONFIRMATION_MAX_RESENDS (2) more: each a submission with its own job.
    assert.equal(await submissionsOf(address), 3);
    const mails = await smtp.waitFor((m) => m.envelopeTo.includes(address), 3);
    await mailSettled();
    assert.equal(smtp.to(address).length, 3);
    assert.ok(mails.every((m) => m.subject?.startsWith('Please confirm')));
    // Every link sent still works until one is used.
    const confirmed = await pressButtonBehind(t.app, confirmationLink(mails[0]!));
    assert.equal(confirmed.status, 303);
  });

  it('removes a pending signature when the mailbox owner says it was not them', async () => {
    const address = email();
    await signPetition(t.app, { email: address });
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    const page = await request(t.app).get(new URL(cancelLink(mail!)).pathname).expect(200);
    assert.match(page.text, /Remove this signature\?/);
    const res = await pressButtonBehind(t.app, cancelLink(mail!));
    assert.equal(res.status, 200);
    assert.match(res.text, /has been removed/);
    const { rows } = await t.db.pool.query('SELECT count(*) AS n FROM signatures WHERE email = $1', [address]);
    assert.equal(rows[0].n, 0);
    // Its confirmation link is gone with it.
    await request(t.app).get(new URL(confirmationLink(mail!)).pathname).expect(404);
  });

  it('lists only signers who chose to show their name, escaped, and never an email', async () => {
    const shown = email();
    const hidden = email();
    await signPetition(t.app, { email: shown, name: '<script>alert("x")</script>', show_name: 'on', country: 'GB' });
    await signPetition(t.app, { email: hidden, name: 'Hidden Person', country: 'DE' });
    for (const address of [shown, hidden]) {
      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
      await pressButtonBehind(t.app, confirmationLink(mail!));
    }
    await updateCounts(t.db.pool);
    const page = await request(t.app).get(`/actions/${ACTION}`).expect(200);
    assert.match(page.text, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;, United Kingdom/);
    assert.doesNotMatch(page.text, /<script>alert/);
    assert.doesNotMatch(page.text, /Hidden Person/);
    assert.doesNotMatch(page.text, /@example\.org/);
    assert.match(page.text, /<th scope="row">Germany<\/th><td>1<\/td>/, 'the breakdown by country counts hidden signers too');
  });

  it('serves a cacheable count', async () => {
    const res = await request(t.app).get(`/actions/${ACTION}/count.json`).expect(200).expect('Content-Type', /json/);
    assert.match(res.headers['cache-control'] ?? '', /stale-while-revalidate/);
    assert.deepEqual(Object.keys(res.body).sort(), ['count', 'countedAt', 'goal', 'status']);
    await request(t.app).get('/actions/no-such-action/count.json').expect(404).expect('Content-Type', /json/);
  });

  it('does not confirm a signature once its action has closed', async () => {
    await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'closing-soon', 'Closing soon', 'open')");
    const address = email();
    await signPetition(t.app, { email: address }, 'closing-soon');
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    await t.db.pool.query("UPDATE actions SET status = 'closed' WHERE slug = 'closing-soon'");
    const page = await request(t.app).get(new URL(confirmationLink(mail!)).pathname);
    assert.equal(page.status, 409);
    assert.match(page.text, /closed and no longer takes signatures/);
    assert.doesNotMatch(page.text, /<form method="post"/, 'the page shows no button to press');
    const { rows } = await t.db.pool.query('SELECT confirmed_at FROM signatures WHERE email = $1', [address]);
    assert.equal(rows[0].confirmed_at, null);
  });

  it('refuses a confirmation posted after the action closed, from a page opened before', async () => {
    await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'closing-later', 'Closing later', 'open')");
    const address = email();
    await signPetition(t.app, { email: address }, 'closing-later');
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    const path = new URL(confirmationLink(mail!)).pathname;
    const agent = request.agent(t.app);
    const token = await openForm(agent, path); // the button is on the page while the action is open
    await t.db.pool.query("UPDATE actions SET status = 'closed' WHERE slug = 'closing-later'");
    const res = await agent.post(path).type('form').send({ _csrf: token });
    assert.equal(res.status, 409);
    assert.match(res.text, /closed and no longer takes signatures/);
    const { rows } = await t.db.pool.query('SELECT confirmed_at FROM signatures WHERE email = $1', [address]);
    assert.equal(rows[0].confirmed_at, null);
    const used = await t.db.pool.query('SELECT used_at FROM confirmation_tokens t JOIN signatures s ON s.id = t.signature_id WHERE s.email = $1', [address]);
    assert.equal(used.rows[0].used_at, null, 'the link is not used up either');
  });

  it('confirms what the mailbox owner submitted, not what someone else typed first with their address', async () => {
    const owner = email();
    // A stranger signs first with the owner's address, choosing a public name and updates.
    await signPetition(t.app, { email: owner, name: 'Not The Owner', show_name: 'on', wants_updates: 'on', country: 'RU' });
    const [strangers] = await smtp.waitFor((m) => m.envelopeTo.includes(owner));
    // The email says what its button would confirm.
    assert.match(strangers!.text!, /Name: Not The Owner/);
    assert.match(strangers!.text!, /Your name will be shown in the public list of signers\./);
    assert.match(strangers!.text!, /You will receive email updates/);
    assert.doesNotMatch(strangers!.text!, /^(Dear|Hello) Not/m, 'what a stranger typed is not the greeting');

    // Then the owner signs, with their own choices.
    assert.equal((await signPetition(t.app, { email: owner, name: 'Dana Owner', country: 'KZ' })).status, 303);
    const mails = await smtp.waitFor((m) => m.envelopeTo.includes(owner), 2);
    const own = mails.find((m) => /Name: Dana Owner/.test(m.text ?? ''))!;
    assert.ok(own, 'the owner gets a link for their own submission');
    assert.match(own.text!, /Your name will not be shown publicly\./);
    assert.match(own.text!, /You will not receive email updates\./);
    const page = await request(t.app).get(new URL(confirmationLink(own)).pathname).expect(200);
    assert.match(page.text, /Name: Dana Owner/, 'the page restates it too');

    assert.equal((await pressButtonBehind(t.app, confirmationLink(own))).status, 303);
    const { rows } = await t.db.pool.query('SELECT name, country, show_name, wants_updates, confirmed_at IS NOT NULL AS confirmed FROM signatures WHERE email = $1', [owner]);
    assert.deepEqual(rows, [{ name: 'Dana Owner', country: 'KZ', show_name: false, wants_updates: false, confirmed: true }]);
    const left = await t.db.pool.query('SELECT count(*) AS n FROM signature_submissions sub JOIN signatures s ON s.id = sub.signature_id WHERE s.email = $1', [owner]);
    assert.equal(left.rows[0].n, 0, "what the stranger typed is not kept once the owner confirmed");

    // The stranger's link, pressed later, changes nothing.
    const later = await request(t.app).get(new URL(confirmationLink(strangers!)).pathname).expect(200);
    assert.match(later.text, /already confirmed/);
    await updateCounts(t.db.pool);
    const action = await request(t.app).get(`/actions/${ACTION}`).expect(200);
    assert.doesNotMatch(action.text, /Not The Owner/);
  });

  it('forgets a submission that arrived while the confirmation waited for it', async () => {
    const address = email();
    await signPetition(t.app, { email: address });
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    const path = new URL(confirmationLink(mail!)).pathname;
    const agent = request.agent(t.app);
    const token = await openForm(agent, path);
    // A second signing in flight: it holds the signature's row (count-another-notice) and adds a submission.
    const signing = await t.db.pool.connect();
    try {
      await signing.query('BEGIN');
      await signing.query('UPDATE signatures SET notices_sent = notices_sent + 1 WHERE email = $1', [address]);
      await signing.query(
        "INSERT INTO signature_submissions (signature_id, name, country, show_name, wants_updates) SELECT id, 'Late Stranger', 'RU', true, true FROM signatures WHERE email = $1",
        [address],
      );
      const pressed = agent.post(path).type('form').send({ _csrf: token }).then((res) => res);
      for (let waiting = 0; waiting === 0; ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        waiting = (await t.db.pool.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0].n;
      }
      await signing.query('COMMIT');
      assert.equal((await pressed).status, 303);
    } finally {
      signing.release();
    }
    assert.equal(await submissionsOf(address), 0, 'what the late submission typed is not kept');
    const { rows } = await t.db.pool.query('SELECT name, confirmed_at IS NOT NULL AS confirmed FROM signatures WHERE email = $1', [address]);
    assert.deepEqual(rows, [{ name: 'Aigerim', confirmed: true }]);
  });

  it('sends no stranger-written web or email address to an inbox: such a name is refused', async () => {
    const victim = email();
    for (const name of ['URGENT: your bank account is locked, verify at https://evil.example/login', 'Verify at evil.example now', 'Write to claims@evil.example', 'www.evil']) {
      const res = await signPetition(t.app, { email: victim, name });
      assert.equal(res.status, 422, name);
      assert.match(res.text, /name-error"><span class="visually-hidden">Error:<\/span> Enter your name without web or email addresses</);
    }
    const { rows } = await t.db.pool.query('SELECT count(*) AS n FROM signatures WHERE email = $1', [victim]);
    assert.equal(rows[0].n, 0, 'nothing stored, so nothing mailed');
    // Names with dots and spaces are names.
    for (const name of ['Dr. A. Smith', 'J.R.R. Tolkien']) assert.equal((await signPetition(t.app, { email: email(), name })).status, 303, name);
    // And the greeting never holds what was typed.
    const address = email();
    await signPetition(t.app, { email: address, name: 'Ainur Zhaksylykova' });
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    assert.match(mail!.text!, /^Hello,$/m);
    assert.doesNotMatch(mail!.text!.split('\n').slice(0, 3).join('\n'), /Ainur/);
    assert.equal(mail!.to && 'text' in mail!.to ? mail!.to.text : '', address, 'no display name in To:');
  });

  it('keeps confirmation and cancel pages out of every cache', async () => {
    const address = email();
    await signPetition(t.app, { email: address });
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
    for (const link of [confirmationLink(mail!), cancelLink(mail!)]) {
      const res = await request(t.app).get(new URL(link).pathname).expect(200);
      assert.equal(res.headers['cache-control'], 'no-store', link.replace(/[^/]+$/, '…'));
    }
    const confirmed = await pressButtonBehind(t.app, confirmationLink(mail!));
    assert.equal(confirmed.headers['cache-control'], 'no-store');
  });

  it('accepts names spelled with zero-width joiners, and refuses ones disguised by direction or hidden characters', async () => {
    for (const name of ['\u0645\u0647\u0633\u0627\u200C\u0627\u0645\u06CC\u0646\u06CC', '\u0915\u094D\u200D\u0937', 'Ana \u{1F469}\u200D\u{1F33E}']) {
      const address = email();
      assert.equal((await signPetition(t.app, { email: address, name })).status, 303, JSON.stringify(name));
      const { rows } = await t.db.pool.query('SELECT name FROM signatures WHERE email = $1', [address]);
      assert.equal(rows[0]?.name, name);
    }
    const blank = await signPetition(t.app, { email: email(), name: '\u200D\u200C' });
    assert.equal(blank.status, 422, 'a name of joiners alone');
    assert.match(blank.text, /name-error"><span class="visually-hidden">Error:<\/span> Enter your name</);
    for (const name of ['Eve \u202Egnp.exe', 'Eve\u2066x\u2069', 'Eve\u{E0041}\u{E0042}', 'Eve\u200B', 'Eve\u00AD']) {
      const res = await signPetition(t.app, { email: email(), name });
      assert.equal(res.status, 422, JSON.stringify(name));
      assert.match(res.text, /name-error"><span class="visually-hidden">Error:<\/span> Your name contains characters that cannot be used</);
    }
  });

  it('sends a fresh link past the bound once the last link has expired', async () => {
    const address = email();
    for (let i = 0; i < 3; i++) await signPetition(t.app, { email: address });
    await smtp.waitFor((m) => m.envelopeTo.includes(address), 3);
    await signPetition(t.app, { email: address });
    assert.equal(await submissionsOf(address), 3, 'bounded while a link still works');
    await mailSettled();
    assert.equal(smtp.to(address).length, 3);
    await t.db.pool.query("UPDATE signatures SET last_notice_at = now() - interval '8 days' WHERE email = $1", [address]);
    await signPetition(t.app, { email: address });
    const mails = await smtp.waitFor((m) => m.envelopeTo.includes(address), 4);
    assert.equal((await pressButtonBehind(t.app, confirmationLink(mails[3]!))).status, 303);
  });

  it('quietly turns away a bot that fills the honeypot', async () => {
    const address = email();
    const res = await signPetition(t.app, { email: address, website: 'http://spam.example' });
    assert.equal(res.status, 303);
    const { rows } = await t.db.pool.query('SELECT count(*) AS n FROM signatures WHERE email = $1', [address]);
    assert.equal(rows[0].n, 0);
  });
});

describe('bad input when signing', () => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  it('keeps the values and puts a message beside each bad field', async () => {
    const res = await signPetition(t.app, { name: '', email: 'not-an-email', country: 'XX', comment: 'Solidarity from Leeds' });
    assert.equal(res.status, 422);
    assert.match(res.text, /id="free-the-zhanaozen-prisoners-name-error"><span class="visually-hidden">Error:<\/span> Enter your name</);
    assert.match(res.text, /id="free-the-zhanaozen-prisoners-email-error"><span class="visually-hidden">Error:<\/span> Enter an email address in the correct format, like name@example\.com</);
    assert.match(res.text, /id="free-the-zhanaozen-prisoners-country-error"><span class="visually-hidden">Error:<\/span> Choose your country from the list</);
    assert.match(res.text, /value="not-an-email"/);
    assert.match(res.text, />Solidarity from Leeds<\/textarea>/);
    assert.match(res.text, /aria-invalid="true"/);
    // GOV.UK's summary takes the focus (autofocus: no script needed) and links each problem to its field.
    assert.equal([...res.text.matchAll(/ autofocus/g)].length, 1);
    assert.match(res.text, /<div class="error-summary" role="alert" tabindex="-1" autofocus/);
    assert.match(res.text, /<title>Error: Free the Zhanaozen strikers still in prison · Placard<\/title>/);
    assert.doesNotMatch(res.text, /name="_csrf"/); // ready to submit again: the form needs no token
  });

  it('refuses oversized fields and a body that is too large', async () => {
    const long = await signPetition(t.app, { name: 'x'.repeat(101), comment: 'y'.repeat(1001) });
    assert.equal(long.status, 422);
    assert.match(long.text, /name-error"><span class="visually-hidden">Error:<\/span> Your name must be 100 characters or fewer</);
    assert.match(long.text, /comment-error"><span class="visually-hidden">Error:<\/span> Your comment must be 1,000 characters or fewer</);
    const huge = await signPetition(t.app, { comment: 'z'.repeat(40_000) });
    assert.equal(huge.status, 413);
    assert.match(huge.text, /too large/);
  });

  it('refuses header injection in the name and the email', async () => {
    const name = await signPetition(t.app, { name: 'Eve\r\nBcc: victim@example.org' });
    assert.equal(name.status, 422);
    assert.match(name.text, /name-error"><span class="visually-hidden">Error:<\/span> Your name contains characters that cannot be used</);
    const mail = await signPetition(t.app, { email: 'eve@example.org\r\nBcc: victim@example.org' });
    assert.equal(mail.status, 422);
    const { rows } = await t.db.pool.query("SELECT count(*) AS n FROM signatures WHERE name LIKE 'Eve%'");
    assert.equal(rows[0].n, 0);
  });

  it('treats a repeated field as a bad value, not a crash', async () => {
    const agent = request.agent(t.app);
    await agent.get(`/actions/${ACTION}`).expect(200);
    const res = await agent.post(`/actions/${ACTION}/signatures`).type('form').send('name=a&name=b&email=a@b.org&country=KZ');
    assert.equal(res.status, 422);
  });

  it('refuses a form that a browser says came from another site; its page sets no cookie', async () => {
    // The page is the same for everyone, so a shared cache may keep it: no token, no cookie.
    const page = await request(t.app).get(`/actions/${ACTION}`).expect(200);
    assert.equal(page.headers['set-cookie'], undefined);
    assert.doesNotMatch(page.text, /name="_csrf"/);
    const fields = { name: 'A', email: 'a@example.org', country: 'KZ' };
    const post = () => request(t.app).post(`/actions/${ACTION}/signatures`).type('form');
    for (const [header, value] of [['Sec-Fetch-Site', 'cross-site'], ['Sec-Fetch-Site', 'same-site'], ['Origin', 'https://evil.example'], ['Origin', 'null']] as const) {
      const forged = await post().set(header, value).send(fields);
      assert.equal(forged.status, 403, `${header}: ${value}`);
      assert.match(forged.text, /This form has expired/);
    }
    const { rows } = await t.db.pool.query("SELECT count(*) AS n FROM signatures WHERE email = 'a@example.org'");
    assert.equal(rows[0].n, 0);
    // What a browser sends from our own page passes; so does a client that is no browser (it has no victim).
    await post().set('Sec-Fetch-Site', 'same-origin').set('Origin', 'http://127.0.0.1').send(fields).expect(303);
    await post().send({ ...fields, email: 'b@example.org' }).expect(303);
  });

  it('answers unknown, draft, closed and won actions clearly', async () => {
    await request(t.app).get('/actions/no-such-action').expect(404);
    // A form posted to an action that does not exist, with a valid token from another page.
    const stranger = request.agent(t.app);
    const valid = await openForm(stranger, `/actions/${ACTION}`);
    const unknown = await stranger.post('/actions/no-such-action/signatures').type('form').send({ _csrf: valid, name: 'A', email: 'nowhere@example.org', country: 'KZ' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /could not find that page/);
    await t.db.pool.query(
      "INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'a-draft-action', 'Draft', 'draft'), ('petition', 'a-closed-action', 'Closed', 'closed')",
    );
    await request(t.app).get('/actions/a-draft-action').expect(404);
    const closed = await request(t.app).get('/actions/a-closed-action').expect(200);
    assert.match(closed.text, /This action is closed/);
    assert.doesNotMatch(closed.text, /class="sign-form"/);
    const won = await request(t.app).get('/actions/release-roza-tuletaeva').expect(200);
    assert.match(won.text, /We won!/);
    assert.match(won.text, /released from prison in August 2014/);

    // A form posted to a closed action (e.g. from a page opened before it closed).
    const agent = request.agent(t.app);
    const token = await openForm(agent, `/actions/${ACTION}`);
    const res = await agent.post('/actions/a-closed-action/signatures').type('form').send({ _csrf: token, name: 'A', email: 'late@example.org', country: 'KZ' });
    assert.equal(res.status, 409);
    assert.match(res.text, /closed and no longer takes signatures/);
    assert.match(res.text, /<a href="\/actions\/a-closed-action">See this action and its result<\/a>/);
  });

  it('stops taking signatures within a second of the action closing', async () => {
    await t.db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'about-to-close', 'About to close', 'open')");
    assert.equal((await signPetition(t.app, { email: 'early@example.org' }, 'about-to-close')).status, 303);
    await t.db.pool.query("UPDATE actions SET status = 'closed' WHERE slug = 'about-to-close'");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The page was opened while the action was still open.
    const agent = request.agent(t.app);
    const token = await openForm(agent, `/actions/${ACTION}`);
    const late = await agent.post('/actions/about-to-close/signatures').type('form').send({ _csrf: token, name: 'Late', email: 'late@example.org', country: 'KZ' });
    assert.equal(late.status, 409);
  });

  it('answers garbage, unknown, used and expired tokens with a page, never a 500', async () => {
    await request(t.app).get('/confirm/garbage').expect(404);
    await request(t.app).get(`/confirm/${'A'.repeat(43)}`).expect(404);
    await request(t.app).get(`/confirm/${'x'.repeat(5000)}`).expect(404);
    await request(t.app).get(`/cancel/${'A'.repeat(43)}`).expect(404);
    const agent = request.agent(t.app);
    // A token of this site's from another page (the sign form has none).
    const token = await openForm(agent, '/privacy');
    await agent.post(`/confirm/${'A'.repeat(43)}`).type('form').send({ _csrf: token }).expect(404);

    // An expired token: made directly, as the mail job would, then aged.
    const { newToken } = await import('../../src/http/link-tokens.ts');
    const { rows } = await t.db.pool.query(
      "INSERT INTO signatures (action_id, email, name, country) SELECT id, 'old@example.org', 'Old', 'KZ' FROM actions WHERE slug = $1 RETURNING id",
      [ACTION],
    );
    const expired = newToken();
    await t.db.pool.query("INSERT INTO confirmation_tokens (token_hash, signature_id, expires_at) VALUES ($1, $2, now() - interval '1 day')", [expired.hash, rows[0].id]);
    const page = await request(t.app).get(`/confirm/${expired.token}`).expect(410);
    assert.match(page.text, /has expired or has already been used/);
    assert.match(page.text, new RegExp(`<form method="post" action="/confirm/${expired.token}/new-link">`), 'a new link, one tap away');
    assert.match(page.text, /<a href="\/actions\/free-the-zhanaozen-prisoners">Back to the action<\/a>/, 'a way back');
    const post = await agent.post(`/confirm/${expired.token}`).type('form').send({ _csrf: token });
    assert.equal(post.status, 410);
  });
});

// The signing rate limits, the honeypot and the form-timing check: test/signatures/limits.test.ts.

describe('signing input that could reach the database badly', () => {
  it('refuses NUL and other control characters, and repeated fields, in every field', async () => {
    const t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    try {
      await loadDemoContent(t.db.pool, createLogger('silent'));
      for (const field of ['name', 'email', 'country', 'locality', 'comment'] as const) {
        const nul = await signPetition(t.app, { [field]: 'a\u0000b' });
        assert.equal(nul.status, 422, `NUL in ${field}`);
        assert.match(nul.text, new RegExp(`${field}-error`), `message beside ${field}`);
      }
      const agent = request.agent(t.app);
      const token = await openForm(agent, `/actions/${ACTION}`);
      for (const field of ['name', 'email', 'country', 'locality', 'comment', 'show_name', 'website', '__proto__']) {
        const res = await agent
          .post(`/actions/${ACTION}/signatures`)
          .type('form')
          .send(`_csrf=${token}&name=A&email=rep@example.org&country=KZ&${field}=x&${field}=y`);
        assert.equal(res.status, 422, `repeated ${field}`);
      }
      const proto = await agent.post(`/actions/${ACTION}/signatures`).type('form').send(`_csrf=${token}&name=A&email=proto@example.org&country=KZ&__proto__=x`);
      assert.equal(proto.status, 422, 'a lone __proto__ field too');
      const { rows } = await t.db.pool.query("SELECT count(*) AS n FROM signatures WHERE email IN ('rep@example.org', 'proto@example.org')");
      assert.equal(rows[0].n, 0);
      const comment = await signPetition(t.app, { email: 'lines@example.org', comment: 'line one\r\nline two\tand a tab' });
      assert.equal(comment.status, 303, 'line breaks and tabs are fine in a comment');
    } finally {
      await t.close();
    }
  });
});
