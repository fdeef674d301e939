// SQL of the admin of protest calls and their protests (sql/protests-admin.sql).
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('protests-admin.sql', [
  'get-call',
  'lock-call',
  'insert-call',
  'update-call',
  'list-protests',
  'get-protest',
  'lock-protest',
  'confirmed-count',
  'insert-protest',
  'update-protest',
  'decide-proposal',
  'cancel-protest',
  'get-recipient-choice',
]);

export type ProtestStatus = 'proposed' | 'listed' | 'cancelled' | 'rejected';

/** A call's settings as organisers set them (the protest_calls row, but its action). */
export type CallSettings = {
  /** The day of action, YYYY-MM-DD, in the call's zone. */
  day: string;
  timeZone: string;
  commemorates: string;
  proposalsOpen: boolean;
  thankYouMessage: string;
  thankYouLink: string;
};

export type ProtestCall = {
  action_id: number;
  day: string;
  time_zone: string;
  commemorates: string;
  proposals_open: boolean;
  thank_you_message: string;
  thank_you_link: string;
  updated_at: Date;
};

export async function getCall(db: Queryable, actionId: number): Promise<ProtestCall | undefined> {
  return (await db.query<ProtestCall>({ ...sql['get-call'], values: [actionId] })).rows[0];
}

export async function lockCall(db: Queryable, actionId: number): Promise<ProtestCall | undefined> {
  return (await db.query<ProtestCall>({ ...sql['lock-call'], values: [actionId] })).rows[0];
}

const callValues = (actionId: number, s: CallSettings) => [actionId, s.day, s.timeZone, s.commemorates, s.proposalsOpen, s.thankYouMessage, s.thankYouLink];

/** false when a call row was made meanwhile (by another organiser's save). */
export async function insertCall(db: Queryable, actionId: number, s: CallSettings): Promise<boolean> {
  return (await db.query({ ...sql['insert-call'], values: callValues(actionId, s) })).rowCount === 1;
}

export async function updateCall(db: Queryable, actionId: number, s: CallSettings): Promise<void> {
  await db.query({ ...sql['update-call'], values: callValues(actionId, s) });
}

/** One protest in the admin's list. */
export type ProtestRow = {
  id: number;
  status: ProtestStatus;
  country: string;
  city: string;
  place: string;
  starts_at: Date;
  ends_at: Date;
  time_zone: string;
  capacity: number | null;
  version: number;
  proposed_by_name: string | null;
  proposed_by_email: string | null;
  created_at: Date;
  /** Confirmed RSVPs not cancelled: what counts. */
  confirmed: number;
};

export async function listProtests(db: Queryable, actionId: number): Promise<ProtestRow[]> {
  return (await db.query<ProtestRow>({ ...sql['list-protests'], values: [actionId] })).rows;
}

/** The fields of a protest an organiser edits. */
export type ProtestFields = {
  country: string;
  city: string;
  place: string;
  address: string;
  meetingPoint: string;
  /** As typed, normalised ("51.5"), or null: numeric in the database, kept as text so no float rounds it. */
  latitude: string | null;
  longitude: string | null;
  startsAt: Date;
  endsAt: Date;
  timeZone: string;
  capacity: number | null;
  accessibility: string;
  organiserName: string;
  organiserContact: string;
  organiserContactPublic: boolean;
  recipientId: number | null;
};

/** A protest row as stored. */
export type Protest = {
  id: number;
  action_id: number;
  status: ProtestStatus;
  country: string;
  city: string;
  place: string;
  address: string;
  meeting_point: string;
  latitude: string | null;
  longitude: string | null;
  starts_at: Date;
  ends_at: Date;
  time_zone: string;
  capacity: number | null;
  accessibility: string;
  organiser_name: string;
  organiser_contact: string;
  organiser_contact_public: boolean;
  recipient_id: number | null;
  proposed_by_name: string | null;
  proposed_by_email: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  cancelled_at: Date | null;
};

export async function getProtest(db: Queryable, id: number): Promise<(Protest & { confirmed: number }) | undefined> {
  return (await db.query<Protest & { confirmed: number }>({ ...sql['get-protest'], values: [id] })).rows[0];
}

export async function lockProtest(db: Queryable, id: number): Promise<Protest | undefined> {
  return (await db.query<Protest>({ ...sql['lock-protest'], values: [id] })).rows[0];
}

export async function confirmedCount(db: Queryable, id: number): Promise<number> {
  return (await db.query<{ confirmed: number }>({ ...sql['confirmed-count'], values: [id] })).rows[0]!.confirmed;
}

const fieldValues = (f: ProtestFields) => [
  f.country, f.city, f.place, f.address, f.meetingPoint, f.latitude, f.longitude, f.startsAt, f.endsAt, f.timeZone,
  f.capacity, f.accessibility, f.organiserName, f.organiserContact, f.organiserContactPublic, f.recipientId,
];

/** A protest an organiser adds is listed at once (a supporter's proposal is made by src/protests/protests.repo.ts). */
export async function insertProtest(db: Queryable, actionId: number, f: ProtestFields): Promise<number> {
  const { rows } = await db.query<{ id: number }>({ ...sql['insert-protest'], values: [actionId, ...fieldValues(f)] });
  return rows[0]!.id;
}

export async function updateProtest(db: Queryable, id: number, f: ProtestFields, version: number): Promise<void> {
  await db.query({ ...sql['update-protest'], values: [id, ...fieldValues(f), version] });
}

/** Approves (listed) or rejects a proposal; false when it was no longer a proposal. */
export async function decideProposal(db: Queryable, id: number, status: 'listed' | 'rejected'): Promise<boolean> {
  return (await db.query({ ...sql['decide-proposal'], values: [id, status] })).rowCount === 1;
}

/** false when it was not listed. */
export async function cancelProtest(db: Queryable, id: number, at: Date): Promise<boolean> {
  return (await db.query({ ...sql['cancel-protest'], values: [id, at] })).rowCount === 1;
}

export async function getRecipientChoice(db: Queryable, id: number): Promise<{ id: number; name: string; country: string | null } | undefined> {
  return (await db.query<{ id: number; name: string; country: string | null }>({ ...sql['get-recipient-choice'], values: [id] })).rows[0];
}
