// A protest's calendar file, parsed back as a calendar app reads it: times in
// UTC (…Z, so Outlook shows them right in every zone), SUMMARY, LOCATION, a
// DESCRIPTION with the page's link, a UID that stays the same across downloads
// (a second download updates the entry, never adds a copy), SEQUENCE = the
// protest's version, STATUS:CANCELLED for a cancelled one; and the Google
// Calendar link on the page built from the same fields.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertCall, insertProtest } from './page-fixtures.ts';

type Property = { name: string; params: string; value: string };

/** RFC 5545, as much as a test needs: unfold, split each line into name, parameters and value, unescape text. */
function parseIcs(ics: string): { lines: Property[]; event: Map<string, Property> } {
  assert.ok(ics.includes('\r\n'), 'lines end with CRLF');
  const unfolded = ics.replace(/\r\n[ \t]/g, '').split('\r\n').filter(Boolean);
  const lines = unfolded.map((line) => {
    const colon = line.indexOf(':');
    const head = line.slice(0, colon);
    const [name = '', ...params] = head.split(';');
    return { name, params: params.join(';'), value: line.slice(colon + 1) };
  });
  const begin = lines.findIndex((l) => l.name === 'BEGIN' && l.value === 'VEVENT');
  const end = lines.findIndex((l) => l.name === 'END' && l.value === 'VEVENT');
  assert.ok(begin >= 0 && end > begin, 'one VEVENT');
  assert.equal(lines.filter((l) => l.name === 'BEGIN' && l.value === 'VEVENT').length, 1);
  return { lines, event: new Map(lines.slice(begin + 1, end).map((l) => [l.name, l])) };
}

function text(value: string): string {
  return value.replace(/\\n/gi, '\n').replace(/\\([,;\\])/g, '$1');
}

