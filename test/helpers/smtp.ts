// A real SMTP server in the test process (smtp-server), with every received
// message parsed (mailparser). It can refuse mail with a chosen code, or be
// stopped and started again on the same port, to test outages.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type ReceivedMail = ParsedMail & { envelopeTo: string[] };

export class TestSmtpServer {
  readonly messages: ReceivedMail[] = [];
  /** When set, every message is refused with this SMTP code (e.g. 450 or 550). */
  rejectWith: number | undefined;
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
          if (this.rejectWith) {
            const error = Object.assign(new Error(`Refused for the test (${this.rejectWith})`), { responseCode: this.rejectWith });
            return callback(error);
          }
          simpleParser(Buffer.concat(chunks)).then(
            (mail) => {
              this.messages.push(Object.assign(mail, { envelopeTo: session.envelope.rcptTo.map((r) => r.address) }));
              this.waiters.splice(0).forEach((wake) => wake());
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

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until `count` messages satisfy `match`, or fails after `timeoutMs`. */
  async waitFor(match: (mail: ReceivedMail) => boolean, count = 1, timeoutMs = 15_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.filter(match);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out waiting for ${count} email(s); received ${this.messages.length} in all`);
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
