// The demo's protest call: the Zhanaozen anniversary, 16 December, with a
// protest at Kazakhstan's embassy in London, Berlin, Brussels, Paris,
// Washington and Moscow, each at a plausible hour of its own zone, and a
// letter to each embassy that supporters sign alongside their RSVP. The
// embassies are the demo directory's (src/letters/demo-recipients.ts: marked
// demo, on example.org), so no real embassy gets a letter; the protests stand
// at their demo addresses. Loaded once, on its own flag, like the demo letters.
import { DateTime } from 'luxon';
import { insertAction, type NewAction } from '../actions/actions.repo.ts';
import type { Queryable } from '../db/pool.ts';
import { demoRecipients } from '../letters/demo-recipients.ts';
import { demoRecipientIds, insertLetter, setLetterRecipients, type LetterSettings } from '../letters/letters.repo.ts';
import * as postsRepo from '../posts/posts.repo.ts';
import * as settings from '../settings/settings.repo.ts';
import { insertCall, insertProtest } from './protests-admin.repo.ts';

export const DEMO_PROTESTS_LOADED = 'demo_protests_loaded';

export const demoCallAction: Omit<NewAction, 'postId'> & { postSlug: string } = {
  postSlug: 'zhanaozen-massacre-third-anniversary',
  kind: 'protest_call',
  slug: 'zhanaozen-anniversary-protests',
  title: 'Zhanaozen anniversary: protest at Kazakhstan’s embassy on 16 December',
  demand: 'Justice for the oil workers shot in Zhanaozen on 16 December 2011: an independent inquiry, those who gave the order brought to justice, and freedom for the strikers and activists still in prison.',
  target: 'The embassies of the Republic of Kazakhstan',
  goal: 500,
  deadline: null,
  status: 'open',
};

const COMMEMORATES = 'On 16 December 2011, state forces opened fire on striking oil workers and their families in Zhanaozen, West Kazakhstan. Every year on that day we stand outside Kazakhstan’s embassies to remember the dead and the wounded, and to say that they are not forgotten.';
const THANK_YOU = 'Thank you for standing with the oil workers of Zhanaozen. Send us your photos and a few lines about your protest, and we will pass them on to the workers and their families.';

type DemoProtest = {
  country: string;
  /** Local wall time in the protest's zone, on the day. */
  start: string;
  end: string;
  timeZone: string;
  meetingPoint: string;
  accessibility: string;
  capacity: number | null;
  organiser?: { name: string; contact: string; public: boolean };
};

// Lunchtime where a crowd can gather on a weekday; Paris after work; Moscow short:
// a picket there is one person at a time, in turns, so a capacity keeps it small.
const protests: DemoProtest[] = [
  { country: 'GB', start: '12:00', end: '14:00', timeZone: 'Europe/London', meetingPoint: 'Across the road from the embassy’s gate.', accessibility: 'Step-free pavement; no seating, bring a folding stool if you need one.', capacity: null, organiser: { name: 'London solidarity group', contact: 'london-protest@example.org', public: true } },
  { country: 'DE', start: '13:00', end: '15:00', timeZone: 'Europe/Berlin', meetingPoint: 'At the corner by the bus stop.', accessibility: 'Step-free; the nearest accessible toilet is in the station, five minutes away.', capacity: null, organiser: { name: 'Berlin group', contact: 'berlin-protest@example.org', public: false } },
  { country: 'BE', start: '12:30', end: '14:00', timeZone: 'Europe/Brussels', meetingPoint: 'On the square in front of the embassy.', accessibility: 'Cobbles on the square; a smooth path along the left side.', capacity: 40 },
  { country: 'FR', start: '18:00', end: '19:30', timeZone: 'Europe/Paris', meetingPoint: 'By the railings, with candles.', accessibility: 'Step-free; it will be dark, and the pavement is lit.', capacity: null },
  { country: 'US', start: '12:00', end: '13:30', timeZone: 'America/New_York', meetingPoint: 'On the public sidewalk opposite the embassy.', accessibility: 'Step-free sidewalk with curb cuts at both corners.', capacity: null },
  { country: 'RU', start: '12:00', end: '13:00', timeZone: 'Europe/Moscow', meetingPoint: 'Single pickets in turn: the organiser tells you your slot.', accessibility: 'Standing only, one person at a time for ten minutes; a bench nearby for those waiting.', capacity: 6 },
];

