// A protest in a calendar: its .ics file (ical-generator 10; version 11 needs
// Node 22) and a Google Calendar link, both from the same fields, so the two
// say the same thing. Times are in UTC (DTSTART:…Z): Outlook shows a UTC time
// right in every zone, where a TZID without its VTIMEZONE block is guessed at.
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { absolute, paths } from '../urls.ts';

export type CalendarFields = {
  id: number;
  status: 'listed' | 'cancelled';
  city: string;
  place: string;
  address: string;
  meeting_point: string;
  starts_at: Date;
  ends_at: Date;
  accessibility: string;
  version: number;
};

export type CalendarEvent = {
  uid: string;
  summary: string;
  location: string;
  description: string;
  url: string;
  start: Date;
  end: Date;
  sequence: number;
  cancelled: boolean;
};

/** The protest on its call's page: the link a calendar entry leads back to. */
export function protestPageUrl(baseUrl: string, actionSlug: string, protestId: number): string {
  return `${absolute(baseUrl, paths.action(actionSlug))}#protest-${protestId}`;
}

/**
 * What a calendar entry says. The UID is the protest's, on this site's host,
 * so a second download updates the entry instead of adding a copy; SEQUENCE
 * is the protest's version, bumped when it is moved, so a calendar takes the
 * new time over the old one.
 */
export function calendarEvent(p: CalendarFields, action: { slug: string; title: string }, baseUrl: string): CalendarEvent {
  const url = protestPageUrl(baseUrl, action.slug, p.id);
  const description = [
    action.title,
    p.meeting_point && `Meeting point: ${p.meeting_point}`,
    p.accessibility && `Access: ${p.accessibility}`,
    url,
  ].filter(Boolean).join('\n\n');
  return {
    uid: `protest-${p.id}@${new URL(baseUrl).host}`,
    summary: `${p.place}, ${p.city}: ${action.title}`,
    // "Embassy, 1 Demo Street, London": the city once, when the address does not already name it.
    location: [p.place, p.address, p.address.includes(p.city) ? '' : p.city].filter(Boolean).join(', '),
    description,
    url,
    start: new Date(p.starts_at),
    end: new Date(p.ends_at),
    sequence: p.version,
    cancelled: p.status === 'cancelled',
  };
}

export function icsOf(event: CalendarEvent, stamp: Date): string {
  const calendar = ical({ prodId: { company: 'Placard', product: 'Protests', language: 'EN' }, method: ICalCalendarMethod.PUBLISH });
  calendar.createEvent({
    id: event.uid,
    sequence: event.sequence,
    // The time of the protest's last change, not of the download: two downloads of one version are the same file.
    stamp,
    start: event.start,
    end: event.end,
    summary: event.summary,
    location: event.location,
    description: event.description,
    url: event.url,
    status: event.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  return calendar.toString();
}

/** 20271216T090000Z, as Google's template link wants its dates. */
function googleDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** Google Calendar's "add event" page, filled in: a plain link, nothing loads from Google until it is clicked. */
export function googleCalendarUrl(event: CalendarEvent): string {
  const query = new URLSearchParams({
    action: 'TEMPLATE',
    text: event.summary,
    dates: `${googleDate(event.start)}/${googleDate(event.end)}`,
    details: event.description,
    location: event.location,
  });
  return `https://calendar.google.com/calendar/render?${query.toString()}`;
}

/** A file name a phone can save: protest-12-london.ics. */
export function calendarFileName(p: { id: number; city: string }): string {
  const city = p.city.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 40);
  return city ? `protest-${p.id}-${city}.ics` : `protest-${p.id}.ics`;
}
