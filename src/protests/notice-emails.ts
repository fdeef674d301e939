// The emails of notices to RSVPs (views/emails/protest-*.hbs): a reminder (the
// day before, on the day), "moved" (what changed, then the new details),
// "cancelled" (with the call's other protests) and the thank-you. Every time is
// the protest's local time with its zone named (luxon), as the RSVP will read
// it on the spot; every link is built from src/urls.ts.
import { DateTime } from 'luxon';
import { translate, type Locale } from '../i18n/index.ts';
import type { EmailRenderer } from '../mail/templates.ts';
import type { OutgoingEmail } from '../mail/mailer.ts';
import type { EmailCampaign } from '../settings/campaign.ts';
import { absolute, paths } from '../urls.ts';
import type { NoticeKind, OtherProtest, ProtestForNotice, ProtestVersion } from './protest-notices.repo.ts';

const LOCALE: Locale = 'en';

/** "Kazakhstan Time (GMT+5)", "Greenwich Mean Time (GMT)": the zone's name at that moment, and its short form. */
function zoneName(moment: DateTime): string {
  const long = moment.offsetNameLong;
  const short = moment.offsetNameShort ?? moment.toFormat('ZZ');
  return long && long !== short ? `${long} (${short})` : short;
}

/**
 * The local date and time of a protest, with the zone named: "Monday 26
 * October 2026, 12:00–14:00, Greenwich Mean Time (GMT)"; an end on another
 * day is given with its date.
 */
export function localWhen(p: Pick<ProtestVersion, 'starts_at' | 'ends_at' | 'time_zone'>): string {
  const start = DateTime.fromJSDate(p.starts_at, { zone: p.time_zone }).setLocale(LOCALE);
  const end = DateTime.fromJSDate(p.ends_at, { zone: p.time_zone }).setLocale(LOCALE);
  const day = 'cccc d LLLL yyyy';
  const range = start.hasSame(end, 'day') ? `${start.toFormat(`${day}, HH:mm`)}–${end.toFormat('HH:mm')}` : `${start.toFormat(`${day}, HH:mm`)} – ${end.toFormat(`${day}, HH:mm`)}`;
  return `${range}, ${zoneName(start)}`;
}

/** Just the start: "Wednesday 16 December 2026, 12:00, Kazakhstan Time (GMT+5)". */
function localStart(p: Pick<OtherProtest, 'starts_at' | 'time_zone'>): string {
  const start = DateTime.fromJSDate(p.starts_at, { zone: p.time_zone }).setLocale(LOCALE);
  return `${start.toFormat('cccc d LLLL yyyy, HH:mm')}, ${zoneName(start)}`;
}

/**
 * OpenStreetMap, opened only when the reader clicks (nothing is loaded from
 * it by the email): the point when the protest has coordinates, else a search
 * for its address in its city.
 */
export function mapUrl(p: Pick<ProtestForNotice, 'latitude' | 'longitude' | 'address' | 'place' | 'city'>): string {
  if (p.latitude !== null && p.longitude !== null) {
    return `https://www.openstreetmap.org/?mlat=${p.latitude}&mlon=${p.longitude}#map=18/${p.latitude}/${p.longitude}`;
  }
  return `https://www.openstreetmap.org/search?query=${encodeURIComponent(`${p.address || p.place}, ${p.city}`)}`;
}

const placeOf = (p: Pick<ProtestVersion, 'place' | 'city'>) => `${p.place}, ${p.city}`;

/** The details block every reminder and "moved" notice shows. */
function details(baseUrl: string, p: ProtestForNotice) {
  return {
    place: p.place,
    city: p.city,
    address: p.address,
    meetingPoint: p.meeting_point,
    accessibility: p.accessibility,
    when: localWhen(p),
    mapUrl: mapUrl(p),
    calendarUrl: absolute(baseUrl, paths.protestCalendar(p.id)),
  };
}

/** What changed between what RSVPs knew and the protest now, one line each. */
export function changesOf(before: ProtestVersion, now: ProtestForNotice): string[] {
  const t = (key: Parameters<typeof translate>[1], b: string, a: string) => translate(LOCALE, key, { before: b || none(), after: a || none() });
  const none = () => translate(LOCALE, 'protests.notices.moved.none');
  const lines: string[] = [];
  const whenBefore = localWhen(before);
  const whenNow = localWhen(now);
  if (whenBefore !== whenNow) lines.push(t('protests.notices.moved.time', whenBefore, whenNow));
  if (placeOf(before) !== placeOf(now)) lines.push(t('protests.notices.moved.place', placeOf(before), placeOf(now)));
  if (before.address !== now.address) lines.push(t('protests.notices.moved.address', before.address, now.address));
  if (before.meeting_point !== now.meeting_point) lines.push(t('protests.notices.moved.meetingPoint', before.meeting_point, now.meeting_point));
  return lines;
}

export type NoticeContext = {
  kind: NoticeKind;
  protest: ProtestForNotice;
  campaign: EmailCampaign;
  baseUrl: string;
  /** moved: what RSVPs knew before (undefined: not kept, then only the new details are shown). */
  before?: ProtestVersion;
  /** cancelled: the call's other protests still to come. */
  others?: OtherProtest[];
};

const TEMPLATES: Record<NoticeKind, string> = {
  day_before: 'protest-reminder',
  day_of: 'protest-reminder',
  moved: 'protest-moved',
  cancelled: 'protest-cancelled',
  thanks: 'protest-thanks',
};

export const templateOf = (kind: NoticeKind) => TEMPLATES[kind];

/** The email of this notice to one RSVP. */
export function composeNotice(renderEmail: EmailRenderer, n: NoticeContext, rsvp: { name: string; email: string; pageToken: string }): Omit<OutgoingEmail, 'messageId'> {
  const p = n.protest;
  const common = {
    locale: LOCALE,
    campaign: n.campaign,
    name: rsvp.name,
    place: p.place,
    city: p.city,
    action: p.action_title,
    actionUrl: absolute(n.baseUrl, paths.action(p.action_slug)),
    rsvpUrl: absolute(n.baseUrl, paths.rsvp(rsvp.pageToken)),
    protest: details(n.baseUrl, p),
  };
  let context: Record<string, unknown>;
  switch (n.kind) {
    case 'day_before':
    case 'day_of':
      context = { ...common, day: translate(LOCALE, n.kind === 'day_of' ? 'protests.notices.today' : 'protests.notices.tomorrow'), dayOf: n.kind === 'day_of' };
      break;
    case 'moved':
      context = { ...common, changes: n.before ? changesOf(n.before, p) : [] };
      break;
    case 'cancelled':
      context = {
        ...common,
        when: localWhen(p),
        others: (n.others ?? []).map((o) => ({ city: o.city, place: o.place, when: localStart(o) })),
      };
      break;
    case 'thanks':
      context = {
        ...common,
        // Plain text as the organisers typed it: paragraphs at blank lines, each escaped by the template.
        paragraphs: p.thank_you_message.split(/\n\s*\n/).map((s) => s.trim()).filter(Boolean),
        link: p.thank_you_link,
      };
      break;
  }
  const { subject, html, text } = renderEmail(TEMPLATES[n.kind], context as Parameters<EmailRenderer>[1]);
  return { to: { name: rsvp.name, address: rsvp.email }, fromName: n.campaign.fromName, subject, html, text };
}
