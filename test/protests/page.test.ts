// A protest call's page as a phone without JavaScript sees it: protests by
// country then city, soonest first, the supporter's country first (from
// ?country= or the region of Accept-Language); each time in the protest's own
// zone with the zone named; cancelled protests shown as cancelled, proposals
// and rejected ones never; the local organiser's contact only when public;
// places left and the confirmed count; and nothing loaded from another site.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { countryOfAcceptLanguage } from '../../src/protests/call-page.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertCall, insertProtest, insertRsvp } from './page-fixtures.ts';

const PAGE = '/actions/zhanaozen-day';

/** The order in which the page names things, by the position of each needle. */
function orderOf(html: string, needles: string[]): string[] {
  return needles
    .map((needle) => ({ needle, at: html.indexOf(needle) }))
    .filter((n) => n.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((n) => n.needle);
}

/** The text of HTML attributes as a browser reads them (Handlebars escapes = and &). */
function decoded(html: string): string {
  return html.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
}

/** The article of one protest on the page. */
function articleOf(html: string, id: number): string {
  const start = html.indexOf(`<article class="protest`, html.indexOf(`id="protest-${id}"`) - 60);
  assert.ok(start >= 0, `protest ${id} is on the page`);
  return html.slice(start, html.indexOf('</article>', start));
}

describe('a protest call\'s page', () => {
  let t: TestApp;
  const ids: Record<string, number> = {};

  before(async () => {
    t = await createTestApp();
    const call = await insertCall(t.db.pool, 'zhanaozen-day');
    const seed = async (key: string, p: Parameters<typeof insertProtest>[2]) => (ids[key] = await insertProtest(t.db.pool, call, p));
    // Inserted out of order: the page sorts them.
    await seed('berlinLate', { country: 'DE', city: 'Berlin', place: 'Berlin evening vigil', startsAt: '2027-12-16T17:00:00Z', endsAt: '2027-12-16T18:00:00Z', timeZone: 'Europe/Berlin' });
    await seed('berlin', { country: 'DE', city: 'Berlin', place: 'Berlin embassy', address: 'Unter den Linden 1, Berlin', startsAt: '2027-12-16T11:00:00Z', endsAt: '2027-12-16T13:00:00Z', timeZone: 'Europe/Berlin', organiserName: 'Jana', organiserContact: 'jana-private@example.org', organiserContactPublic: false });
    await seed('munich', { country: 'DE', city: 'Munich', place: 'Munich consulate', startsAt: '2027-12-16T10:00:00Z', endsAt: '2027-12-16T11:00:00Z', timeZone: 'Europe/Berlin' });
    await seed('london', { country: 'GB', city: 'London', place: 'London embassy', address: '1 Demo Street, London', meetingPoint: 'Across the road', startsAt: '2027-12-16T12:00:00Z', endsAt: '2027-12-16T14:00:00Z', timeZone: 'Europe/London', capacity: 10, accessibility: 'Step-free pavement', organiserName: 'Sam', organiserContact: 'sam-public@example.org', organiserContactPublic: true });
    await seed('londonCancelled', { status: 'cancelled', country: 'GB', city: 'London', place: 'London square (called off)', startsAt: '2027-12-16T15:00:00Z', endsAt: '2027-12-16T16:00:00Z', timeZone: 'Europe/London' });
    await seed('moscow', { country: 'RU', city: 'Moscow', place: 'Moscow picket', startsAt: '2027-12-16T09:00:00Z', endsAt: '2027-12-16T10:00:00Z', timeZone: 'Europe/Moscow', capacity: 2, latitude: 55.7558, longitude: 37.6173 });
    await seed('almaty', { country: 'KZ', city: 'Almaty', place: 'Almaty square', startsAt: '2027-12-16T07:00:00Z', endsAt: '2027-12-16T08:00:00Z', timeZone: 'Asia/Almaty' });
    await seed('washington', { country: 'US', city: 'Washington', place: 'Washington embassy', startsAt: '2027-12-16T17:00:00Z', endsAt: '2027-12-16T18:30:00Z', timeZone: 'America/New_York' });
    await seed('proposed', { status: 'proposed', country: 'GB', city: 'Leeds', place: 'Proposed-not-approved place', startsAt: '2027-12-16T12:00:00Z', endsAt: '2027-12-16T13:00:00Z', timeZone: 'Europe/London' });
    await seed('rejected', { status: 'rejected', country: 'FR', city: 'Paris', place: 'Rejected place', startsAt: '2027-12-16T12:00:00Z', endsAt: '2027-12-16T13:00:00Z', timeZone: 'Europe/Paris' });
    // London: 3 confirmed and live; one unconfirmed and one cancelled RSVP do not count.
    for (let i = 0; i < 3; i++) await insertRsvp(t.db.pool, ids.london!, { confirmed: true });
    await insertRsvp(t.db.pool, ids.london!, { confirmed: false });
    await insertRsvp(t.db.pool, ids.london!, { confirmed: true, cancelled: true });
    // Moscow: full.
    for (let i = 0; i < 2; i++) await insertRsvp(t.db.pool, ids.moscow!, { confirmed: true });
  });
  after(() => t.close());

  it('groups protests by country then city, soonest first, with no country first when none is known', async () => {
    const res = await request(t.app).get(PAGE).expect(200);
    // Countries by name: Germany, Kazakhstan, Russian Federation, United Kingdom, United States.
    assert.deepEqual(orderOf(res.text, ['id="protests-DE"', 'id="protests-GB"', 'id="protests-KZ"', 'id="protests-RU"', 'id="protests-US"']), ['id="protests-DE"', 'id="protests-KZ"', 'id="protests-RU"', 'id="protests-GB"', 'id="protests-US"']);
    // Within Germany: Berlin (soonest first: the embassy at 12:00, then the vigil at 18:00), then Munich.
    assert.deepEqual(orderOf(res.text, ['Berlin evening vigil', 'Berlin embassy', 'Munich consulate']), ['Berlin embassy', 'Berlin evening vigil', 'Munich consulate']);
    assert.match(res.text, /<h4 class="protest-city">Berlin<\/h4>[\s\S]*<h4 class="protest-city">Munich<\/h4>/);
    assert.match(res.text, /<option value="" *>All countries<\/option>|<option value="">All countries<\/option>/);
    assert.doesNotMatch(res.text, /<option value="[A-Z]{2}" selected>/);
  });

  it('puts the country of the browser\'s region first and preselects it (de-DE → DE; en-GB → GB)', async () => {
    const de = await request(t.app).get(PAGE).set('Accept-Language', 'de-DE,de;q=0.9,en;q=0.8').expect(200);
    assert.match(de.text, /<option value="DE" selected>Germany<\/option>/);
    assert.equal(orderOf(de.text, ['id="protests-DE"', 'id="protests-GB"', 'id="protests-KZ"'])[0], 'id="protests-DE"');
    const gb = await request(t.app).get(PAGE).set('Accept-Language', 'en-GB,en;q=0.9').expect(200);
    assert.match(gb.text, /<option value="GB" selected>/);
    assert.equal(orderOf(gb.text, ['id="protests-DE"', 'id="protests-GB"', 'id="protests-KZ"'])[0], 'id="protests-GB"');
    // A language without a region says nothing of where a person is.
    const plain = await request(t.app).get(PAGE).set('Accept-Language', 'de').expect(200);
    assert.doesNotMatch(plain.text, /<option value="[A-Z]{2}" selected>/);
  });

  it('lets the supporter choose another country with a GET form (?country=), over the browser\'s region', async () => {
    const home = await request(t.app).get(PAGE).expect(200);
    assert.match(home.text, /<form class="country-choice" method="get" action="\/actions\/zhanaozen-day">/);
    const us = await request(t.app).get(`${PAGE}?country=US`).set('Accept-Language', 'de-DE').expect(200);
    assert.match(us.text, /<option value="US" selected>/);
    assert.equal(orderOf(us.text, ['id="protests-DE"', 'id="protests-US"'])[0], 'id="protests-US"');
    // "All countries" (an empty choice) is no country first, whatever the browser says.
    const all = await request(t.app).get(`${PAGE}?country=`).set('Accept-Language', 'en-US').expect(200);
    assert.doesNotMatch(all.text, /<option value="[A-Z]{2}" selected>/);
    // A country with no protest: said so, with the way to propose one.
    const fr = await request(t.app).get(`${PAGE}?country=FR`).expect(200);
    assert.match(fr.text, /No protest is listed in France yet\. <a href="\/actions\/zhanaozen-day\/propose">/);
    // Junk is ignored, never echoed.
    const junk = await request(t.app).get(PAGE).query({ country: '<script>' }).expect(200);
    assert.doesNotMatch(junk.text, /<script>/);
  });

  it('reads the region of Accept-Language by preference', () => {
    assert.equal(countryOfAcceptLanguage('de-DE'), 'DE');
    assert.equal(countryOfAcceptLanguage('en;q=0.9,fr-BE;q=0.8'), 'BE');
    assert.equal(countryOfAcceptLanguage('en-US;q=0.5,de-AT'), 'AT');
    assert.equal(countryOfAcceptLanguage('zh-Hant-TW'), 'TW');
    assert.equal(countryOfAcceptLanguage('es-419,es'), undefined);
    assert.equal(countryOfAcceptLanguage('xx-ZZ'), undefined);
    assert.equal(countryOfAcceptLanguage(undefined), undefined);
  });

  it('shows each protest in its own zone, named, with the date in words (east and west of UTC)', async () => {
    const html = (await request(t.app).get(PAGE).expect(200)).text;
    const berlin = articleOf(html, ids.berlin!);
    assert.match(berlin, /<time datetime="2027-12-16T11:00:00.000Z">Thursday 16 December 2027, 12:00<\/time> to <time datetime="2027-12-16T13:00:00.000Z">14:00<\/time>/);
    assert.match(berlin, /Central European Standard Time \(UTC\+1\), local time/);
    // East of UTC: 07:00 UTC is noon in Almaty; 09:00 UTC is noon in Moscow.
    assert.match(articleOf(html, ids.almaty!), /Thursday 16 December 2027, 12:00<\/time> to <time[^>]*>13:00<\/time> <span class="protest-zone">[^<]*\(UTC\+5\)/);
    assert.match(articleOf(html, ids.moscow!), /Thursday 16 December 2027, 12:00<\/time>[\s\S]*Moscow Standard Time \(UTC\+3\)/);
    // West: 17:00 UTC is noon in Washington.
    assert.match(articleOf(html, ids.washington!), /Thursday 16 December 2027, 12:00<\/time> to <time[^>]*>13:30<\/time>[\s\S]*Eastern Standard Time \(UTC-5\)/);
    assert.match(articleOf(html, ids.london!), /Thursday 16 December 2027, 12:00<\/time>[\s\S]*Greenwich Mean Time \(UTC\)/);
  });

  it('shows a cancelled protest as cancelled, with no RSVP form; never a proposal or a rejected one', async () => {
    const html = (await request(t.app).get(PAGE).expect(200)).text;
    const cancelled = articleOf(html, ids.londonCancelled!);
    assert.match(cancelled, /class="protest protest-cancelled"/);
    assert.match(cancelled, /Cancelled: this protest will not take place\./);
    assert.doesNotMatch(cancelled, /rsvp-form/);
    assert.match(articleOf(html, ids.london!), /class="rsvp-form"/, 'a listed protest has the RSVP form');
    assert.doesNotMatch(html, /Proposed-not-approved place|Rejected place|Leeds/);
    assert.doesNotMatch(html, new RegExp(`protest-${ids.proposed}"|protest-${ids.rejected}"`));
  });

  it('shows the local organiser\'s contact only when they agreed', async () => {
    const html = (await request(t.app).get(PAGE).expect(200)).text;
    assert.match(articleOf(html, ids.london!), /<dt>Local organiser<\/dt><dd>Sam: sam-public@example.org<\/dd>/);
    assert.doesNotMatch(html, /jana-private@example\.org/);
    assert.doesNotMatch(articleOf(html, ids.berlin!), /Local organiser/);
  });

  it('shows the confirmed count and the places left; a full protest says so', async () => {
    const html = (await request(t.app).get(PAGE).expect(200)).text;
    assert.match(articleOf(html, ids.london!), /3 going · 7 places left/);
    assert.match(articleOf(html, ids.moscow!), /2 going · <strong>Full<\/strong>/);
    assert.match(articleOf(html, ids.berlin!), /<p class="protest-count">0 going<\/p>/);
    // The call's total: listed protests' confirmed RSVPs only.
    assert.match(html, /5 people are going \(confirmed by email\)\./);
    assert.match(articleOf(html, ids.london!), /<dt>Meeting point<\/dt><dd>Across the road<\/dd>[\s\S]*<dt>Access<\/dt><dd>Step-free pavement<\/dd>/);
  });

  it('loads nothing from another site: the map and Google Calendar are plain links, and the CSP is unchanged', async () => {
    const res = await request(t.app).get(PAGE).expect(200);
    const html = res.text;
    assert.doesNotMatch(html, /<iframe/i);
    for (const [, tag, url] of html.matchAll(/<(img|script|link|source|video|audio|embed|object)\b[^>]*\b(?:src|href|data)="([^"]*)"/gi)) {
      assert.ok(url!.startsWith('/') && !url!.startsWith('//'), `${tag} loads ${url} from another site`);
    }
    const london = decoded(articleOf(html, ids.london!));
    assert.match(london, /<a href="https:\/\/www\.openstreetmap\.org\/search\?query=1%20Demo%20Street%2C%20London%2C%20United%20Kingdom" rel="external noopener noreferrer">Map \(OpenStreetMap\)<\/a>/);
    assert.match(decoded(articleOf(html, ids.moscow!)), /<a href="https:\/\/www\.openstreetmap\.org\/\?mlat=55\.7558&mlon=37\.6173#map=18\/55\.7558\/37\.6173"/);
    assert.match(london, /<a href="\/protests\/\d+\/calendar\.ics" download>/);
    assert.match(london, /<a href="https:\/\/calendar\.google\.com\/calendar\/render\?action=TEMPLATE&text=London\+embassy%2C\+London[^"]*&dates=20271216T120000Z%2F20271216T140000Z[^"]*" rel="external noopener noreferrer">Google Calendar<\/a>/);
    const csp = res.headers['content-security-policy'] as string;
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /img-src 'self' data:/);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /openstreetmap|google/);
    assert.doesNotMatch(html, /<script src="\/assets\/count\.js"/, 'no script is needed');
  });

  it('offers the RSVP form only for protests to come, of an open call', async () => {
    const call = await insertCall(t.db.pool, 'past-and-closed');
    const past = await insertProtest(t.db.pool, call, { country: 'GB', city: 'London', place: 'Last year', startsAt: new Date(Date.now() - 2 * 86_400_000).toISOString(), endsAt: new Date(Date.now() - 86_400_000).toISOString(), timeZone: 'Europe/London' });
    const coming = await insertProtest(t.db.pool, call, { country: 'GB', city: 'London', place: 'Next week', startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(), endsAt: new Date(Date.now() + 7 * 86_400_000 + 3_600_000).toISOString(), timeZone: 'Europe/London' });
    const open = (await request(t.app).get('/actions/past-and-closed').expect(200)).text;
    assert.doesNotMatch(articleOf(open, past), /class="rsvp-form"/);
    assert.match(articleOf(open, coming), /class="rsvp-form"/);
    await t.db.pool.query("UPDATE actions SET status = 'closed', closed_at = now() WHERE id = $1", [call]);
    const closed = (await request(t.app).get('/actions/past-and-closed').expect(200)).text;
    assert.match(closed, /Next week/, 'still listed');
    assert.doesNotMatch(closed, /class="rsvp-form"|\/propose"/);
  });

  it('is a 404 for a draft call, as every action is', async () => {
    await insertCall(t.db.pool, 'draft-call', { status: 'draft' });
    await request(t.app).get('/actions/draft-call').expect(404);
  });
});
