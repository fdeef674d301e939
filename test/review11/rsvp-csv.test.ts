// Review of issue 11: the organisers' CSV of a protest's RSVPs carries names
// strangers typed. The house's other exports (signatures, deliveries) escape
// formulas and begin with a BOM (so that Excel reads Жанар as Жанар); this one
// did neither: a name "=2+5+cmd|' /C calc'!A0" was a live formula in the
// organiser's spreadsheet.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signIn } from '../helpers/admin.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { seedCall, seedProtest } from '../protests/rsvp-seed.ts';

describe("review 11: the RSVPs' CSV", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('escapes formulas and starts with a BOM', async () => {
    const call = await seedCall(t, 'review11-csv');
    const protest = await seedProtest(t, call, {});
    let i = 0;
    for (const [name, share] of [["=2+5+cmd|' /C calc'!A0", false], ['Жанар', false], ['+Aliya Formula', true]] as const) {
      const s = await t.db.pool.query<{ id: number }>('INSERT INTO supporters (email) VALUES ($1) RETURNING id', [`csv-${++i}@example.org`]);
      await t.db.pool.query('INSERT INTO rsvps (protest_id, supporter_id, name, share_with_organiser, confirmed_at) VALUES ($1, $2, $3, $4, now())', [protest, s.rows[0]!.id, name, share]);
    }
    const { agent } = await signIn(t);
    const res = await agent.get(`/admin/protests/${protest}/rsvps.csv`).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
    }).expect(200);
    const text = res.body as string;
    assert.ok(text.startsWith('\uFEFF'), 'a BOM first, as the other exports');
    assert.doesNotMatch(text, /(^|,)"?=2\+5/m, 'a formula left live');
    assert.doesNotMatch(text, /(^|,)"?\+Aliya/m, 'a formula left live');
    assert.match(text, /Жанар/);
  });
});
