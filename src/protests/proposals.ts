// A supporter's proposal of a protest: stored as 'proposed' (never shown until
// an organiser lists it), and the organisers told by email through a job
// enqueued in the same transaction, so a proposal is neither lost to a failing
// SMTP server nor announced without being stored.
import { withTransaction, type Pool } from '../db/pool.ts';
import { ActionClosed, NotFound } from '../errors.ts';
import type { Action } from '../actions/actions.repo.ts';
import { isOpen } from '../actions/actions.service.ts';
import type { Queue } from '../jobs/queue.ts';
import type { ProposalInput } from './propose.schema.ts';
import * as repo from './protests.repo.ts';

/** The call whose page takes proposals: a public protest call, open, with proposals open. */
export async function requireCallTakingProposals(db: Pool, action: Action): Promise<repo.ProtestCall> {
  if (action.kind !== 'protest_call') throw new NotFound();
  const call = await repo.callOfAction(db, action.id);
  if (!call) throw new NotFound();
  if (!isOpen(action) || !call.proposals_open) throw new ActionClosed(action.slug);
  return call;
}

export async function proposeProtest(deps: { db: Pool; queue: Pick<Queue, 'enqueue'> }, action: Action, input: ProposalInput): Promise<number> {
  return withTransaction(deps.db, async (client) => {
    const protestId = await repo.insertProposal(client, { actionId: action.id, ...input });
    await deps.queue.enqueue(client, 'notify-protest-proposal', { protestId });
    return protestId;
  });
}
