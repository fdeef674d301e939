// SQL for the deliveries of letters (sql/letter-deliveries.sql): queueing in
// the confirm transaction, the sender's claim, pace, finish and bounce, and
// the delivery log.
import type pg from 'pg';
import QueryStream from 'pg-query-stream';
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';
import type { ClaimedDelivery } from './delivery-kinds.ts';
import { NO_PACE, type AddressPace } from './pacing.ts';

const sql = loadQueries('letter-deliveries.sql', [
  'queue-signature-letters',
  'claim-deliveries',
  'delivery-for-sending',
  'ensure-pace',
  'lock-pace',
  'save-pace',
  'postpone-delivery',
  'retry-delivery-later',
  'finish-delivery',
  'mark-address-bounced',
  'cancel-deliveries-to-address',
  'email-record',
  'bounce-notice',
  'active-organisers',
  'delivery-counts',
  'list-deliveries',
  'bounced-addresses-of-action',
  'export-deliveries',
  'signature-letter-parts',
]);

export type DeliveryState = 'held' | 'queued' | 'sent' | 'failed' | 'bounced' | 'cancelled';
export const DELIVERY_STATES: readonly DeliveryState[] = ['held', 'queued', 'sent', 'failed', 'bounced', 'cancelled'];

/** The letters of a just-confirmed signature, inserted in the caller's transaction. */
export async function queueSignatureLetters(db: Queryable, signatureId: number): Promise<{ id: number; state: DeliveryState }[]> {
  return (await db.query<{ id: number; state: DeliveryState }>({ ...sql['queue-signature-letters'], values: [signatureId] })).rows;
}

export async function claimDeliveries(db: Queryable, now: Date, limit: number, leaseSeconds: number): Promise<ClaimedDelivery[]> {
  return (await db.query<ClaimedDelivery>({ ...sql['claim-deliveries'], values: [now, limit, leaseSeconds] })).rows;
}

export type ForSending = { state: DeliveryState; claimed_until: Date | null; slotted: boolean; not_before: Date; address_health: 'active' | 'bounced' | 'suppressed' | null; per_hour: number; time_zone: string };

export async function deliveryForSending(db: Queryable, id: number): Promise<ForSending | undefined> {
  return (await db.query<ForSending>({ ...sql['delivery-for-sending'], values: [id] })).rows[0];
}

/** Reserves the address's next slot with `reserve`, under the row's lock (the caller's transaction). */
export async function withPaceOf(client: pg.PoolClient, addressId: number, reserve: (pace: AddressPace) => { slot: number; next: AddressPace }): Promise<number> {
  await client.query({ ...sql['ensure-pace'], values: [addressId] });
  const row = (await client.query<{ hour_start_ms: string | null; taken: number; last_at_ms: string | null }>({ ...sql['lock-pace'], values: [addressId] })).rows[0]!;
  // -infinity comes back as -Infinity from extract(): no hour counted yet.
  const toMs = (v: string | null) => (v === null ? -Infinity : Number(v));
  const pace: AddressPace = row ? { hourStart: toMs(row.hour_start_ms), taken: row.taken, lastAt: toMs(row.last_at_ms) } : NO_PACE;
  const { slot, next } = reserve(pace);
  await client.query({ ...sql['save-pace'], values: [addressId, next.hourStart, next.taken, next.lastAt] });
  return slot;
}

export async function postponeDelivery(db: Queryable, id: number, until: Date): Promise<void> {
  await db.query({ ...sql['postpone-delivery'], values: [id, until] });
}

export async function retryDeliveryLater(db: Queryable, id: number, error: string, at: Date): Promise<void> {
  await db.query({ ...sql['retry-delivery-later'], values: [id, error, at] });
}

export type Finish = { state: Exclude<DeliveryState, 'held' | 'queued'>; smtpResponse?: string; messageId?: string | null; lastError?: string; at: Date };

