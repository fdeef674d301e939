// Review of issue 11: the local organiser sees only the first name of those
// who did not agree to share more. "First name" was the name up to its first
// ASCII space, so a name typed with a no-break space, a thin or ideographic
// space, or as "Surname, Given" went to the local organiser whole. (The form
// accepts these: only control and format characters are refused.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { newToken } from '../../src/http/link-tokens.ts';
import { parseRsvp } from '../../src/protests/rsvp.schema.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { seedCall, seedProtest } from '../protests/rsvp-seed.ts';

describe("review 11: the local organiser's view shows first names only", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('whatever space or comma separates the names', async () => {
    const call = await seedCall(t, 'review11-first-name');
    const protest = await seedProtest(t, call, {});
    const names = ['Dana\u00A0Karimovna', 'Aigul\u3000Serikbayeva', 'Zhanar\u2009Tulegenova', 'Nurlanov, Erlan', 'Gulnara\u202FAbenova'];
    let i = 0;
    for (const typed of names) {
      // What the form lets through, as it stores it.
      const { name, email } = parseRsvp({ name: typed, email: `first-name-${++i}@example.org` });
      const s = await t.db.pool.query<{ id: number }>('INSERT INTO supporters (email) VALUES ($1) RETURNING id', [email]);
      await t.db.pool.query('INSERT INTO rsvps (protest_id, supporter_id, name, confirmed_at) VALUES ($1, $2, $3, now())', [protest, s.rows[0]!.id, name]);
    }
    const { token, hash } = newToken();
    await t.db.pool.query('INSERT INTO protest_organiser_links (protest_id, token_hash) VALUES ($1, $2)', [protest, hash]);
    const view = await request(t.app).get(`/protests/${protest}/organiser/${token}`).expect(200);
    assert.match(view.text, /5 confirmed/);
    for (const surname of ['Karimovna', 'Serikbayeva', 'Tulegenova', 'Nurlanov', 'Abenova']) {
      assert.doesNotMatch(view.text, new RegExp(surname), `${surname} is shown to the local organiser`);
    }
    for (const first of ['Dana', 'Aigul', 'Zhanar', 'Erlan', 'Gulnara']) assert.match(view.text, new RegExp(first));
  });
});
