// A pledge is a promise a supporter makes on the site and confirms from their
// mailbox: a signature of an action, an RSVP to a protest. Every kind
// shares one confirmation machinery (src/pledges/confirmation.*): a link in an
// email whose page restates the pledge and confirms it only when its button is
// pressed (mail scanners open links; they do not press buttons), an "it wasn't
// me" link that removes a pending pledge, and a fresh link for an expired one.
// A kind says what its links restate, what confirming does, and where the
// supporter goes next.
import type { PoolClient } from 'pg';
import type { Queryable } from '../db/pool.ts';
import { DomainError } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';

export type PledgeKindName = 'signature' | 'rsvp';

/** What a confirmation link leads to, as its page needs it. */
export type PledgeLink = {
  kind: PledgeKindName;
  /** The pledge's own id (a signature's, an RSVP's). */
  pledgeId: number;
  /** The submission the link applies, for kinds that keep what each form sent (signatures); else null. */
  submissionId: number | null;
  confirmed: boolean;
  /** Used or past its time: it no longer confirms, but may still remove a pending pledge or ask for a new link. */
  spent: boolean;
  /** Whether what it is for still takes confirmations (the action is open). */
  open: boolean;
  /** What the pledge is for (an action), by its public page. */
  subject: { slug: string; title: string; path: string };
  /** What the page restates before the button is pressed. */
  restated: {
    name: string;
    showName: boolean;
    wantsUpdates: boolean;
    /** An RSVP's protest: where and when, in the protest's own zone (named); and whether the name goes to the local organiser. */
    protest?: { id: number; place: string; city: string; address: string; when: string; shareWithOrganiser: boolean; letterTo: string };
  };
};

/** The token row, once used: the pledge it confirms, and the submission for it when the kind keeps those. */
export type UsedToken = { signatureId: number | null; submissionId: number | null; rsvpId?: number | null };

/**
 * A confirmation the kind refuses when the button is pressed (a protest whose
 * places are all taken): the transaction rolls back, so the link stays live,
 * and the page says why with a way back.
 */
export class PledgeRefused extends DomainError {
  readonly code = 'pledge_refused';
  constructor(readonly reason: MessageKey, readonly back: { path: string; label: MessageKey }) {
    super(reason);
  }
}

export type PledgeKind = {
  name: PledgeKindName;
  /** The link's pledge, read with everything its page shows; undefined when the pledge is gone, or the link is another kind's. */
  find(db: Queryable, tokenHash: Buffer): Promise<PledgeLink | undefined>;
  /** Whether a subject that takes no confirmations still exists (then "closed", else "not found"). */
  subjectExists(db: Queryable, link: PledgeLink): Promise<boolean>;
  /** What a kind says instead of "the action is closed" when its subject takes no confirmations (an RSVP's protest cancelled or over). */
  closed?(link: PledgeLink): PledgeRefused;
  /**
   * First in the confirming transaction, before the token is used: locks the
   * supporter of the pledge behind the token, the order in which erasure,
   * withdrawal and signing lock (supporter, then pledge), so that none of them
   * deadlocks with a confirmation.
   */
  lockSupporter(client: PoolClient, tokenHash: Buffer): Promise<void>;
  /**
   * lockSupporter, then the token used up (as the machinery's use-token), in
   * one statement: a kind that has it saves the confirming transaction a round
   * trip. Undefined when the token was used, expired or never existed.
   */
  lockSupporterAndUseToken?(client: PoolClient, tokenHash: Buffer): Promise<UsedToken | undefined>;
  /**
   * Confirms the pledge behind a used token, in the transaction that used it.
   * Returns where the supporter goes next, or undefined when another link of
   * the same pledge confirmed it first (then nothing changes).
   */
  confirm(client: PoolClient, used: UsedToken): Promise<string | undefined>;
  /** Where a supporter goes after confirming (or finding it confirmed already). */
  thanksPath(link: PledgeLink): string;
  /** "It wasn't me": removes the pledge if still pending; false when it was confirmed. */
  cancel(db: Queryable, link: PledgeLink): Promise<boolean>;
  /**
   * Sends a fresh link for a pending pledge whose link is spent, a bounded
   * number of times (the same bound as signing again). False when the bound
   * is reached; the page says the same either way.
   */
  sendNewLink(client: PoolClient, link: PledgeLink): Promise<boolean>;
};
