// The one confirmation machinery of every kind of pledge (src/pledges/pledge.ts):
// the page behind a link, its button, "it wasn't me", and a new link for a spent
// one. The kinds say what differs; the token, its single use and the states of
// a link are here, once.
import { withTransaction, type Pool } from '../db/pool.ts';
import { ActionClosed, LinkUnknown, NotFound } from '../errors.ts';
import { hashToken, isWellFormedToken } from '../http/link-tokens.ts';
import * as repo from './confirmation.repo.ts';
import type { PledgeKind, PledgeLink } from './pledge.ts';

/** What the page behind a link shows. */
export type LinkPage =
  | { state: 'ready'; link: PledgeLink }
  | { state: 'confirmed'; link: PledgeLink; thanksPath: string }
  /** Used or expired while the pledge is still pending: a new link is one tap away. */
  | { state: 'spent'; link: PledgeLink };

export type Confirmations = {
  /** What a link is about, whatever the state of its token (for "it wasn't me"). */
  describe(token: unknown): Promise<PledgeLink>;
  inspect(token: unknown): Promise<LinkPage>;
  /** Confirms the pledge behind a live link: where the supporter goes next, or the spent link's page. */
  confirm(token: unknown): Promise<{ next: string } | { spent: PledgeLink }>;
  cancel(token: unknown): Promise<{ removed: boolean; link: PledgeLink }>;
  /** A fresh link for a pending pledge whose link is spent (bounded; the answer is the same past the bound). */
  sendNewLink(token: unknown): Promise<PledgeLink>;
};

export function createConfirmations(db: Pool, kinds: readonly PledgeKind[]): Confirmations {
  /** The link's kind and what it leads to, whatever the state of its token. */
  async function find(token: unknown): Promise<{ kind: PledgeKind; link: PledgeLink; hash: Buffer }> {
    if (!isWellFormedToken(token)) throw new LinkUnknown();
    const hash = hashToken(token);
    // Each kind's own lookup finds only its links, in the order given (signatures
    // first, the viral case): a link of the first kind costs one query.
    for (const kind of kinds) {
      const link = await kind.find(db, hash);
      if (link) return { kind, link, hash };
    }
    throw new LinkUnknown();
  }

  async function inspect(token: unknown): Promise<LinkPage & { kind: PledgeKind; hash: Buffer }> {
    const { kind, link, hash } = await find(token);
    if (link.confirmed) return { state: 'confirmed', link, thanksPath: kind.thanksPath(link), kind, hash };
    if (link.spent) return { state: 'spent', link, kind, hash };
    // Closed, or not public (as on its page): no confirmation.
    if (!link.open) {
      if (!(await kind.subjectExists(db, link))) throw new NotFound();
      throw kind.closed?.(link) ?? new ActionClosed(link.subject.slug);
    }
    return { state: 'ready', link, kind, hash };
  }

  return {
    describe: async (token) => (await find(token)).link,

    inspect: async (token) => {
      const page = await inspect(token);
      return page.state === 'confirmed' ? { state: page.state, link: page.link, thanksPath: page.thanksPath } : { state: page.state, link: page.link };
    },

    async confirm(token) {
      const page = await inspect(token);
      if (page.state === 'confirmed') return { next: page.thanksPath };
      if (page.state === 'spent') return { spent: page.link };
      const next = await withTransaction(db, async (client) => {
        const { kind, hash } = page;
        const used = kind.lockSupporterAndUseToken
          ? await kind.lockSupporterAndUseToken(client, hash)
          : await kind.lockSupporter(client, hash).then(() => repo.useToken(client, hash));
        // Undefined: another press of this button, or the link expired meanwhile.
        if (!used) return undefined;
        // Undefined when another link of the same pledge confirmed it first.
        return (await kind.confirm(client, used)) ?? kind.thanksPath(page.link);
      });
      if (next) return { next };
      const again = await inspect(token);
      return again.state === 'confirmed' ? { next: again.thanksPath } : { spent: again.link };
    },

    async cancel(token) {
      // Even a spent link may remove a pledge that is still pending.
      const { kind, link, hash } = await find(token);
      if (link.confirmed) return { removed: false, link };
      // The supporter first, as confirming does: a confirm pressed at the same
      // moment then waits instead of deadlocking (token and signature taken in
      // opposite orders).
      const removed = await withTransaction(db, async (client) => {
        await kind.lockSupporter(client, hash);
        return kind.cancel(client, link);
      });
      return { removed, link };
    },

    async sendNewLink(token) {
      const { kind, link } = await find(token);
      // Confirmed already, or still live: nothing to send; the page says the same.
      if (!link.confirmed && link.spent) await withTransaction(db, (client) => kind.sendNewLink(client, link));
      return link;
    },
  };
}
