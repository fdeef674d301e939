// The campaign's own facts (its name, contact address, sender name and privacy
// notice), kept in the settings table under campaign.* keys and shown in every
// page's header and footer and every email's From and footer.
//
// Every request needs them, so each instance keeps them for CAMPAIGN_CACHE_MS
// (one query per instance every few seconds, not one per page); an instance
// that saves a change refreshes its own copy at once, and every other instance
// sees it within CAMPAIGN_CACHE_MS. While the database does not answer, the
// last values read are kept.
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { changedFields, recordAudit } from '../admin/audit.ts';
import { loadQueries } from '../db/queries.ts';
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { Invalid } from '../errors.ts';
import type { Logger } from '../log.ts';
import { MAIL_RECORD_RETENTION_DAYS } from '../mail/purge.task.ts';
import { renderMarkdown } from '../posts/markdown.ts';
import { PENDING_RETENTION_DAYS } from '../signatures/purge.task.ts';
import { absolute, paths } from '../urls.ts';

const sql = loadQueries('settings.sql', ['list-settings-with-prefix', 'lock-settings-with-prefix', 'upsert-setting']);

export const CAMPAIGN_CACHE_MS = 5000;
const PREFIX = 'campaign.';

/** What an organiser sets. Empty strings are "not set". */
export type CampaignSettings = {
  name: string;
  contactEmail: string;
  /** The display name of the From header; empty: the campaign's name. */
  senderName: string;
  /** Markdown; empty: Placard's default notice. */
  privacyNotice: string;
};

export type Campaign = CampaignSettings & {
  /** senderName, or the name when none is set. */
  fromName: string;
  /**
   * The campaign's own notice, rendered with the posts' Markdown pipeline; ''
   * while the default is in use, whose text depends on the configuration
   * (privacyNoticeHtml below renders either).
   */
  privacyNoticeHtml: string;
  /** Whether the default notice is in use (nothing saved). */
  defaultPrivacyNotice: boolean;
};

export const DEFAULT_CAMPAIGN_NAME = 'Placard';

// Honest about what Placard stores and for how long (kept in step with
// src/signatures, src/supporters and the migrations): change it with them. How
// long signatures of a closed action keep their details is configured
// (ANONYMISE_AFTER_DAYS), so the notice is made for that number.
export function defaultPrivacyNotice(anonymiseAfterDays: number): string {
  return `## What we keep when you sign

When you sign an action we keep what you type in the form: your **name**, your **email address**, your **country**, your **town** (if you give it), your **comment** (if you write one), whether you asked for your **name to be shown** in the public list of signers, and whether you **agreed to receive updates** about the campaign.

With each signature we also keep a **keyed hash of your IP address** (not the address itself). It lets the organisers find and remove fraudulent signatures in bulk, for example thousands made from one connection, without keeping the addresses of everyone who signed.

We keep one record per email address across all actions: the name from your latest confirmed signature, and a **record of your consent** to updates (the words you agreed to, when, from which action, and when you withdrew it).

## Confirming by email

We send you an email with a link to confirm your signature; it counts only once you confirm it. The email also has a link to remove a signature that someone else made with your address. Links work for a limited number of days, as the email says. A signature that is never confirmed is deleted, with everything typed for it, ${PENDING_RETENTION_DAYS} days after its last link expired. We keep a record of each email we send (not its contents) for ${MAIL_RECORD_RETENTION_DAYS} days, to make sure no one gets the same email twice.

## Who sees what

- **Everyone** sees how many people signed, how many from each country and, only if you ticked the box, your name, country and the date you signed. Your email address is never shown.
- **The campaign's organisers** see everything you typed, to run the campaign and to remove fraudulent signatures.
- **The people an action is addressed to** may be given the list of signers: name, town, country and date. Never your email address.

We do not sell your details or share them with anyone else.

## How long we keep it

${anonymiseAfterDays} days after an action closes (its deadline passes, or the organisers close it), its confirmed signatures are **anonymised**: your name, email address, town, comment and IP hash are deleted, and only the country and the date remain, so that the count and the numbers per country stay as they were. Its unconfirmed signatures are deleted.

## Your data in your hands

On this page, enter your email address and we send you a **link to your data** (we give the same answer whether or not we know the address). The link works for a limited time, as the email says. With it you can:

- **see** everything we hold about you, and **download** it as a file;
- **withdraw** any of your signatures: it is deleted, and the count drops at once;
- **stop campaign updates**;
- **erase everything**: your signatures, your name, your address and your consent record are deleted.

When you erase your data or stop updates, or when our emails to you bounce, we keep a **one-way hash of your email address** on our suppression list, and nothing else, so that we never send you campaign updates again. It cannot be turned back into your address.
`;
}

const defaultNoticeHtml = new Map<number, string>();

/** The notice /privacy shows: the campaign's own, or the default made for the configured ANONYMISE_AFTER_DAYS. */
export function privacyNoticeHtml(campaign: Campaign, anonymiseAfterDays: number): string {
  if (!campaign.defaultPrivacyNotice) return campaign.privacyNoticeHtml;
  let html = defaultNoticeHtml.get(anonymiseAfterDays);
  if (html === undefined) {
    html = renderMarkdown(defaultPrivacyNotice(anonymiseAfterDays));
    defaultNoticeHtml.set(anonymiseAfterDays, html);
  }
  return html;
}

const KEYS: Record<keyof CampaignSettings, string> = {
  name: `${PREFIX}name`,
  contactEmail: `${PREFIX}contact_email`,
  senderName: `${PREFIX}sender_name`,
  privacyNotice: `${PREFIX}privacy_notice`,
};

