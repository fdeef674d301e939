// A real SMTP server in the test process (smtp-server), with every received
// message parsed (mailparser). It can refuse mail with a chosen code and reply
// (every refusal is recorded, with the refused message's Message-ID), hold a
// message in DATA until the test releases it, or be stopped and started again
// on the same port, to test outages.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type ReceivedMail = ParsedMail & { envelopeTo: string[] };

/** A message the server refused at the end of DATA. */
export type RefusedMail = { code: number; text: string; envelopeTo: string[]; messageId: string | undefined };

type Refusal = { code: number; message?: string };

/** A message held in DATA: `arrived` resolves once the server has all of it, unanswered; `release()` lets it be answered. */
export type HeldMessage = { arrived: Promise<void>; release: () => void };

export class TestSmtpServer {
  readonly messages: ReceivedMail[] = [];
  /** Every refused message, in order. */
  readonly refused: RefusedMail[] = [];
  /** When set, every message is refused with this SMTP code (e.g. 450 or 550)... */
  rejectWith: number | undefined;
  /** ...and this reply text after the code (real servers often repeat the recipient's address in it). */
  rejectMessage: string | undefined;
  private refusals: Refusal[] = [];
  private holds: { arrive: () => void; released: Promise<void> }[] = [];
  private server: SMTPServer | undefined;
  private waiters: (() => void)[] = [];
  port = 0;

  async start(port = 0): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
          const hold = this.holds.shift();
          hold?.arrive();
          const refusal = this.refusals.shift() ?? (this.rejectWith ? { code: this.rejectWith, message: this.rejectMessage } : undefined);
          (hold?.released ?? Promise.resolve())
            .then(() => simpleParser(Buffer.concat(chunks)))
            .then(
              (mail) => {
                if (refusal) {
                  const text = refusal.message ?? `Refused for the test (${refusal.code})`;
                  this.refused.push({ code: refusal.code, text, envelopeTo, messageId: mail.messageId });
                  this.wakeWaiters();
                  return callback(Object.assign(new Error(text), { responseCode: refusal.code }));
                }
                this.messages.push(Object.assign(mail, { envelopeTo }));
                this.wakeWaiters();
                callback();
              },
              (error: Error) => callback(error),
            );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
    return this;
  }

  /** Refuses the next message (only that one) with `code` and, when given, this reply text. */
  refuseNext(code: number, message?: string): void {
    this.refusals.push({ code, message });
  }

  /** Holds the next message in DATA, unanswered, until `release()` is called. */
  holdNext(): HeldMessage {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ arrive, released });
    return { arrived, release };
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until `count` messages satisfy `match`, or fails after `timeoutMs`. */
  waitFor(match: (mail: ReceivedMail) => boolean, count = 1, timeoutMs = 15_000): Promise<ReceivedMail[]> {
    return this.waitIn(this.messages, 'email(s)', match, count, timeoutMs);
  }

  /** Waits until `count` refused messages satisfy `match`, or fails after `timeoutMs`. */
  waitForRefused(match: (mail: RefusedMail) => boolean, count = 1, timeoutMs = 15_000): Promise<RefusedMail[]> {
    return this.waitIn(this.refused, 'refusal(s)', match, count, timeoutMs);
  }

  private wakeWaiters(): void {
    this.waiters.splice(0).forEach((wake) => wake());
  }

  private async waitIn<T>(list: T[], what: string, match: (item: T) => boolean, count: number, timeoutMs: number): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = list.filter(match);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out waiting for ${count} ${what}; ${list.length} in all`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  to(address: string): ReceivedMail[] {
    return this.messages.filter((m) => m.envelopeTo.includes(address));
  }

  refusedTo(address: string): RefusedMail[] {
    return this.refused.filter((m) => m.envelopeTo.includes(address));
  }
}

/** The confirmation link in a received email's text part. */
export function confirmationLink(mail: ReceivedMail): string {
  const match = /https?:\/\/\S+\/confirm\/[A-Za-z0-9_-]+/.exec(mail.text ?? '');
  if (!match) throw new Error('no confirmation link in the email');
  return match[0];
}

export function cancelLink(mail: ReceivedMail): string {
  const match = /https?:\/\/\S+\/cancel\/[A-Za-z0-9_-]+/.exec(mail.text ?? '');
  if (!match) throw new Error('no cancel link in the email');
  return match[0];
}
