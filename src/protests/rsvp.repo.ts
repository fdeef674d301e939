// SQL of RSVPs (sql/rsvps.sql).
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('rsvps.sql', [
  'get-protest', 'insert-rsvp', 'set-rsvp-signature', 'find-signature-of-email', 'count-another-rsvp-notice', 'narrow-rsvp-choices', 'allow-new-rsvp-link',
  'get-rsvp-for-notice', 'insert-rsvp-token', 'find-rsvp-token', 'lock-supporter-of-rsvp-token', 'lock-protest-of-rsvp',
  'count-places-taken', 'confirm-rsvp', 'delete-pending-rsvp', 'delete-pending-signature-alongside', 'get-rsvp-page', 'cancel-rsvp',
  'list-protest-rsvps', 'admin-get-protest', 'set-organiser-link', 'find-organiser-link', 'list-supporter-rsvps', 'purge-stale-pending-rsvps',
  'anonymise-past-rsvps',
]);

export type ProtestForRsvp = {
  id: number; action_id: number; status: string; country: string; city: string; place: string; address: string; meeting_point: string;
  starts_at: Date; ends_at: Date; time_zone: string; capacity: number | null; recipient_id: number | null;
  action_slug: string; action_title: string; recipient_name: string; letter_alongside: boolean; takes_rsvps: boolean; confirmed: number;
  /** Its call is public (not a draft, its post published), as the call's page. */
  public: boolean;
};

export async function getProtest(db: Queryable, id: number): Promise<ProtestForRsvp | undefined> {
  return (await db.query<ProtestForRsvp>({ ...sql['get-protest'], values: [id] })).rows[0];
}

export async function insertRsvp(db: Queryable, protestId: number, r: { email: string; name: string; share: boolean; wantsUpdates: boolean }) {
  return (await db.query<{ id: number; supporter_id: number }>({ ...sql['insert-rsvp'], values: [protestId, r.email, r.name, r.share, r.wantsUpdates] })).rows[0];
}

export async function setRsvpSignature(db: Queryable, rsvpId: number, signatureId: number): Promise<void> {
  await db.query({ ...sql['set-rsvp-signature'], values: [rsvpId, signatureId] });
}

export async function findSignatureOfEmail(db: Queryable, actionId: number, email: string): Promise<number | undefined> {
  return (await db.query<{ id: number }>({ ...sql['find-signature-of-email'], values: [actionId, email] })).rows[0]?.id;
}

export async function countAnotherNotice(db: Queryable, protestId: number, email: string, maxNotices: number, ttlDays: number) {
  return (await db.query<{ id: number; notices_sent: number; live: boolean }>({ ...sql['count-another-rsvp-notice'], values: [protestId, email, maxNotices, ttlDays] })).rows[0];
}

/** RSVPing again an RSVP not live: its boxes stay ticked only where this form ticked them too (sql/rsvps.sql). */
export async function narrowChoices(db: Queryable, protestId: number, r: { email: string; share: boolean; wantsUpdates: boolean; signLetter: boolean }): Promise<void> {
  await db.query({ ...sql['narrow-rsvp-choices'], values: [protestId, r.email, r.share, r.wantsUpdates, r.signLetter] });
}

export async function allowNewLink(db: Queryable, rsvpId: number, maxNotices: number, ttlDays: number): Promise<number | undefined> {
  return (await db.query<{ notices_sent: number }>({ ...sql['allow-new-rsvp-link'], values: [rsvpId, maxNotices, ttlDays] })).rows[0]?.notices_sent;
}

export type RsvpNotice = {
  rsvp_id: number; email: string; name: string; share_with_organiser: boolean; wants_updates: boolean; signature_id: number | null; live: boolean;
  protest_id: number; city: string; country: string; place: string; address: string; meeting_point: string; starts_at: Date; time_zone: string;
  action_slug: string; action_title: string; recipient_name: string;
};

export async function getRsvpForNotice(db: Queryable, rsvpId: number): Promise<RsvpNotice | undefined> {
  return (await db.query<RsvpNotice>({ ...sql['get-rsvp-for-notice'], values: [rsvpId] })).rows[0];
}

export async function insertToken(db: Queryable, hash: Buffer, rsvpId: number, ttlDays: number): Promise<void> {
  await db.query({ ...sql['insert-rsvp-token'], values: [hash, rsvpId, ttlDays] });
}

export type RsvpTokenState = {
  rsvp_id: number; used_at: Date | null; expired: boolean; confirmed: boolean; name: string; share_with_organiser: boolean; wants_updates: boolean;
  signature_id: number | null; protest_id: number; city: string; place: string; address: string; starts_at: Date; time_zone: string;
  action_slug: string; action_title: string; recipient_name: string; open: boolean;
};

export async function findToken(db: Queryable, hash: Buffer): Promise<RsvpTokenState | undefined> {
  return (await db.query<RsvpTokenState>({ ...sql['find-rsvp-token'], values: [hash] })).rows[0];
}

export async function lockSupporterOfToken(db: Queryable, hash: Buffer): Promise<void> {
  await db.query({ ...sql['lock-supporter-of-rsvp-token'], values: [hash] });
}

/** Locks the RSVP's protest to the end of the transaction; its capacity (null: no limit). */
export async function lockProtestOfRsvp(db: Queryable, rsvpId: number): Promise<{ protestId: number; capacity: number | null; open: boolean; actionSlug: string } | undefined> {
  const row = (await db.query<{ id: number; capacity: number | null; open: boolean; action_slug: string }>({ ...sql['lock-protest-of-rsvp'], values: [rsvpId] })).rows[0];
  return row && { protestId: row.id, capacity: row.capacity, open: row.open, actionSlug: row.action_slug };
}

