// Sends email. With SMTP_URL it goes through that server; without it, each
// message is written to DATA_DIR/mail as an .eml file a developer can open,
// and in development one plain line per message (recipient, subject, links)
// is printed for the person at the terminal to open. Production requires
// SMTP_URL, so no link and no address is ever printed there; the structured
// log never gets either.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { printLine, type Logger } from '../log.ts';

export type OutgoingEmail = {
  to: { name: string; address: string };
  /** The From header's display name, with MAIL_FROM's address; unset: MAIL_FROM as it is. */
  fromName?: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  /** Header fields to add as they are (e.g. List-Unsubscribe-Post). */
  headers?: Record<string, string>;
  /**
   * List-* header fields that nodemailer builds: `unsubscribe` is one
   * List-Unsubscribe field holding every URI given, in order
   * (`<https://…>, <mailto:…>`).
   */
  list?: { unsubscribe?: string[] };
  /** Where replies go when not to From (a letter's signer, if they agreed). */
  replyTo?: { name: string; address: string };
  /** Files sent with it (a letter's printed PDF), as nodemailer takes them. */
  attachments?: { filename: string; contentType: string; content: Buffer }[];
};

/** DKIM signing as configured (src/config.ts): the key as PEM text or the path of a PEM file. */
export type DkimSetting = { domainName: string; keySelector: string; privateKey: string };

/**
 * The header fields DKIM signs, named here rather than left to nodemailer's
 * default (which has changed between versions): RFC 8058 honours one-click
 * unsubscribe only when the signature covers List-Unsubscribe-Post as well as
 * List-Unsubscribe, so a relay cannot add the one-click claim to a message.
 */
export const DKIM_SIGNED_FIELDS = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc', 'MIME-Version', 'Content-Type',
  'Content-Transfer-Encoding', 'Content-ID', 'Content-Description', 'In-Reply-To', 'References',
  'List-Id', 'List-Help', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'List-Subscribe', 'List-Post', 'List-Owner', 'List-Archive',
].join(':');

type DkimOptions = DkimSetting & { headerFieldNames: string };

/**
 * The signing options, with the key read and checked now: at boot, so that a
 * wrong path or a key that is no private key stops the start with a message
 * that says so (nodemailer, given a bad key, silently sends unsigned mail).
 */