// The letter supporters sign alongside their RSVP: to the embassy in the protest's country, once a day as a digest.
const letterSubject = 'Zhanaozen, 16 December: we stand outside your embassy today';
const letterBody = `Dear {{recipient_title}},

Today people are standing outside your embassy to remember the oil workers of Zhanaozen. On 16 December 2011 state forces shot at striking workers and their families there. People died. Many more were hurt. Nobody who gave the order has been put on trial.

We ask your government for three things:

- an independent inquiry into the shooting, with its findings made public;
- freedom for every worker and activist still in prison for the strike;
- the right for workers in Kazakhstan to form their own unions and to strike without fear.

Please send this letter on to your government in Astana.

Yours sincerely,

{{signer_name}}
{{#if signer_country}}
{{signer_country}}
{{/if}}
{{date}}`;

const letterSettings: LetterSettings = {
  subjectTemplate: letterSubject,
  bodyTemplate: letterBody,
  routing: 'by_country',
  // Every RSVP's letter is routed by its protest's country, which always has its embassy.
  fallbackRecipientId: null,
  delivery: 'digest',
  digestEvery: 'daily',
  digestHour: 9,
  scheduledLocal: null,
  attachPdf: false,
  perHour: 30,
  personalParagraph: false,
  copyToSupporter: false,
};

/** The demo address of the embassy in `country`, as the printed letter has it ("1 Demo Street, London"). */
function embassyAddress(country: string): { city: string; address: string } | undefined {
  const recipient = demoRecipients.find((r) => r.country === country && r.organisation.startsWith('Embassy'));
  if (!recipient) return undefined;
  const lines = recipient.postalAddress.split('\n').slice(1);
  return { city: lines[lines.length - 1]!, address: lines.join(', ') };
}

/**
 * Loads the call once, on its own flag, after the demo directory (its embassies):
 * on 16 December of the year after `now` (so it is always to come when the demo
 * loads), each protest at its local hour in its own zone.
 */
export async function loadDemoProtestCall(db: Queryable, now: Date): Promise<void> {
  if (!(await settings.claimOnce(db, DEMO_PROTESTS_LOADED))) return;
  const { postSlug, ...action } = demoCallAction;
  const postId = (await postsRepo.listPostIdsBySlugs(db, [postSlug])).get(postSlug);
  if (postId === undefined) return;
  const actionId = await insertAction(db, { ...action, postId });
  if (actionId === undefined) return;
  const year = DateTime.fromJSDate(now, { zone: 'Asia/Almaty' }).year + 1;
  const day = `${year}-12-16`;
  // The call's zone is where it happened: Zhanaozen keeps Kazakhstan's time.
  await insertCall(db, actionId, { day, timeZone: 'Asia/Almaty', commemorates: COMMEMORATES, proposalsOpen: true, thankYouMessage: THANK_YOU, thankYouLink: '' });
  const embassies = (await demoRecipientIds(db)).filter((r) => r.name.startsWith('Embassy') && protests.some((p) => p.country === r.country));
  for (const p of protests) {
    const where = embassyAddress(p.country);
    const embassy = embassies.find((r) => r.country === p.country);
    if (!where || !embassy) continue;
    // As an organiser adds one: listed at once.
    await insertProtest(db, actionId, {
      country: p.country,
      city: where.city,
      place: 'Embassy of the Republic of Kazakhstan',
      address: where.address,
      meetingPoint: p.meetingPoint,
      latitude: null,
      longitude: null,
      startsAt: DateTime.fromISO(`${day}T${p.start}`, { zone: p.timeZone }).toJSDate(),
      endsAt: DateTime.fromISO(`${day}T${p.end}`, { zone: p.timeZone }).toJSDate(),
      timeZone: p.timeZone,
      capacity: p.capacity,
      accessibility: p.accessibility,
      organiserName: p.organiser?.name ?? '',
      organiserContact: p.organiser?.contact ?? '',
      organiserContactPublic: p.organiser?.public ?? false,
      recipientId: embassy.id,
    });
  }
  if (embassies.length > 0 && (await insertLetter(db, actionId, letterSettings))) await setLetterRecipients(db, actionId, embassies.map((r) => r.id));
}
