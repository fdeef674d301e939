// Importing the directory from CSV: the preview lists what would be added,
// changed (field by field, and by which match), left unchanged and refused
// (with the row and why), writing nothing; Apply writes it in one transaction
// with one audit entry; a preview whose file or token was changed, or that the
// directory has moved past, is not applied; odd files (not CSV, a wrong header,
// a BOM, CRLF, quotes, too big, too many rows, a formula) get a 4xx with a
// message, never a 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insertRecipient } from '../../src/letters/recipients.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

const HEADER = 'name,title,organisation,country,language,time_zone,postal_address,emails';
const EMBASSY = 'Embassy of the Republic of Kazakhstan';

function hidden(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  if (!match) throw new Error(`no hidden ${name} in ${html.slice(0, 3000)}`);
  return match[1]!.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
}

function fileError(html: string): string | undefined {
  return /<p class="field-error" id="import-file-error">([^<]*)/.exec(html)?.[1];
}

describe('importing recipients from CSV', () => {
  let t: TestApp;
  let agent: Agent;
  let madrid: number;
  let rome: number;

  before(async () => {
    t = await createTestApp();
    agent = (await signIn(t, { role: 'organiser', name: 'Dana' })).agent;
    madrid = await insertRecipient(t.db.pool, { name: 'Embassy in Spain', title: 'Ambassador', organisation: EMBASSY, country: 'ES', language: 'es', timeZone: 'Europe/Madrid', postalAddress: 'Calle 1\nMadrid', demo: false, emails: ['madrid@example.org'] });
    await insertRecipient(t.db.pool, { name: 'Embassy in Greece', title: '', organisation: EMBASSY, country: 'GR', language: 'el', timeZone: 'Europe/Athens', postalAddress: '', demo: false, emails: ['athens@example.org'] });
    await insertRecipient(t.db.pool, { name: 'Embassy in Portugal', title: '', organisation: EMBASSY, country: 'PT', language: 'pt', timeZone: 'Europe/Lisbon', postalAddress: '', demo: false, emails: ['lisbon@example.org'] });
    await insertRecipient(t.db.pool, { name: 'Embassy in Austria', title: '', organisation: EMBASSY, country: 'AT', language: 'de', timeZone: 'Europe/Vienna', postalAddress: '', demo: false, emails: ['vienna@example.org'] });
    rome = await insertRecipient(t.db.pool, { name: 'Embassy in Italy', title: 'Ambassador', organisation: EMBASSY, country: 'IT', language: 'it', timeZone: 'Europe/Rome', postalAddress: 'Via 1\nRoma', demo: false, emails: ['rome@example.org'] });
  });
  after(() => t.close());

  async function upload(content: string | Buffer, filename = 'recipients.csv') {
    const _csrf = await csrfToken(agent, '/admin/recipients/import');
    return agent.post('/admin/recipients/import').field('_csrf', _csrf).field('intent', 'preview').attach('file', Buffer.isBuffer(content) ? content : Buffer.from(content), { filename, contentType: 'text/csv' });
  }

  async function apply(preview: string, overrides: { content?: string; token?: string } = {}, who: Agent = agent) {
    const _csrf = await csrfToken(who, '/admin/recipients/import');
    return who
      .post('/admin/recipients/import')
      .field('_csrf', _csrf)
      .field('intent', 'apply')
      .field('token', overrides.token ?? hidden(preview, 'token'))
      .field('content', overrides.content ?? hidden(preview, 'content'));
  }

  const count = async () => (await t.db.pool.query('SELECT count(*)::int AS n FROM recipients')).rows[0].n as number;

  const csv = [
    HEADER,
    // Added: new, with a quoted postal address over two lines and two addresses.
    `Embassy in Finland,Ambassador,${EMBASSY},FI,fi,Europe/Helsinki,"Kasarmikatu 1\nHelsinki",helsinki@example.org;fi-consul@example.org`,
    // Changed, matched by organisation + country + name: a new title and zone, one more address.
    `Embassy in Spain,Chargé d'affaires,${EMBASSY},ES,,Europe/Madrid,,madrid@example.org new-madrid@example.org`,
    // Changed, matched by an address already known (the name differs): the name.
    `Kazakh Embassy Rome,,${EMBASSY},IT,,,,ROME@example.org`,
    // Unchanged: everything the same, empty cells keep what is stored.
    `Embassy in Greece,,${EMBASSY},GR,el,,,Athens@example.org`,
    // Refused: a zone that does not exist, and a country that does not either.
    `Embassy on Mars,,${EMBASSY},XX,,Mars/Olympus,,mars@example.org`,
    // Refused: no name.
    `,,${EMBASSY},DE,,,,`,
    // Refused: an address of another recipient than the one its name matches.
    `Embassy in Portugal,,${EMBASSY},PT,,,,vienna@example.org`,
    // Refused: the same new recipient as row 2.
    `Embassy in Finland,,${EMBASSY},FI,,,,`,
    // Added, with a formula: stored as text.
    `"=HYPERLINK(""http://evil.example/"",""x"")",,Evil Org,,,,,`,
  ].join('\n');

  it('previews what would be added, changed, unchanged and refused, writing nothing', async () => {
    const before = await count();
    const res = await upload(csv);
    assert.equal(res.status, 200, res.text.slice(0, 3000));
    assert.equal(await count(), before, 'nothing written');
    assert.match(res.text, /<li data-count="added">To add: 2<\/li>/);
    assert.match(res.text, /<li data-count="changed">To change: 2<\/li>/);
    assert.match(res.text, /<li data-count="unchanged">Unchanged: 1<\/li>/);
    assert.match(res.text, /<li data-count="refused">Rows refused: 4<\/li>/);
    const section = (id: string) => res.text.slice(res.text.indexOf(`id="${id}"`), res.text.indexOf('</table>', res.text.indexOf(`id="${id}"`)) + 1 || undefined);
    const changed = section('import-changed');
    // Row 3: by organisation, country and name; field by field.
    const row3 = changed.slice(changed.indexOf('data-row="3"'), changed.indexOf('data-row="4"'));
    assert.match(row3, /matched by organisation, country and name/);
    assert.match(row3, /data-field="title">Title: <del>Ambassador<\/del> → <ins>Chargé d&#x27;affaires<\/ins>/);
    assert.match(row3, /New address: new-madrid@example\.org/);
    assert.doesNotMatch(row3, /data-field="time_zone"/, 'the same zone is no change');
    // Row 4: by the address, whatever its case.
    const row4 = changed.slice(changed.indexOf('data-row="4"'));
    assert.match(row4, /matched by the address rome@example\.org/);
    assert.match(row4, /data-field="name">Name: <del>Embassy in Italy<\/del> → <ins>Kazakh Embassy Rome<\/ins>/);
    assert.match(res.text, /<li data-row="5">Row 5: <a href="\/admin\/recipients\/\d+">Embassy in Greece<\/a> \(matched by organisation, country and name\)/);
    const refused = res.text.slice(res.text.indexOf('id="import-refused"'));
    assert.match(refused, /data-row="6">Row 6:[\s\S]*?Country: Choose a country from the list\.[\s\S]*?Time zone: This is not a time zone we know/);
    assert.match(refused, /data-row="7">Row 7:[\s\S]*?Name: Enter the name\./);
    assert.match(refused, /data-row="8">Row 8:[\s\S]*?an address of another recipient/);
    assert.match(refused, /data-row="9">Row 9:[\s\S]*?the same recipient as row 2/);
    assert.match(res.text, /data-row="10"><td>10<\/td><th scope="row">&#x3D;HYPERLINK\(&quot;http:\/\/evil\.example\/&quot;,&quot;x&quot;\)<\/th>/, 'shown escaped, as text');
  });

  it('applies the preview in one transaction with one audit entry', async () => {
    const preview = await upload(csv);
    const before = await count();
    const res = await apply(preview.text);
    assert.equal(res.status, 303, res.text.slice(0, 3000));
    assert.equal(res.headers.location, '/admin/recipients?done=imported');
    assert.equal(await count(), before + 2);
    const finland = (await t.db.pool.query("SELECT id, postal_address, time_zone, language, country FROM recipients WHERE name = 'Embassy in Finland'")).rows;
    assert.equal(finland.length, 1);
    assert.deepEqual({ ...finland[0], id: undefined }, { id: undefined, postal_address: 'Kasarmikatu 1\nHelsinki', time_zone: 'Europe/Helsinki', language: 'fi', country: 'FI' });
    assert.deepEqual((await t.db.pool.query('SELECT email FROM recipient_addresses WHERE recipient_id = $1 ORDER BY id', [finland[0].id])).rows.map((r) => r.email), ['helsinki@example.org', 'fi-consul@example.org']);
    const spain = (await t.db.pool.query('SELECT title, time_zone, postal_address FROM recipients WHERE id = $1', [madrid])).rows[0];
    assert.deepEqual(spain, { title: "Chargé d'affaires", time_zone: 'Europe/Madrid', postal_address: 'Calle 1\nMadrid' });
    assert.deepEqual((await t.db.pool.query('SELECT email FROM recipient_addresses WHERE recipient_id = $1 ORDER BY id', [madrid])).rows.map((r) => r.email), ['madrid@example.org', 'new-madrid@example.org']);
    assert.equal((await t.db.pool.query('SELECT name FROM recipients WHERE id = $1', [rome])).rows[0].name, 'Kazakh Embassy Rome');
    const formula = (await t.db.pool.query("SELECT name FROM recipients WHERE organisation = 'Evil Org'")).rows[0].name;
    assert.equal(formula, '=HYPERLINK("http://evil.example/","x")', 'stored as the text it is');
    const entries = (await t.db.pool.query("SELECT summary, after FROM audit_log WHERE event = 'recipients.import'")).rows;
    assert.equal(entries.length, 1);
    assert.match(entries[0].summary, /2 added, 2 changed, 1 unchanged, 4 rows refused/);
    assert.deepEqual(entries[0].after.refused_rows, [6, 7, 8, 9]);
    // The same file again: the two added are now known, nothing to add.
    const again = await upload(csv);
    assert.match(again.text, /To add: 0/);
  });

  it('refuses a tampered pending import (400): another file, another token, another organiser, an old preview', async () => {
    const file = `${HEADER}\nEmbassy in Norway,,${EMBASSY},NO,,Europe/Oslo,,oslo@example.org\n`;
    const preview = await upload(file);
    assert.equal(preview.status, 200);
    const before = await count();
    const other = `${HEADER}\nSomeone else,,${EMBASSY},NO,,Europe/Oslo,,evil@example.org\n`;
    const swapped = await apply(preview.text, { content: Buffer.from(other).toString('base64') });
    assert.equal(swapped.status, 400);
    assert.match(fileError(swapped.text) ?? '', /cannot be applied/);
    const token = hidden(preview.text, 'token');
    const [issued, digest, mac] = token.split('.');
    for (const bad of [`${issued}.${digest}.${mac!.slice(0, -2)}AA`, `${Number(issued) + 1}.${digest}.${mac}`, 'garbage', '', `${issued}.${'A'.repeat(43)}.${mac}`]) {
      assert.equal((await apply(preview.text, { token: bad })).status, 400, `token ${bad}`);
    }
    assert.equal((await apply(preview.text, { content: '!!not base64!!' })).status, 400);
    // Another organiser cannot apply what this one previewed.
    const other2 = (await signIn(t, { role: 'organiser' })).agent;
    assert.equal((await apply(preview.text, {}, other2)).status, 400);
    // A preview more than an hour old.
    const old = `${Date.now() - 2 * 60 * 60 * 1000}.${digest}.${mac}`;
    assert.equal((await apply(preview.text, { token: old })).status, 400);
    assert.equal(await count(), before, 'nothing applied');
    assert.equal((await apply(preview.text)).status, 303, 'the real one still applies');
    assert.equal(await count(), before + 1);
  });

  it('does not apply a preview the directory has moved past: it shows the new one (409)', async () => {
    const file = `${HEADER}\nEmbassy in Poland,,${EMBASSY},PL,,Europe/Warsaw,,warsaw@example.org\n`;
    const preview = await upload(file);
    assert.match(preview.text, /To add: 1/);
    // Meanwhile, someone adds the same embassy by hand.
    await insertRecipient(t.db.pool, { name: 'Embassy in Poland', title: '', organisation: EMBASSY, country: 'PL', language: 'pl', timeZone: 'Europe/Warsaw', postalAddress: '', demo: false, emails: [] });
    const before = await count();
    const res = await apply(preview.text);
    assert.equal(res.status, 409);
    assert.match(fileError(res.text) ?? '', /directory changed after the preview/);
    assert.match(res.text, /To add: 0/);
    assert.match(res.text, /To change: 1/);
    assert.equal(await count(), before);
  });

  it('reads a BOM, CRLF line ends, quotes, a header in another order and case, semicolons and spaces between addresses', async () => {
    const file = '\uFEFFEmails,NAME,Country,time_zone\r\n"a@example.org; b@example.org  c@example.org","Embassy ""North""",SE,Europe/Stockholm\r\n\r\n';
    const res = await upload(file);
    assert.equal(res.status, 200, fileError(res.text));
    assert.match(res.text, /To add: 1/);
    assert.match(res.text, /Embassy &quot;North&quot;<\/th><td><\/td><td>SE<\/td><td>a@example\.org b@example\.org c@example\.org <\/td>/);
  });

  it('refuses odd files with a message beside the field, never a 500', async () => {
    const cases: [string, string | Buffer, number, RegExp][] = [
      ['an image', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), 422, /not (a CSV file|UTF-8)/],
      ['a NUL in text', `${HEADER}\nA\u0000B,,,,,,,\n`, 422, /not a CSV file/],
      ['Latin-1', Buffer.from('name\nCaf\xe9\n', 'latin1'), 422, /not UTF-8/],
      ['empty', '', 422, /empty/],
      ['only a BOM', '\uFEFF', 422, /empty/],
      ['a wrong header', 'nom,pays\nA,FR\n', 422, /must name the columns/],
      ['no name column', 'title,country\nA,FR\n', 422, /no name column/],
      ['a repeated column', 'name,name\nA,B\n', 422, /names a column twice/],
      ['a quote left open', `${HEADER}\n"Unclosed,,,,,,,\n`, 422, /not valid CSV/],
    ];
    for (const [what, content, status, message] of cases) {
      const res = await upload(content);
      assert.equal(res.status, status, `${what}: ${res.status}`);
      assert.match(fileError(res.text) ?? '', message, what);
    }
    // A row with more cells than the header: that row is refused, not the file.
    const extra = await upload(`${HEADER}\nA,,,,,,,,surplus\nB,,,,,,,\n`);
    assert.equal(extra.status, 200);
    assert.match(extra.text, /data-row="2">Row 2:[\s\S]*?more cells than the first row/);
    // No file at all.
    const _csrf = await csrfToken(agent, '/admin/recipients/import');
    const none = await agent.post('/admin/recipients/import').field('_csrf', _csrf).field('intent', 'preview');
    assert.equal(none.status, 422);
    assert.match(fileError(none.text) ?? '', /Choose a CSV file/);
  });

  it('caps the file at 1 MB (413) and at 5,000 rows', async () => {
    const big = `${HEADER}\n${'A,,,,,,,\n'.repeat(250_000)}`;
    assert.ok(big.length > 2_000_000);
    const tooBig = await upload(big);
    assert.equal(tooBig.status, 413);
    assert.match(fileError(tooBig.text) ?? '', /larger than 1 MB/);
    const rows = `${HEADER}\n${Array.from({ length: 5001 }, (_, i) => `R${i},,,,,,,`).join('\n')}`;
    assert.ok(rows.length < 1024 * 1024);
    const tooMany = await upload(rows);
    assert.equal(tooMany.status, 422);
    assert.match(fileError(tooMany.text) ?? '', /more than 5,000 rows/);
    const justSo = await upload(`${HEADER}\n${Array.from({ length: 5000 }, (_, i) => `R${i},,Cap test,,,,,`).join('\n')}`);
    assert.equal(justSo.status, 200);
    assert.match(justSo.text, /To add: 5000/);
  });

  it('answers a stranger’s odd form with 4xx: two files, repeated fields, no token', async () => {
    const _csrf = await csrfToken(agent, '/admin/recipients/import');
    const two = await agent.post('/admin/recipients/import').field('_csrf', _csrf).attach('file', Buffer.from('name\nA\n'), 'a.csv').attach('file', Buffer.from('name\nB\n'), 'b.csv');
    assert.ok(two.status >= 400 && two.status < 500, `two files: ${two.status}`);
    const repeated = await agent.post('/admin/recipients/import').field('_csrf', _csrf).field('intent', 'apply').field('token', 'a').field('token', 'b').field('content', 'x');
    assert.ok(repeated.status >= 400 && repeated.status < 500, `repeated: ${repeated.status}`);
    const noCsrf = await agent.post('/admin/recipients/import').attach('file', Buffer.from('name\nA\n'), 'a.csv');
    assert.equal(noCsrf.status, 403);
    const urlencoded = await agent.post('/admin/recipients/import').type('form').send({ _csrf, intent: 'apply' });
    assert.equal(urlencoded.status, 400);
  });
});