/** 20271216T120000Z → the moment. */
function utc(value: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  assert.ok(m, `${value} is a UTC date-time`);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`;
}

describe('a protest\'s calendar file', () => {
  let t: TestApp;
  let berlin: number;
  let cancelled: number;
  let proposed: number;
  let rejected: number;
  let inDraft: number;

  before(async () => {
    t = await createTestApp();
    const call = await insertCall(t.db.pool, 'zhanaozen-day');
    berlin = await insertProtest(t.db.pool, call, { country: 'DE', city: 'Berlin', place: 'Embassy of Kazakhstan', address: 'Unter den Linden 1; Mitte', meetingPoint: 'By the gate, with banners', startsAt: '2027-12-16T11:00:00Z', endsAt: '2027-12-16T13:00:00Z', timeZone: 'Europe/Berlin', accessibility: 'Step-free' });
    cancelled = await insertProtest(t.db.pool, call, { status: 'cancelled', country: 'GB', city: 'London', place: 'Trafalgar Square', startsAt: '2027-12-16T12:00:00Z', endsAt: '2027-12-16T14:00:00Z', timeZone: 'Europe/London', version: 2 });
    proposed = await insertProtest(t.db.pool, call, { status: 'proposed', country: 'GB', city: 'Leeds', place: 'Town hall', startsAt: '2027-12-16T12:00:00Z', endsAt: '2027-12-16T14:00:00Z', timeZone: 'Europe/London' });
    rejected = await insertProtest(t.db.pool, call, { status: 'rejected', country: 'GB', city: 'York', place: 'Minster', startsAt: '2027-12-16T12:00:00Z', endsAt: '2027-12-16T14:00:00Z', timeZone: 'Europe/London' });
    const draft = await insertCall(t.db.pool, 'draft-call', { status: 'draft' });
    inDraft = await insertProtest(t.db.pool, draft, { country: 'FR', city: 'Paris', place: 'Embassy', startsAt: '2027-12-16T12:00:00Z', endsAt: '2027-12-16T14:00:00Z', timeZone: 'Europe/Paris' });
  });
  after(() => t.close());

  it('is a text/calendar download with a file name, times in UTC, summary, location and the page\'s link', async () => {
    const res = await request(t.app).get(`/protests/${berlin}/calendar.ics`).expect(200);
    assert.equal(res.headers['content-type'], 'text/calendar; charset=utf-8');
    assert.match(res.headers['content-disposition'] as string, new RegExp(`^attachment; filename="?protest-${berlin}-berlin\\.ics"?$`));
    const { event, lines } = parseIcs(res.text);
    assert.equal(lines[0]!.name + ':' + lines[0]!.value, 'BEGIN:VCALENDAR');
    // Noon in Berlin (CET, UTC+1) is 11:00 UTC; no TZID for a calendar to guess at.
    assert.equal(event.get('DTSTART')!.params, '');
    assert.equal(utc(event.get('DTSTART')!.value), '2027-12-16T11:00:00.000Z');
    assert.equal(utc(event.get('DTEND')!.value), '2027-12-16T13:00:00.000Z');
    assert.equal(text(event.get('SUMMARY')!.value), 'Embassy of Kazakhstan, Berlin: Call zhanaozen-day');
    assert.equal(text(event.get('LOCATION')!.value), 'Embassy of Kazakhstan, Unter den Linden 1; Mitte, Berlin');
    const description = text(event.get('DESCRIPTION')!.value);
    assert.match(description, /Meeting point: By the gate, with banners/);
    assert.match(description, /Access: Step-free/);
    assert.ok(description.includes(`http://placard.test/actions/zhanaozen-day#protest-${berlin}`), description);
    assert.equal(event.get('URL')!.value, `http://placard.test/actions/zhanaozen-day#protest-${berlin}`);
    assert.equal(event.get('STATUS')!.value, 'CONFIRMED');
    assert.equal(event.get('SEQUENCE')!.value, '1');
  });

  it('keeps its UID across downloads, and the same file for the same version', async () => {
    const first = await request(t.app).get(`/protests/${berlin}/calendar.ics`).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await request(t.app).get(`/protests/${berlin}/calendar.ics`).expect(200);
    assert.equal(parseIcs(first.text).event.get('UID')!.value, `protest-${berlin}@placard.test`);
    assert.equal(parseIcs(second.text).event.get('UID')!.value, `protest-${berlin}@placard.test`);
    assert.equal(first.text, second.text);
  });

  it('follows the protest\'s version in SEQUENCE when it is moved, under the same UID', async () => {
    await t.db.pool.query("UPDATE protests SET version = 3, starts_at = '2027-12-16T12:00:00Z', ends_at = '2027-12-16T14:00:00Z', updated_at = now() WHERE id = $1", [berlin]);
    const { event } = parseIcs((await request(t.app).get(`/protests/${berlin}/calendar.ics`).expect(200)).text);
    assert.equal(event.get('SEQUENCE')!.value, '3');
    assert.equal(event.get('UID')!.value, `protest-${berlin}@placard.test`);
    assert.equal(utc(event.get('DTSTART')!.value), '2027-12-16T12:00:00.000Z');
  });

  it('says CANCELLED for a cancelled protest, so a calendar that has it crosses it out', async () => {
    const { event } = parseIcs((await request(t.app).get(`/protests/${cancelled}/calendar.ics`).expect(200)).text);
    assert.equal(event.get('STATUS')!.value, 'CANCELLED');
    assert.equal(event.get('SEQUENCE')!.value, '2');
  });

  it('has no file for a proposal, a rejected protest, one of a draft call, or a junk id', async () => {
    for (const id of [proposed, rejected, inDraft]) await request(t.app).get(`/protests/${id}/calendar.ics`).expect(404);
    await request(t.app).get('/protests/abc/calendar.ics').expect(404);
    await request(t.app).get('/protests/99999999/calendar.ics').expect(404);
  });

  it('offers on the page a Google Calendar link with the same summary, times and location as the file', async () => {
    const { event } = parseIcs((await request(t.app).get(`/protests/${berlin}/calendar.ics`).expect(200)).text);
    const page = (await request(t.app).get('/actions/zhanaozen-day').expect(200)).text.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    const start = page.indexOf(`id="protest-${berlin}"`);
    const href = /href="(https:\/\/calendar\.google\.com\/[^"]+)"/.exec(page.slice(start))![1]!;
    const link = new URL(href);
    assert.equal(link.searchParams.get('action'), 'TEMPLATE');
    assert.equal(link.searchParams.get('text'), text(event.get('SUMMARY')!.value));
    assert.equal(link.searchParams.get('location'), text(event.get('LOCATION')!.value));
    assert.equal(link.searchParams.get('dates'), `${event.get('DTSTART')!.value}/${event.get('DTEND')!.value}`);
    assert.equal(link.searchParams.get('details'), text(event.get('DESCRIPTION')!.value));
    assert.ok(page.slice(start).includes(`href="/protests/${berlin}/calendar.ics" download`));
  });
});
