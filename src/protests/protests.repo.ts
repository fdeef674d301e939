// SQL of protests as the public sees them (sql/protests.sql): a call's page,
// a protest's calendar file, a supporter's proposal.
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('protests.sql', ['call-of-action', 'public-protests-of-call', 'public-protest', 'insert-proposal', 'proposal']);

export type ProtestCall = {
  action_id: number;
  day: Date;
  time_zone: string;
  commemorates: string;
  proposals_open: boolean;
  thank_you_message: string;
  thank_you_link: string;
};

export type PublicStatus = 'listed' | 'cancelled';

export type PublicProtest = {
  id: number;
  status: PublicStatus;
  country: string;
  city: string;
  place: string;
  address: string;
  meeting_point: string;
  latitude: number | null;
  longitude: number | null;
  starts_at: Date;
  ends_at: Date;
  time_zone: string;
  capacity: number | null;
  accessibility: string;
  organiser_name: string;
  organiser_contact: string;
  organiser_contact_public: boolean;
  recipient_id: number | null;
  recipient_name: string | null;
  version: number;
  cancelled_at: Date | null;
  /** Confirmed, live RSVPs (docs/CONTEXT.md). */
  confirmed: number;
};

export type CalendarProtest = Pick<
  PublicProtest,
  'id' | 'status' | 'country' | 'city' | 'place' | 'address' | 'meeting_point' | 'latitude' | 'longitude' | 'starts_at' | 'ends_at' | 'time_zone' | 'accessibility' | 'version'
> & { created_at: Date; updated_at: Date; action_slug: string; action_title: string };

export type NewProposal = {
  actionId: number;
  country: string;
  city: string;
  place: string;
  address: string;
  meetingPoint: string;
  startsAt: Date;
  endsAt: Date;
  timeZone: string;
  name: string;
  email: string;
  note: string;
};

export type Proposal = {
  id: number;
  action_id: number;
  country: string;
  city: string;
  place: string;
  address: string;
  meeting_point: string;
  starts_at: Date;
  ends_at: Date;
  time_zone: string;
  proposed_by_name: string;
  proposed_by_email: string;
  proposal_note: string | null;
  action_title: string;
};

// bigint ids arrive from pg as strings: one place turns them into numbers.
const withId = <T extends { id: unknown }>(row: T) => ({ ...row, id: Number(row.id) });

export async function callOfAction(db: Queryable, actionId: number): Promise<ProtestCall | undefined> {
  const row = (await db.query<ProtestCall>({ ...sql['call-of-action'], values: [actionId] })).rows[0];
  return row && { ...row, action_id: Number(row.action_id) };
}

export async function publicProtestsOfCall(db: Queryable, actionId: number): Promise<PublicProtest[]> {
  return (await db.query<PublicProtest>({ ...sql['public-protests-of-call'], values: [actionId] })).rows.map((r) => ({
    ...withId(r),
    recipient_id: r.recipient_id === null ? null : Number(r.recipient_id),
  }));
}

export async function publicProtest(db: Queryable, id: number): Promise<CalendarProtest | undefined> {
  const row = (await db.query<CalendarProtest>({ ...sql['public-protest'], values: [id] })).rows[0];
  return row && withId(row);
}

export async function insertProposal(db: Queryable, p: NewProposal): Promise<number> {
  const { rows } = await db.query<{ id: string }>({
    ...sql['insert-proposal'],
    values: [p.actionId, p.country, p.city, p.place, p.address, p.meetingPoint, p.startsAt, p.endsAt, p.timeZone, p.name, p.email, p.note || null],
  });
  return Number(rows[0]!.id);
}

export async function proposal(db: Queryable, id: number): Promise<Proposal | undefined> {
  const row = (await db.query<Proposal>({ ...sql['proposal'], values: [id] })).rows[0];
  return row && { ...withId(row), action_id: Number(row.action_id) };
}