function fromRows(rows: { key: string; value: string }[]): CampaignSettings {
  const byKey = new Map(rows.map((row) => [row.key, row.value]));
  return {
    name: byKey.get(KEYS.name) || DEFAULT_CAMPAIGN_NAME,
    contactEmail: byKey.get(KEYS.contactEmail) ?? '',
    senderName: byKey.get(KEYS.senderName) ?? '',
    privacyNotice: byKey.get(KEYS.privacyNotice) ?? '',
  };
}

function complete(settings: CampaignSettings): Campaign {
  return {
    ...settings,
    fromName: settings.senderName || settings.name,
    privacyNoticeHtml: settings.privacyNotice ? renderMarkdown(settings.privacyNotice) : '',
    defaultPrivacyNotice: settings.privacyNotice === '',
  };
}

export const DEFAULT_CAMPAIGN: Campaign = complete(fromRows([]));

async function readCampaign(db: Queryable): Promise<Campaign> {
  const { rows } = await db.query<{ key: string; value: string }>({ ...sql['list-settings-with-prefix'], values: [PREFIX] });
  return complete(fromRows(rows));
}

type Cached = { campaign: Campaign; until: number; refreshing?: Promise<Campaign> };
// Per pool: one pool is one instance's view of one database (tests run several).
const cache = new WeakMap<object, Cached>();

/** The campaign's settings, at most CAMPAIGN_CACHE_MS old; the last ones read while the database does not answer. */
export async function getCampaign(db: Queryable, now = Date.now()): Promise<Campaign> {
  const cached = cache.get(db);
  if (cached && cached.until > now) return cached.campaign;
  if (cached?.refreshing) return cached.refreshing;
  // One refresh at a time: a burst of requests as the entry expires asks once.
  const refreshing = readCampaign(db).then(
    (campaign) => {
      cache.set(db, { campaign, until: now + CAMPAIGN_CACHE_MS });
      return campaign;
    },
    (error: unknown) => {
      if (!cached) {
        cache.delete(db);
        throw error;
      }
      // Stale rather than down: try again in a second.
      cache.set(db, { campaign: cached.campaign, until: now + 1000 });
      return cached.campaign;
    },
  );
  cache.set(db, { campaign: cached?.campaign ?? DEFAULT_CAMPAIGN, until: 0, refreshing });
  return refreshing;
}

/** Sets res.locals.campaign for the layouts (header, footer); the defaults if the settings cannot be read at all. */
export function campaignLocals(db: Queryable, log?: Logger): RequestHandler {
  return (_req, res, next) => {
    getCampaign(db).then(
      (campaign) => {
        res.locals.campaign = campaign;
        next();
      },
      (error: unknown) => {
        log?.warn({ err: error }, 'campaign settings unreadable; showing the defaults');
        res.locals.campaign = DEFAULT_CAMPAIGN;
        next();
      },
    );
  };
}

/** The campaign facts every email shows: From's display name, and the footer's name, contact and privacy notice address. */
export type EmailCampaign = { name: string; fromName: string; contactEmail: string; privacyUrl: string };

export async function campaignForEmail(db: Queryable, baseUrl: string): Promise<EmailCampaign> {
  const campaign = await getCampaign(db);
  return { name: campaign.name, fromName: campaign.fromName, contactEmail: campaign.contactEmail, privacyUrl: absolute(baseUrl, paths.privacy()) };
}

/** The settings' version, for the form's `edited_from`: it changes whenever any of them does. */
export function settingsVersion(s: CampaignSettings): string {
  return createHash('sha256').update(JSON.stringify([s.name, s.contactEmail, s.senderName, s.privacyNotice])).digest('base64url').slice(0, 22);
}

/** The settings saved by someone else since the form was opened; `currentVersion` is theirs. */
export class SettingsChangedMeanwhile extends Invalid {
  constructor(readonly currentVersion: string) {
    super({ edited_from: 'admin.settings.errors.editedMeanwhile' }, 'admin.settings.errors.summary');
  }
}

/**
 * Saves the settings with an audit entry, and refreshes this instance's copy at
 * once. `editedFrom`: the version the form was opened on; when the settings
 * changed since, nothing is saved (SettingsChangedMeanwhile) rather than undo that change.
 */
export async function saveCampaign(db: Pool, organiserId: number, next: CampaignSettings, editedFrom?: string): Promise<Campaign> {
  await withTransaction(db, async (client) => {
    const current = fromRows((await client.query<{ key: string; value: string }>({ ...sql['lock-settings-with-prefix'], values: [PREFIX] })).rows);
    if (editedFrom && editedFrom !== settingsVersion(current)) throw new SettingsChangedMeanwhile(settingsVersion(current));
    const { before, after } = changedFields(current, next);
    if (Object.keys(after).length === 0) return;
    for (const field of Object.keys(after) as (keyof CampaignSettings)[]) {
      await client.query({ ...sql['upsert-setting'], values: [KEYS[field], next[field]] });
    }
    await recordAudit(client, {
      organiserId,
      event: 'settings.update',
      subject: { type: 'settings', id: 'campaign' },
      summary: `Changed the campaign settings (${Object.keys(after).join(', ')})`,
      before,
      after,
    });
  });
  const campaign = await readCampaign(db);
  cache.set(db, { campaign, until: Date.now() + CAMPAIGN_CACHE_MS });
  return campaign;
}
