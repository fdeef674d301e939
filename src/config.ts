// Reads and validates the environment once, at boot. A bad variable stops the
// start with a message that names it, rather than failing later mid-request.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();
const MAX_WEB_PROCESSES = 64;
const WEB_PROCESSES_MESSAGE = `must be a number of processes from 1 to ${MAX_WEB_PROCESSES}, or auto (one per core)`;
const nonNegativeInt = z.coerce.number().int().min(0);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  // http(s) only, with no path, query or fragment: links in emails and the feed are built on it.
  BASE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// address', abort: true })
    .refine((value) => /^https?:\/\/[^/?#]+\/?$/.test(value), 'must be an http(s) origin with no path, query or fragment, e.g. https://campaign.example.org')
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  // How long to wait for a connection, a new one or a free one of a busy pool,
  // before the query fails (an error page) instead of hanging.
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt.default(5000),
  // PostgreSQL cancels a statement that runs longer, and ends a session left idle
  // inside a transaction longer (its locks go with it); 0 turns one off.
  DATABASE_STATEMENT_TIMEOUT_MS: nonNegativeInt.default(30_000),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: nonNegativeInt.default(60_000),
  DATA_DIR: z.string().default('./data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Express's "trust proxy": false, true, a hop count, or a list of addresses.
  TRUST_PROXY: z.string().default('false'),
  // Secret for CSRF tokens. When unset, one is generated and kept in the
  // database, so every instance shares it.
  APP_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  // Unset: true in development, false in production (demo petitions name real people).
  DEMO_CONTENT: boolean.optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().optional(),
  // Run queue workers inside the web process (the default); set false when
  // `npm run worker` runs them separately.
  RUN_WORKERS: boolean.default(true),
  // Web processes sharing PORT (src/cluster.ts): a number, or auto for one per
  // core. Above 1 the workers run in none of them (`npm run worker` runs them).
  // Bounded: each holds its own pool, and PostgreSQL's connections are few.
  WEB_PROCESSES: z
    .string()
    .regex(/^(auto|[1-9]\d*)$/, WEB_PROCESSES_MESSAGE)
    .default('1')
    .transform((v) => (v === 'auto' ? Math.min(os.availableParallelism(), MAX_WEB_PROCESSES) : Number(v)))
    .refine((n) => n <= MAX_WEB_PROCESSES, WEB_PROCESSES_MESSAGE),
  CONFIRMATION_TTL_DAYS: positiveInt.default(7),
  CONFIRMATION_MAX_RESENDS: z.coerce.number().int().min(0).default(3),
  COUNT_INTERVAL_MS: positiveInt.default(2000),
  // The home page, posts and actions are rendered once per this long in each
  // instance and shared caches may keep them as long (src/http/page-cache.ts); 0: never kept.
  PAGE_CACHE_MS: nonNegativeInt.default(5000),
  // Signing, per client IP: a burst window that lets a union meeting behind one
  // address sign (a few dozen within minutes), a sustained one that stops a script
  // that keeps going, and per IP and email domain a tighter hourly one (a script
  // inflating a count needs addresses it can read: one catch-all domain).
  RATE_LIMIT_SIGN_BURST: positiveInt.optional(),
  RATE_LIMIT_SIGN_PER_HOUR: positiveInt.optional(),
  RATE_LIMIT_SIGN_PER_DOMAIN_PER_HOUR: positiveInt.optional(),
  // The old single per-minute limit: now only raises the windows above that are
  // not set (n a minute = 10n per ten minutes, 60n an hour), as benchmarks and tests need.
  RATE_LIMIT_SIGN_PER_MINUTE: positiveInt.optional(),
  // A signing form sent back sooner than this after it was shown is a script's (0: no check).
  SIGN_MIN_SECONDS: nonNegativeInt.default(3),
  RATE_LIMIT_CONFIRM_PER_MINUTE: positiveInt.default(30),
  // An organiser's admin session ends after this long without a request, and
  // this long after signing in, whatever happens in between.
  ADMIN_SESSION_IDLE_MINUTES: positiveInt.default(120),
  ADMIN_SESSION_MAX_HOURS: positiveInt.default(12),
  // Supporters (issue 9). Confirmed signatures of an action closed this many
  // days ago lose everything but their country (e-petitions: 6 months).
  ANONYMISE_AFTER_DAYS: positiveInt.default(183),
  // Days after a protest ends before who RSVPed is forgotten (the count stays):
  // time for the thank-you and a follow-up, not a list kept for ever.
  RSVPS_ANONYMISE_AFTER_DAYS: positiveInt.default(30),
  // How long the link a supporter asks for on /privacy works.
  PRIVACY_LINK_TTL_MINUTES: positiveInt.default(60),
  // Campaign updates go out at most this many messages a second, from all workers together.
  UPDATES_PER_SECOND: positiveInt.default(10),
  // Letters per signature to one address: paced (per_hour, office hours in the recipient's zone) or off
  // (as fast as the SMTP server takes them). Unset: off only in development without SMTP_URL, so a developer sees them at once.
  LETTERS_PACING: z.enum(['office-hours', 'off']).optional(),
  // The envelope sender (MAIL FROM, where bounces go), when it differs from MAIL_FROM's address.
  MAIL_ENVELOPE_FROM: z.email('must be an email address').optional(),
  // The mailto: of List-Unsubscribe; unset: the campaign's contact address, else MAIL_FROM's.
  MAIL_UNSUBSCRIBE_ADDRESS: z.email('must be an email address').optional(),
  // DKIM signing, all three or none: the signing domain, the selector, and the
  // private key (PEM text, or a path to a PEM file).
  DKIM_DOMAIN: z.string().optional(),
  DKIM_SELECTOR: z.string().optional(),
  DKIM_PRIVATE_KEY: z.string().optional(),
  // The campaign's time zone (an IANA name), in which deadlines are shown.
  CAMPAIGN_TIME_ZONE: z
    .string()
    .default('UTC')
    .refine(isTimeZone, 'must be an IANA time zone name, such as UTC, Europe/London or Asia/Almaty')
    .transform(canonicalTimeZone),
});

function isTimeZone(name: string): boolean {
  // Newer Intl (Node 24) also takes offsets such as +05:00, which follow no
  // daylight-saving rules and are not a place's time: only IANA names here.
  if (/^[+-−]?\d/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** As Intl spells it: `asia/almaty` is `Asia/Almaty`. */
function canonicalTimeZone(name: string): string {
  return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
}

export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  baseUrl: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  databaseTimeouts: { connectTimeoutMs: number; statementTimeoutMs: number; idleInTransactionTimeoutMs: number };
  dataDir: string;
  embeddedPgPort: number;
  logLevel: string;
  trustProxy: false | number | string;
  appSecret: string | undefined;
  demoContent: boolean;
  smtpUrl: string | undefined;
  mailFrom: string;
  runWorkers: boolean;
  /** How many web processes share the port; above 1, `npm start` is a cluster primary that forks them. */
  webProcesses: number;
  confirmationTtlDays: number;
  confirmationMaxResends: number;
  countIntervalMs: number;
  pageCacheMs: number;
  rateLimits: { sign: SignLimits; confirmPerMinute: number };
  signMinMs: number;
  campaignTimeZone: string;
  adminSession: { idleMs: number; maxAgeMs: number };
  anonymiseAfterDays: number;
  /** Days after a protest ends before its RSVPs are anonymised (only the count stays). */
  rsvpsAnonymiseAfterDays: number;
  privacyLinkTtlMinutes: number;
  updatesPerSecond: number;
  lettersPacing: boolean;
  mailEnvelopeFrom: string | undefined;
  mailUnsubscribeAddress: string | undefined;
  /** Unset unless DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY are all set. */
  dkim: { domainName: string; keySelector: string; privateKey: string } | undefined;
};

/** Signatures per window (src/app.ts applies them to the signing route). */
export type SignLimits = { burstPer10Minutes: number; perHour: number; perDomainPerHour: number };

const SIGN_LIMIT_DEFAULTS: SignLimits = { burstPer10Minutes: 60, perHour: 300, perDomainPerHour: 100 };

function signLimits(c: { RATE_LIMIT_SIGN_BURST?: number; RATE_LIMIT_SIGN_PER_HOUR?: number; RATE_LIMIT_SIGN_PER_DOMAIN_PER_HOUR?: number; RATE_LIMIT_SIGN_PER_MINUTE?: number }): SignLimits {
  const perMinute = c.RATE_LIMIT_SIGN_PER_MINUTE ?? 0;
  return {
    burstPer10Minutes: c.RATE_LIMIT_SIGN_BURST ?? Math.max(SIGN_LIMIT_DEFAULTS.burstPer10Minutes, perMinute * 10),
    perHour: c.RATE_LIMIT_SIGN_PER_HOUR ?? Math.max(SIGN_LIMIT_DEFAULTS.perHour, perMinute * 60),
    perDomainPerHour: c.RATE_LIMIT_SIGN_PER_DOMAIN_PER_HOUR ?? Math.max(SIGN_LIMIT_DEFAULTS.perDomainPerHour, perMinute * 60),
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parseTrustProxy(value: string): false | number | string {
  const MAX_PROXY_HOPS = 3;
  if (value === 'false' || value === '') return false;
  // "true" would trust any X-Forwarded-For a client sends, and with it any IP it
  // claims: rate limits would mean nothing. Name the hops or the proxies instead.
  if (value === 'true') throw new ConfigError('Invalid configuration:\n  TRUST_PROXY: "true" lets clients forge their IP; give the number of proxy hops (e.g. 1) or the proxies\' addresses');
  if (/^\d+$/.test(value)) {
    // Express skips that many hops of X-Forwarded-For from the right: one more than
    // the real proxies, and an entry the client wrote itself becomes its IP. A large
    // count is "true" in disguise. Three covers a CDN, a load balancer and a reverse
    // proxy; a longer chain should name its proxies' addresses instead.
    const hops = Number(value);
    if (hops > MAX_PROXY_HOPS) {
      throw new ConfigError(`Invalid configuration:\n  TRUST_PROXY: ${value} hops; give the real number of proxies in front (at most ${MAX_PROXY_HOPS}), or their addresses`);
    }
    return hops;
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Treat empty strings as unset: `FOO= npm start` should mean "no FOO".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.NODE_ENV === 'production') {
    // A production start must not come up broken: mail kept in files, emailed
    // links pointing at localhost, cookies without Secure, mail from placard@localhost.
    const missing = [
      !c.SMTP_URL && '  SMTP_URL: required when NODE_ENV=production (without it, mail would be kept in files)',
      !c.BASE_URL && '  BASE_URL: required when NODE_ENV=production: the public https address, e.g. https://campaign.example.org',
      c.BASE_URL && !c.BASE_URL.startsWith('https://') && '  BASE_URL: must be https when NODE_ENV=production (links in emails, Secure cookies)',
      !c.MAIL_FROM && '  MAIL_FROM: required when NODE_ENV=production, e.g. "Free Zhanaozen <campaign@example.org>"',
    ].filter(Boolean);
    if (missing.length) throw new ConfigError(`Invalid configuration:\n${missing.join('\n')}`);
  }
  const dkimSet = [c.DKIM_DOMAIN, c.DKIM_SELECTOR, c.DKIM_PRIVATE_KEY].filter(Boolean).length;
  if (dkimSet !== 0 && dkimSet !== 3) {
    throw new ConfigError('Invalid configuration:\n  DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY: set all three to sign mail with DKIM, or none');
  }
  return {
    env: c.NODE_ENV,
    port: c.PORT,
    host: c.HOST,
    baseUrl: (c.BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, ''),
    databaseUrl: c.DATABASE_URL,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    databaseTimeouts: {
      connectTimeoutMs: c.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: c.DATABASE_STATEMENT_TIMEOUT_MS,
      idleInTransactionTimeoutMs: c.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    dataDir: path.resolve(c.DATA_DIR),
    embeddedPgPort: c.EMBEDDED_PG_PORT,
    logLevel: c.LOG_LEVEL,
    trustProxy: parseTrustProxy(c.TRUST_PROXY),
    appSecret: c.APP_SECRET,
    demoContent: c.DEMO_CONTENT ?? c.NODE_ENV !== 'production',
    smtpUrl: c.SMTP_URL,
    mailFrom: c.MAIL_FROM ?? 'Placard <placard@localhost>',
    runWorkers: c.RUN_WORKERS,
    webProcesses: c.WEB_PROCESSES,
    confirmationTtlDays: c.CONFIRMATION_TTL_DAYS,
    confirmationMaxResends: c.CONFIRMATION_MAX_RESENDS,
    countIntervalMs: c.COUNT_INTERVAL_MS,
    pageCacheMs: c.PAGE_CACHE_MS,
    rateLimits: { sign: signLimits(c), confirmPerMinute: c.RATE_LIMIT_CONFIRM_PER_MINUTE },
    signMinMs: c.SIGN_MIN_SECONDS * 1000,
    campaignTimeZone: c.CAMPAIGN_TIME_ZONE,
    adminSession: { idleMs: c.ADMIN_SESSION_IDLE_MINUTES * 60_000, maxAgeMs: c.ADMIN_SESSION_MAX_HOURS * 3_600_000 },
    anonymiseAfterDays: c.ANONYMISE_AFTER_DAYS,
    rsvpsAnonymiseAfterDays: c.RSVPS_ANONYMISE_AFTER_DAYS,
    privacyLinkTtlMinutes: c.PRIVACY_LINK_TTL_MINUTES,
    updatesPerSecond: c.UPDATES_PER_SECOND,
    lettersPacing: (c.LETTERS_PACING ?? (c.NODE_ENV === 'development' && !c.SMTP_URL ? 'off' : 'office-hours')) === 'office-hours',
    mailEnvelopeFrom: c.MAIL_ENVELOPE_FROM,
    mailUnsubscribeAddress: c.MAIL_UNSUBSCRIBE_ADDRESS,
    dkim: dkimSet === 3 ? { domainName: c.DKIM_DOMAIN!, keySelector: c.DKIM_SELECTOR!, privateKey: c.DKIM_PRIVATE_KEY! } : undefined,
  };
}
