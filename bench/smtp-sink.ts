// The SMTP server of bench/faults.ts: a real one (smtp-server) in the bench's
// own process, that keeps of each message only what the fault checks need —
// its recipient, its Message-ID, whether it carries a confirmation link, and
// which worker sent it (the EHLO name, set per worker with SMTP_URL's `name`
// parameter) — and can fail the way real servers do: stopped (an outage:
// connections are refused, open ones closed), or answering 4xx for a while
// (421 to new connections, 451 at the end of DATA on open ones).
//
// Unlike test/helpers/smtp.ts it does not parse messages with mailparser: at
// hundreds of messages a second that took over a millisecond of this process's
// CPU each, on the cores the app under test needs. The header block is read
// as it is (nodemailer writes Message-ID on one line), and the link is looked
// for in the body with quoted-printable soft breaks removed.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type SinkMode = 'up' | 'refusing';

/** Everything received for one recipient, in order. */
export type Delivery = { messageId: string; sender: string; at: number; confirmLink: boolean };

export class SmtpSink {
  /** Recipient → what arrived for them. */
  readonly byRecipient = new Map<string, Delivery[]>();
  /** EHLO name → Date.now() of each message it delivered. */
  readonly bySender = new Map<string, number[]>();
  received = 0;
  /** Refusals answered (421 at connect, 451 at DATA) while `refusing`. */
  refused = 0;
  private mode: SinkMode = 'up';
  private server: SMTPServer | undefined;
  port = 0;

  async start(port = this.port): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // An outage closes the connections still open at once (after a 421), not after the default 30 s.
      closeTimeout: 50,
      size: 10 * 1024 * 1024,
      onConnect: (_session, callback) => {
        if (this.mode === 'refusing') {
          this.refused++;
          return callback(Object.assign(new Error('Too busy, try again later (bench)'), { responseCode: 421 }));
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          // Accepted only while up: a message whose end arrives during an outage or a refusal is not taken.
          if (this.mode === 'refusing' || this.server !== server) {
            this.refused++;
            return callback(Object.assign(new Error('Temporary failure, try again later (bench)'), { responseCode: 451 }));
          }
          this.record(Buffer.concat(chunks).toString('latin1'), session.envelope.rcptTo.map((r) => r.address.toLowerCase()), session.hostNameAppearsAs || '?');
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    server.on('error', () => undefined); // a client that goes away mid-session
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
    this.mode = 'up';
  }

  /** An outage: the port closes (connections refused), open connections get 421 and are closed. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** While `refusing`: 421 to every new connection, 451 to every message on an open one. */
  setMode(mode: SinkMode): void {
    this.mode = mode;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** How many messages `sender` delivered at or after `since` (Date.now()). */
  deliveredSince(sender: string, since: number): number {
    return (this.bySender.get(sender) ?? []).filter((at) => at >= since).length;
  }

  /** The first message at or after `since`, from `sender` or anyone. */
  firstSince(since: number, sender?: string): number | undefined {
    let first: number | undefined;
    for (const [name, times] of this.bySender) {
      if (sender !== undefined && name !== sender) continue;
      for (const at of times) if (at >= since && (first === undefined || at < first)) first = at;
    }
    return first;
  }

  private record(raw: string, recipients: string[], sender: string): void {
    const at = Date.now();
    const headerEnd = raw.search(/\r?\n\r?\n/);
    const headers = raw.slice(0, headerEnd < 0 ? raw.length : headerEnd);
    const messageId = /^message-id:\s*(<[^>\r\n]+>)/im.exec(headers)?.[1] ?? '(none)';
    const body = raw.slice(headers.length).replace(/=\r?\n/g, '');
    const confirmLink = /\/confirm\/[A-Za-z0-9_-]{10,}/.test(body);
    for (const to of recipients) {
      let list = this.byRecipient.get(to);
      if (!list) this.byRecipient.set(to, (list = []));
      list.push({ messageId, sender, at, confirmLink });
    }
    let times = this.bySender.get(sender);
    if (!times) this.bySender.set(sender, (times = []));
    times.push(at);
    this.received++;
  }
}