export function loadDkim(setting: DkimSetting): DkimOptions {
  const given = setting.privateKey.trim();
  let pem = given;
  if (!given.startsWith('-----BEGIN')) {
    try {
      pem = readFileSync(given, 'utf8');
    } catch (error) {
      throw new Error(`DKIM_PRIVATE_KEY: neither a PEM key nor a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
  try {
    createPrivateKey(pem);
  } catch {
    throw new Error('DKIM_PRIVATE_KEY: not a PEM private key (expected "-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----")');
  }
  return { domainName: setting.domainName, keySelector: setting.keySelector, privateKey: pem, headerFieldNames: DKIM_SIGNED_FIELDS };
}

export type SendResult = { response: string };

/** A failure worth retrying (4xx, no connection) or not (5xx). */
export class SmtpError extends Error {
  constructor(
    readonly permanent: boolean,
    /** The reply code (e.g. 450, 550) or the connection error's code (ECONNREFUSED). */
    readonly code: string,
    /** The server's reply, with any email address in it cut out. */
    readonly response: string,
  ) {
    super(`SMTP ${permanent ? 'rejected' : 'unavailable'}: ${response}`);
  }
}

/** Cuts email addresses out of a text (SMTP replies often repeat the recipient's). */
export function redactAddresses(text: string): string {
  return text.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, '[address]');
}

/** The address part of a From setting ("Placard <placard@localhost>" → "placard@localhost"). */
export function addressOf(from: string): string {
  return /<([^<>]+)>\s*$/.exec(from)?.[1]?.trim() ?? from.trim();
}

type Signing = { envelopeFrom?: string; dkim?: DkimOptions };

/**
 * What nodemailer gets: MAIL_FROM's address under the email's own display
 * name, when it has one; the envelope sender (MAIL FROM, where bounces go)
 * when one is set apart from From; DKIM when configured.
 */
function envelopeOf(from: string, email: OutgoingEmail, signing: Signing) {
  const { fromName, list, ...rest } = email;
  return {
    ...rest,
    from: fromName ? { name: fromName, address: addressOf(from) } : from,
    // nodemailer: each element of `unsubscribe` is one header field; an array inside it, one field with several URIs.
    ...(list?.unsubscribe && { list: { unsubscribe: [list.unsubscribe] } }),
    ...(signing.envelopeFrom && { envelope: { from: signing.envelopeFrom, to: email.to.address } }),
    ...(signing.dkim && { dkim: signing.dkim }),
  };
}

export type Mailer = { send(email: OutgoingEmail): Promise<SendResult>; close(): void };

function classify(error: unknown): SmtpError {
  const e = error as { responseCode?: number; response?: string; code?: string; command?: string; message?: string };
  const response = redactAddresses(String(e.response ?? e.code ?? e.message ?? 'unknown error'));
  const code = typeof e.responseCode === 'number' ? String(e.responseCode) : (e.code ?? 'unknown');
  // Permanent: a 5xx refusal of this recipient or this message. A 5xx at login
  // or for our sender address is our misconfiguration, not the recipient's:
  // retry, so that fixing the setting lets the mail through. Everything else
  // (4xx, refused, timed out) is temporary too.
  const aboutThisMessage = e.code !== 'EAUTH' && !/^(AUTH|MAIL FROM|EHLO|HELO|STARTTLS)/i.test(e.command ?? '');
  const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600 && aboutThisMessage;
  return new SmtpError(permanent, code, response);
}

export function createMailer(options: {
  smtpUrl?: string;
  from: string;
  dataDir: string;
  env?: 'development' | 'production' | 'test';
  log: Logger;
  /** MAIL_ENVELOPE_FROM: the envelope sender, when it differs from From's address. */
  envelopeFrom?: string;
  /** DKIM_*: read and checked here (a bad key throws). */
  dkim?: DkimSetting;
}): Mailer {
  const { log } = options;
  const signing: Signing = { envelopeFrom: options.envelopeFrom, dkim: options.dkim && loadDkim(options.dkim) };
  if (options.smtpUrl) {
    // Fail fast, so that the job retries later instead of holding a worker; and
    // keep a few connections open, so that a backlog is not one handshake per email.
    const url = new URL(options.smtpUrl);
    const defaults = { connectionTimeout: '10000', greetingTimeout: '10000', socketTimeout: '30000', pool: 'true', maxConnections: '5' };
    for (const [name, value] of Object.entries(defaults)) {
      if (!url.searchParams.has(name)) url.searchParams.set(name, value);
    }
    const transport = nodemailer.createTransport(url.toString());
    return {
      async send(email) {
        try {
          const info = await transport.sendMail(envelopeOf(options.from, email, signing));
          return { response: info.response };
        } catch (error) {
          throw classify(error);
        }
      },
      close: () => transport.close(),
    };
  }

  const dir = path.join(options.dataDir, 'mail');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(email) {
      const info = await transport.sendMail(envelopeOf(options.from, email, signing));
      await fs.mkdir(dir, { recursive: true });
      const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${email.messageId.replace(/[^a-z0-9]/gi, '')}.eml`);
      await fs.writeFile(file, info.message as Buffer);
      if (options.env === 'development' && log.isLevelEnabled('info')) {
        // For the person trying Placard: one line to read and a link to open. Not the
        // structured log, which never holds an address or a token.
        const links = [...email.text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]);
        printLine(`[development mail, no SMTP_URL] to ${email.to.address}: "${email.subject}" ${links.join(' ')}`);
      }
      log.info({ file: path.basename(file) }, 'email kept in DATA_DIR/mail (no SMTP_URL)');
      return { response: 'kept in a file' };
    },
    close: () => undefined,
  };
}
