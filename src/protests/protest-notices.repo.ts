// SQL for notices to a protest's RSVPs (sql/protest-notices.sql).
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('protest-notices.sql', ['queue-notice']);

export type NoticeKind = 'day_before' | 'day_of' | 'moved' | 'cancelled' | 'thanks';

/**
 * Queues a notice to every confirmed RSVP of the protest, once per kind and
 * version. Moving or cancelling a protest calls it in its own transaction, so
 * that the change and its notice commit together; the notice sender
 * (src/protests/notices.task.ts) does the rest.
 */
export async function queueNotice(db: Queryable, protestId: number, kind: NoticeKind, version: number): Promise<void> {
  await db.query({ ...sql['queue-notice'], values: [protestId, kind, version] });
}
