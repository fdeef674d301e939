// What the sender of letters (deliver.task.ts) needs from each kind of
// delivery: a letter per signature (signature-letter.ts), or a collective
// letter to one recipient, a digest or a scheduled one (collective-letter.ts).
// The sender claims, paces, sends through sendOnce and logs; a composer only
// makes the email from the delivery row and the database.
import type { WorkerContext } from '../jobs/job.ts';
import type { OutgoingEmail } from '../mail/mailer.ts';

export type DeliveryKind = 'signature' | 'digest' | 'scheduled';

/** A row of letter_deliveries as the sender claimed it (xid8 values arrive as text). */
export type ClaimedDelivery = {
  id: number;
  action_id: number;
  recipient_id: number | null;
  address_id: number | null;
  email: string;
  kind: DeliveryKind;
  signature_id: number | null;
  after_xid: string | null;
  after_id: number | null;
  upto_xid: string | null;
  upto_id: number | null;
  signatory_count: number | null;
  total_count: number | null;
  attach_pdf: boolean;
  attempts: number;
  created_at: Date;
};

/**
 * The email for one delivery, addressed to `delivery.email`; undefined when
 * there is nothing to send any more (the signature was withdrawn or erased):
 * the sender marks the delivery cancelled.
 */
export type DeliveryComposer = (context: WorkerContext, delivery: ClaimedDelivery) => Promise<Omit<OutgoingEmail, 'messageId'> | undefined>;
