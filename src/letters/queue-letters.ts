// Letters per signature (delivery 'each') are queued in the transaction that
// confirms the signature (src/signatures/signature-pledge.ts): a confirmation
// that rolls back leaves no letter, and one that commits has its letters, so
// none is lost or sent for a signature that never counted. One statement
// (sql/letter-deliveries.sql, queue-signature-letters): routing, addresses and
// held-or-queued all decided in the database, on the hot path of a viral day.
import type { Queryable } from '../db/pool.ts';
import { queueSignatureLetters, type DeliveryState } from './deliveries.repo.ts';

/** The deliveries made for this signature (none unless its action has a letter delivered 'each'). */
export async function queueLettersOfSignature(client: Queryable, signature: { id: number }): Promise<{ id: number; state: DeliveryState }[]> {
  return queueSignatureLetters(client, signature.id);
}
