// The emails of notices to RSVPs (views/emails/protest-*.hbs): a reminder (the
// day before, on the day), "moved" (what changed, then the new details),
// "cancelled" (with the call's other protests) and the thank-you. Every time is
// the protest's local time with its zone named (luxon), as the RSVP will read
// it on the spot; every link is built from src/urls.ts.
import { translate, type Locale } from '../i18n/index.ts';
import type { EmailRenderer } from '../mail/templates.ts';
import type { OutgoingEmail } from '../mail/mailer.ts';
import { countryName } from '../signatures/countries.ts';
import { mapLink, startInWords, whenInWords } from './local-time.ts';
import type { EmailCampaign } from '../settings/campaign.ts';
import { absolute, paths } from '../urls.ts';
import type { NoticeKind, OtherProtest, ProtestForNotice, ProtestVersion } from './protest-notices.repo.ts';

const LOCALE: Locale = 'en';

/** The local date and time of a protest, with the zone named (src/protests/local-time.ts). */
export const localWhen = (p: Pick<ProtestVersion, 'starts_at' | 'ends_at' | 'time_zone'>): string => whenInWords(p);

const localStart = (p: Pick<OtherProtest, 'starts_at' | 'time_zone'>): string => startInWords(p.starts_at, p.time_zone);

/** The protest on OpenStreetMap, opened only when the reader clicks (the email loads nothing from it). */
export const mapUrl = (p: Pick<ProtestForNotice, 'latitude' | 'longitude' | 'address' | 'place' | 'city' | 'country'>): string => mapLink(p, countryName(LOCALE, p.country));

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