/** The confirmed, live RSVPs of a protest (a statement of its own: read after the protest's lock is held). */
export async function countPlacesTaken(db: Queryable, protestId: number): Promise<number> {
  return (await db.query<{ n: number }>({ ...sql['count-places-taken'], values: [protestId] })).rows[0]!.n;
}

export type ConfirmedRsvp = { id: number; supporter_id: number; protest_id: number; action_id: number; action_slug: string; name: string; wants_updates: boolean; signature_id: number | null };

export async function confirmRsvp(db: Queryable, rsvpId: number): Promise<ConfirmedRsvp | undefined> {
  return (await db.query<ConfirmedRsvp>({ ...sql['confirm-rsvp'], values: [rsvpId] })).rows[0];
}

/** "It wasn't me": the pending RSVP goes, and the signature made alongside if it is still pending. */
export async function deletePendingRsvp(db: Queryable, rsvpId: number): Promise<boolean> {
  const row = (await db.query<{ signature_id: number | null }>({ ...sql['delete-pending-rsvp'], values: [rsvpId] })).rows[0];
  if (!row) return false;
  if (row.signature_id !== null) await db.query({ ...sql['delete-pending-signature-alongside'], values: [row.signature_id] });
  return true;
}

export type RsvpPage = {
  id: number; name: string; confirmed: boolean; cancelled: boolean; protest_id: number; city: string; place: string; address: string;
  starts_at: Date; time_zone: string; protest_status: string; action_slug: string; action_title: string;
};

export async function getRsvpPage(db: Queryable, rsvpId: number): Promise<RsvpPage | undefined> {
  return (await db.query<RsvpPage>({ ...sql['get-rsvp-page'], values: [rsvpId] })).rows[0];
}

export async function cancelRsvp(db: Queryable, rsvpId: number): Promise<boolean> {
  return ((await db.query({ ...sql['cancel-rsvp'], values: [rsvpId] })).rowCount ?? 0) > 0;
}

export type ListedRsvp = { id: number; first_name: string; share_with_organiser: boolean; full_name: string | null; email: string | null; confirmed_at: Date };

// Any space (a no-break, thin or ideographic one too: \s is Unicode's), a comma or a zero-width space.
const NAME_SEPARATORS = /[\s,\u200B]+/u;

/**
 * The first name of a name as typed, for those who did not agree to share
 * more: its first word, and for "Surname, Given" the word after the comma.
 * Cutting at an ASCII space only would hand "Dana<no-break space>Karimovna"
 * to the local organiser whole.
 */
export function firstNameOf(typed: string): string {
  const name = typed.trim();
  const comma = name.indexOf(',');
  const given = comma >= 0 && name.slice(comma + 1).trim() ? name.slice(comma + 1) : name;
  return given.split(NAME_SEPARATORS).find((word) => word !== '') ?? '';
}

export async function listProtestRsvps(db: Queryable, protestId: number): Promise<ListedRsvp[]> {
  const { rows } = await db.query<Omit<ListedRsvp, 'first_name'> & { typed_name: string }>({ ...sql['list-protest-rsvps'], values: [protestId] });
  return rows.map(({ typed_name, ...r }) => ({ ...r, first_name: firstNameOf(typed_name) }));
}

export type AdminProtest = { id: number; action_id: number; city: string; country: string; place: string; starts_at: Date; time_zone: string; capacity: number | null; status: string; action_title: string };

export async function adminGetProtest(db: Queryable, id: number): Promise<AdminProtest | undefined> {
  return (await db.query<AdminProtest>({ ...sql['admin-get-protest'], values: [id] })).rows[0];
}

export async function setOrganiserLink(db: Queryable, protestId: number, hash: Buffer, organiserId: number): Promise<void> {
  await db.query({ ...sql['set-organiser-link'], values: [protestId, hash, organiserId] });
}

export async function organiserLinkMatches(db: Queryable, protestId: number, hash: Buffer): Promise<boolean> {
  return ((await db.query({ ...sql['find-organiser-link'], values: [protestId, hash] })).rowCount ?? 0) > 0;
}

export type SupporterRsvp = {
  id: number; name: string; share_with_organiser: boolean; wants_updates: boolean; created_at: Date; confirmed_at: Date | null; cancelled_at: Date | null;
  city: string; place: string; starts_at: Date; time_zone: string; action_title: string; action_slug: string;
};

export async function listSupporterRsvps(db: Queryable, supporterId: number): Promise<SupporterRsvp[]> {
  return (await db.query<SupporterRsvp>({ ...sql['list-supporter-rsvps'], values: [supporterId] })).rows;
}

/** Deletes RSVPs never confirmed, `retentionDays` after their last link expired (links live `linkTtlDays`). */
export async function purgeStalePendingRsvps(db: Queryable, retentionDays: number, linkTtlDays: number): Promise<void> {
  await db.query({ ...sql['purge-stale-pending-rsvps'], values: [retentionDays, linkTtlDays] });
}

export type RsvpAnonymiseRound = { anonymised: number; deleted: number; links: number };

/** Who went to protests that ended `afterDays` ago is forgotten; their counts stay (sql/rsvps.sql anonymise-past-rsvps). */
export async function anonymisePastRsvps(db: Queryable, afterDays: number): Promise<RsvpAnonymiseRound> {
  return (await db.query<RsvpAnonymiseRound>({ ...sql['anonymise-past-rsvps'], values: [afterDays] })).rows[0]!;
}
