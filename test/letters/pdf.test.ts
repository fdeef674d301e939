// The printed letter (src/letters/letter-pdf.ts, its admin download): its text,
// extracted as a reader would, holds the letterhead, the recipient's address
// block, the letter and every signatory routed to that recipient, numbered,
// Cyrillic and Kazakh names included; organisers only, audited.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';
import { addRecipient, createLetter, createRecipient, sign } from './collective-fixtures.ts';
import { binary, pdfText } from './pdf-helpers.ts';

const KAZAKH = 'Әлия Қанатқызы Ғұмарова-Үңһөі';
const KAZAKH_2 = 'Нұрлан Һәкімұлы Іңкәрбаев';
const CYRILLIC = 'Иван Петров';
// A hundred characters: too wide for its column, so it wraps (a printed letter cuts no name).
const LONG = 'Maximiliane Konstanze Wilhelmina Friederike von und zu Hohenzollern-Sigmaringen-Liechtenstein Abc';

describe('letters: the printed letter', () => {
  let t: TestApp;
  let agent: Agent;
  let actionId: number;
  let london: number;
  let berlin: number;
  const londonNames: string[] = [];

  before(async () => {
    t = await createTestApp();
    await t.db.pool.query("INSERT INTO settings (key, value) VALUES ('campaign.name', 'Zhanaozen Solidarity'), ('campaign.contact_email', 'letters@zhanaozen.example')");
    ({ agent } = await signIn(t, { role: 'organiser' }));
    actionId = await createLetter(t.db.pool, {
      slug: 'print-me',
      routing: 'by_country',
      delivery: 'none',
      subject: 'Release the oil workers of Zhanaozen',
      body: 'Dear {{recipient_title}},\n\nWe ask your government to release the oil workers imprisoned since 2011.\n\nҚұрметті елші, біз әділдік сұраймыз.\n\n{{signer_name}}',
    });
    london = await createRecipient(t.db.pool, {
      name: 'The Chair',
      title: 'Chair of the Bar',
      organisation: 'The Bar Council of England and Wales',
      country: 'GB',
      timeZone: 'Europe/London',
      postalAddress: '289–293 High Holborn\nLondon WC1V 7HZ\nUnited Kingdom',
      emails: ['chair@example.org'],
    });
    berlin = await createRecipient(t.db.pool, { name: 'Botschafter', country: 'DE', timeZone: 'Europe/Berlin', postalAddress: 'Nordstraße 10\n10117 Berlin', emails: ['de@example.org'] });
    await addRecipient(t.db.pool, actionId, berlin);
    await t.db.pool.query('UPDATE letters SET fallback_recipient_id = $2 WHERE action_id = $1', [actionId, london]);
    // London is the fallback: every country without an embassy among the letter's (all but DE).
    for (const [name, country, town] of [[KAZAKH, 'KZ', 'Жаңаөзен'], [CYRILLIC, 'RU', 'Москва'], [KAZAKH_2, 'KZ', 'Ақтау'], [LONG, 'GB', 'London']] as const) {
      await sign(t.db.pool, actionId, { name, country, town });
      londonNames.push(name);
    }
    // Enough names for several pages of the annex.
    await t.db.pool.query(
      `INSERT INTO signatures (action_id, email, name, country, locality, confirmed_at)
       SELECT $1, 'many-' || i || '@example.org', 'Supporter Number ' || i, 'FR', 'Lyon', now() FROM generate_series(1, 150) i`,
      [actionId],
    );
    for (let i = 1; i <= 150; i++) londonNames.push(`Supporter Number ${i}`);
    // An anonymised signature still counts: its line stays, without a name.
    const anonymised = await sign(t.db.pool, actionId, { name: 'Gone Person', country: 'GB', town: 'Leeds' });
    await t.db.pool.query("UPDATE signatures SET name = NULL, email = NULL, locality = '' WHERE id = $1", [anonymised]);
    londonNames.push('Name withheld');
    await sign(t.db.pool, actionId, { name: 'Hans Müller', country: 'DE', town: 'Köln' });
    await sign(t.db.pool, actionId, { name: 'Not Confirmed', country: 'GB', confirmed: false });
  });
  after(() => t.close());

  it('prints the letterhead, the date, the address block, the letter and every signatory, numbered, with page numbers', async () => {
    const res = await agent.get(`/admin/actions/${actionId}/letter.pdf?recipient=${london}`).buffer(true).parse(binary).expect(200);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.headers['content-disposition']!, /^attachment; filename="print-me-letter-\d+-\d{4}-\d{2}-\d{2}\.pdf"$/);
    const { text, pages } = await pdfText(res.body as Buffer);
    const first = pages[0]!;
    for (const part of ['Zhanaozen Solidarity', 'letters@zhanaozen.example', 'The Chair', 'Chair of the Bar', 'The Bar Council of England and Wales', '289–293 High Holborn', 'London WC1V 7HZ', 'United Kingdom']) {
      assert.ok(first.includes(part), `the first page holds ${part}`);
    }
    assert.match(first, /\d{1,2} [A-Z][a-z]+ 20\d\d/, 'the date, in words');
    assert.ok(first.includes('Release the oil workers of Zhanaozen'));
    assert.ok(first.includes('Dear Chair of the Bar,'));
    assert.ok(first.includes('We ask your government to release the oil workers imprisoned since 2011.'));
    assert.ok(first.includes('Құрметті елші, біз әділдік сұраймыз.'), 'Kazakh in the letter itself');
    assert.ok(first.includes('The undersigned'));
    // The annex: every name routed to London, in order, numbered 1…155; none of Berlin's, none unconfirmed.
    // A name wrapped at its hyphen comes back from the extractor as "Hohenzollern- Sigmaringen".
    const annex = pages.slice(1).join(' ').replace(/- /g, '-');
    assert.ok(annex.includes('Signatories') && annex.includes('155 people signed this letter'));
    for (const name of londonNames) assert.ok(annex.includes(name), `the annex holds ${name}`);
    assert.ok(annex.includes('Жаңаөзен') && annex.includes('Kazakhstan') && annex.includes('Russia'));
    assert.ok(!text.includes('Hans Müller') && !text.includes('Not Confirmed') && !text.includes('Gone Person'));
    assert.ok(annex.indexOf(KAZAKH) < annex.indexOf(CYRILLIC) && annex.indexOf(CYRILLIC) < annex.indexOf('Supporter Number 1 '));
    assert.match(annex, /\b154 Supporter Number 150\b/);
    assert.match(annex, /\b155 Name withheld United Kingdom\b/);
    assert.match(annex, /\b1 Әлия/);
    assert.ok(pages.length >= 3, `several pages (${pages.length})`);
    pages.forEach((page, i) => assert.ok(page.includes(`Page ${i + 1}`), `page ${i + 1} is numbered`));

    const audit = (await t.db.pool.query("SELECT after FROM audit_log WHERE event = 'signatories.export' ORDER BY id DESC LIMIT 1")).rows[0];
    assert.deepEqual(audit.after, { format: 'letter.pdf', action: actionId, recipient: london });
  });

  it('prints Berlin’s letter with Berlin’s signatories only', async () => {
    const res = await agent.get(`/admin/actions/${actionId}/letter.pdf?recipient=${berlin}`).buffer(true).parse(binary).expect(200);
    const { text } = await pdfText(res.body as Buffer);
    assert.ok(text.includes('Nordstraße 10') && text.includes('Hans Müller') && text.includes('Köln'));
    assert.ok(!text.includes(KAZAKH) && !text.includes('Supporter Number'));
  });

  it('asks which recipient when there are several; refuses another letter’s recipient and a stranger', async () => {
    const page = await agent.get(`/admin/actions/${actionId}/letter.pdf`).expect(200);
    assert.match(page.text, new RegExp(`letter\\.pdf\\?recipient(=|&#x3D;)${london}"`));
    assert.match(page.text, new RegExp(`letter\\.pdf\\?recipient(=|&#x3D;)${berlin}"`));
    assert.match(page.text, /155 signatories/);
    const other = await createRecipient(t.db.pool, { name: 'Elsewhere' });
    await agent.get(`/admin/actions/${actionId}/letter.pdf?recipient=${other}`).expect(404);
    await agent.get(`/admin/actions/${actionId}/letter.pdf?recipient=abc`).expect(404);
    await agent.get('/admin/actions/999999/letter.pdf').expect(404);
    const stranger = await request(t.app).get(`/admin/actions/${actionId}/letter.pdf?recipient=${london}`);
    assert.ok([302, 303].includes(stranger.status), `a stranger is sent to sign in (${stranger.status})`);
  });

  it('downloads the only recipient’s letter without asking', async () => {
    const solo = await createLetter(t.db.pool, { slug: 'solo', delivery: 'each' });
    await addRecipient(t.db.pool, solo, berlin);
    await sign(t.db.pool, solo, { name: KAZAKH_2, country: 'KZ' });
    const res = await agent.get(`/admin/actions/${solo}/letter.pdf`).buffer(true).parse(binary).expect(200);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.ok((await pdfText(res.body as Buffer)).text.includes(KAZAKH_2));
  });
});