/** True when the delivery was still queued (and is now finished). */
export async function finishDelivery(db: Queryable, id: number, f: Finish): Promise<boolean> {
  const { rowCount } = await db.query({ ...sql['finish-delivery'], values: [id, f.state, f.smtpResponse ?? '', f.messageId ?? null, f.lastError ?? '', f.at] });
  return (rowCount ?? 0) > 0;
}

/** The address now bounced, or undefined when it was not active any more (an earlier bounce, an organiser). */
export async function markAddressBounced(db: Queryable, addressId: number, at: Date, reason: string) {
  return (await db.query<{ id: number; recipient_id: number; email: string }>({ ...sql['mark-address-bounced'], values: [addressId, at, reason] })).rows[0];
}

export async function cancelDeliveriesToAddress(db: Queryable, addressId: number, at: Date, reason: string): Promise<number> {
  return (await db.query({ ...sql['cancel-deliveries-to-address'], values: [addressId, at, reason] })).rowCount ?? 0;
}

export type EmailRecord = { status: 'sending' | 'sent' | 'failed'; smtp_response: string; message_id: string };

export async function emailRecord(db: Queryable, key: string): Promise<EmailRecord | undefined> {
  return (await db.query<EmailRecord>({ ...sql['email-record'], values: [key] })).rows[0];
}

export type BounceNotice = {
  email: string;
  health: string;
  health_since: Date;
  health_reason: string;
  recipient_id: number;
  recipient_name: string;
  organisation: string;
  cancelled: number;
};

export async function bounceNotice(db: Queryable, addressId: number): Promise<BounceNotice | undefined> {
  return (await db.query<BounceNotice>({ ...sql['bounce-notice'], values: [addressId] })).rows[0];
}

export async function activeOrganisers(db: Queryable): Promise<{ id: number; email: string; name: string }[]> {
  return (await db.query<{ id: number; email: string; name: string }>(sql['active-organisers'])).rows;
}

export async function deliveryCounts(db: Queryable, actionId: number): Promise<Record<DeliveryState, number>> {
  const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<DeliveryState, number>;
  const { rows } = await db.query<{ state: DeliveryState; count: number }>({ ...sql['delivery-counts'], values: [actionId] });
  for (const row of rows) counts[row.state] = row.count;
  return counts;
}

export type DeliveryLogRow = {
  id: number;
  kind: string;
  state: DeliveryState;
  email: string;
  attempts: number;
  last_error: string;
  smtp_response: string;
  message_id: string | null;
  created_at: Date;
  sent_at: Date | null;
  not_before: Date;
  signature_id: number | null;
  recipient_name: string | null;
};

export async function listDeliveries(db: Queryable, actionId: number, before: number | null, limit: number): Promise<DeliveryLogRow[]> {
  return (await db.query<DeliveryLogRow>({ ...sql['list-deliveries'], values: [actionId, before, limit] })).rows;
}

export type BouncedAddress = { id: number; email: string; health_since: Date; health_reason: string; recipient_name: string };

export async function bouncedAddressesOfAction(db: Queryable, actionId: number): Promise<BouncedAddress[]> {
  return (await db.query<BouncedAddress>({ ...sql['bounced-addresses-of-action'], values: [actionId] })).rows;
}

export function streamDeliveries(client: pg.PoolClient, actionId: number): QueryStream {
  return client.query(new QueryStream(sql['export-deliveries'].text, [actionId], { batchSize: 500 }));
}

export type SignatureLetterParts = {
  name: string | null;
  locality: string;
  country: string;
  comment: string;
  email: string | null;
  letter_reply_to: boolean;
  counts: boolean;
  without_paragraph: boolean;
  recipient_name: string;
  recipient_title: string;
  recipient_organisation: string;
  recipient_country: string | null;
  recipient_time_zone: string;
};

export async function signatureLetterParts(db: Queryable, deliveryId: number): Promise<SignatureLetterParts | undefined> {
  return (await db.query<SignatureLetterParts>({ ...sql['signature-letter-parts'], values: [deliveryId] })).rows[0];
}
