// RSVPing to a protest. An RSVP is stored pending and counts once its email is
// confirmed (src/protests/rsvp-pledge.ts); the confirmation email is a job
// enqueued in the same transaction. RSVPing again with the same address never
// makes a second RSVP: the mailbox is told again, a bounded number of times
// (a fresh link while it is not confirmed, "already RSVPed" once it is). What
// the person at the form is told never says which: only the mailbox learns it.
import type { Config } from '../config.ts';
import { withTransaction, type Pool } from '../db/pool.ts';
import type { Queue } from '../jobs/queue.ts';
import { hashIp } from '../signatures/ip-hash.ts';
import { insertSignature } from '../signatures/signatures.repo.ts';
import * as repo from './rsvp.repo.ts';
import type { RsvpInput } from './rsvp.schema.ts';

export type RsvpDeps = {
  db: Pool;
  queue: Pick<Queue, 'enqueue'>;
  config: Pick<Config, 'confirmationMaxResends' | 'confirmationTtlDays'>;
  ipKey: Buffer;
};

/** Whether every place of a protest is taken (by confirmed, live RSVPs). */
export const isFull = (protest: Pick<repo.ProtestForRsvp, 'capacity' | 'confirmed'>): boolean => protest.capacity !== null && protest.confirmed >= protest.capacity;

export async function rsvp(deps: RsvpDeps, protest: repo.ProtestForRsvp, input: RsvpInput, ip: string | undefined): Promise<void> {
  const ipHash = hashIp(deps.ipKey, ip) ?? null;
  await withTransaction(deps.db, async (client) => {
    const first = await repo.insertRsvp(client, protest.id, input);
    if (first) {
      // The call's letter to this protest's embassy, signed alongside: a pending
      // signature of the call's action from the protest's country, confirmed
      // with the RSVP. An address that signed the action before keeps that one.
      if (input.signLetter && protest.letter_alongside) {
        const made = await insertSignature(client, protest.action_id, {
          name: input.name, email: input.email, country: protest.country, locality: '', comment: '',
          showName: false, wantsUpdates: input.wantsUpdates, letterReplyTo: false,
        }, ipHash);
        const signatureId = made?.signatureId ?? (await repo.findSignatureOfEmail(client, protest.action_id, input.email));
        if (signatureId !== undefined) await repo.setRsvpSignature(client, first.id, signatureId);
      }
      await deps.queue.enqueue(client, 'send-confirmation', { notice: 'confirm-rsvp', rsvpId: first.id, sequence: 1 });
      return;
    }
    // Not live yet (or cancelled): a stranger's earlier ticks never outlive this form's.
    await repo.narrowChoices(client, protest.id, input);
    const { confirmationMaxResends, confirmationTtlDays } = deps.config;
    const allowance = await repo.countAnotherNotice(client, protest.id, input.email, 1 + confirmationMaxResends, confirmationTtlDays);
    if (!allowance) return;
    await deps.queue.enqueue(client, 'send-confirmation', {
      notice: allowance.live ? 'already-rsvped' : 'confirm-rsvp',
      rsvpId: allowance.id,
      sequence: allowance.notices_sent,
    });
  });
}

/**
 * What views/partials/rsvp-form.hbs takes for one protest, for the call's page
 * (part F): whether it is full, whether the letter can be signed alongside, and
 * the form's state when the form came back for this protest (values.protest).
 */
export function rsvpFormContext(
  protest: { id: number; capacity: number | null; confirmed: number; letter_alongside?: boolean; recipient_name?: string },
  form: { values?: Record<string, unknown>; errors?: Record<string, unknown> } = {},
) {
  const mine = form.values?.protest === String(protest.id);
  return {
    protest: { ...protest, full: isFull(protest), letterAlongside: protest.letter_alongside === true, recipientName: protest.recipient_name ?? '' },
    values: mine ? form.values : undefined,
    errors: mine ? form.errors : undefined,
  };
}
