// Signing. A signature is stored pending and counts only once its email is
// confirmed (src/signatures/signature-pledge.ts); each submission of the form that earns an email is
// kept with the link sent for it, so the mailbox owner confirms what they sent,
// never what someone else typed first with their address. The confirmation
// email is a job written in the same transaction: for a first signature, in
// the very statement that stores it (one round trip, the hot path). What the signer is told
// never reveals whether the email had signed before: only the mailbox learns that.
import type { Config } from '../config.ts';
import { withTransaction, type Pool } from '../db/pool.ts';
import type { Action } from '../actions/actions.repo.ts';
import { jobInsertOf, type Queue } from '../jobs/queue.ts';
import { hashIp } from './ip-hash.ts';
import * as repo from './signatures.repo.ts';
import type { SignatureInput } from './signatures.schema.ts';

export type SigningDeps = {
  db: Pool;
  queue: Pick<Queue, 'enqueue'>;
  config: Pick<Config, 'confirmationMaxResends' | 'confirmationTtlDays'>;
  /** The key for IP hashes, derived once from the app secret (deriveIpKey), not per request. */
  ipKey: Buffer;
};

/** Signs `action` with `input`, sent from `ip` (the client's address as Express sees it; stored only as a keyed hash). */
export async function sign(deps: SigningDeps, action: Action, input: SignatureInput, ip: string | undefined): Promise<void> {
  // One HMAC, before the transaction opens: nothing is held while it runs.
  const ipHash = hashIp(deps.ipKey, ip) ?? null;
  // A first signature and its confirmation job: one statement, no transaction to hold open.
  const job = await jobInsertOf(deps.queue, 'send-confirmation', { notice: 'confirm', submissionId: 0 });
  if (await repo.signFirst(deps.db, job, action.id, input, ipHash)) return;
  await withTransaction(deps.db, async (client) => {
    // Signed before: tell the mailbox, a bounded number of times. A pending
    // signature gets a link for this submission; a confirmed one, "already signed".
    const { confirmationMaxResends, confirmationTtlDays } = deps.config;
    const allowance = await repo.countAnotherNotice(client, action.id, input.email, 1 + confirmationMaxResends, confirmationTtlDays);
    if (!allowance) return;
    if (allowance.confirmed) {
      await deps.queue.enqueue(client, 'send-confirmation', { notice: 'already-signed', signatureId: allowance.id, sequence: allowance.notices_sent });
    } else {
      const submissionId = await repo.insertSubmission(client, allowance.id, input, ipHash);
      await deps.queue.enqueue(client, 'send-confirmation', { notice: 'confirm', submissionId });
    }
  });
}
