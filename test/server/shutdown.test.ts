// SIGTERM, as Docker or systemd send it, to the real processes (`npm start`'s
// src/server.ts and `npm run worker`'s src/worker.ts), each spawned on its own
// database: connections are closed without resetting a request, the request
// in flight finishes, a job stuck in hand is left to pg-boss's retry, and the
// process exits 0 well within the 10 s that Docker waits before SIGKILL.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { ACTION, openForm, signPetition } from '../helpers/forms.ts';
import { freePort } from '../helpers/ports.ts';
import { Spawned } from '../helpers/spawned.ts';

// A bound with slack for a shared machine, not a benchmark: the processes aim at 8 s at most.
const EXIT_BOUND_MS = 9_000;
const SECRET = 'shutdown-test-secret-shutdown-test-0123';

/**
 * An SMTP server that greets and then never answers: a send to it hangs until
 * nodemailer's socket timeout (30 s), as with a mail server that stalls.
 */
class StallingSmtp {
  private server = net.createServer((socket) => {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write('220 stall.test ESMTP\r\n');
    socket.once('data', () => this.commandSeen());
  });
  private sockets = new Set<net.Socket>();
  private commandSeen: () => void = () => undefined;
  /** Resolves when a client has sent its first command (EHLO): a send is in progress, and stuck. */
  readonly stuck = new Promise<void>((resolve) => (this.commandSeen = resolve));
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

type RawResponse = { status: number; headers: Record<string, string>; body: string };

/** One TCP connection spoken to by hand, so that a request can be sent in parts. */
class RawConnection {
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  private buffer = Buffer.alloc(0);
  private isClosed = false;
  private error: Error | undefined;
  private wake: () => void = () => undefined;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    this.socket.on('error', (error) => (this.error = error));
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** The next complete response on this connection; fails if the connection ends first. */
  async response(): Promise<RawResponse> {
    for (;;) {
      const parsed = this.parse();
      if (parsed) return parsed;
      if (this.isClosed) {
        throw new Error(`connection ended before a complete response (${this.error?.message ?? 'closed'}); got ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}`);
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private parse(): RawResponse | undefined {
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return undefined;
    const [statusLine = '', ...headerLines] = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine.split(' ')[1]);
    let offset = headEnd + 4;
    let body: Buffer;
    if (headers['transfer-encoding'] === 'chunked') {
      const chunks: Buffer[] = [];
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', offset);
        if (lineEnd < 0) return undefined;
        const size = parseInt(this.buffer.subarray(offset, lineEnd).toString('latin1'), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return undefined;
        chunks.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        offset = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(chunks);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (this.buffer.length < offset + length) return undefined;
      body = this.buffer.subarray(offset, offset + length);
      offset += length;
    }
    this.buffer = this.buffer.subarray(offset);
    return { status, headers, body: body.toString('utf8') };
  }
}

type Outcome = { status: number; connection: string | undefined; complete: boolean } | { error: string; reusedSocket: boolean };

/** GET through a keep-alive agent, as a browser would; records how it ended rather than throwing. */
function get(agent: http.Agent, port: number, pathname: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message, reusedSocket: req.reusedSocket }));
      res.on('end', () => {
        const length = Buffer.concat(chunks).length;
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, complete: !res.aborted && length === Number(res.headers['content-length'] ?? length) });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message, reusedSocket: req.reusedSocket }));
  });
}

async function stuckJobStates(db: { query: TestDatabase['pool']['query'] }): Promise<string[]> {
  const { rows } = await db.query<{ state: string }>("SELECT state FROM pgboss.job WHERE name = 'send-confirmation' ORDER BY created_on");
  return rows.map((r) => r.state);
}

describe('SIGTERM to the web server (src/server.ts) under load', () => {
  let db: TestDatabase;
  let smtp: StallingSmtp;
  let placard: Spawned;
  let port: number;
  let dataDir: string;

  before(async () => {
    db = await createTestDatabase();
    smtp = await new StallingSmtp().start();
    port = await freePort();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'placard-shutdown-'));
    placard = new Spawned('src/server.ts', {
      DATABASE_URL: db.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: `http://127.0.0.1:${port}`,
      APP_SECRET: SECRET,
      DEMO_CONTENT: 'true',
      LOG_LEVEL: 'info',
      RUN_WORKERS: 'true',
      NODE_ENV: 'test',
      SMTP_URL: smtp.url,
      DATA_DIR: dataDir,
    });
    await placard.waitForLine('Placard is running at');
  });

  after(async () => {
    placard.kill();
    await placard.exited;
    await smtp.stop();
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes idle connections at once, answers requests begun on open connections in full with Connection: close, and exits 0 within budget', async () => {
    const base = `http://127.0.0.1:${port}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);

    // A signature whose confirmation email hangs on a stalling SMTP server: a job in hand that will not finish.
    const signer = request.agent(base);
    const token = await openForm(signer, `/actions/${ACTION}`);
    const signed = await signer.post(`/actions/${ACTION}/signatures`).type('form').send({ _csrf: token, name: 'Aigerim', email: 'stuck@example.org', country: 'KZ' });
    assert.equal(signed.status, 303);
    await smtp.stuck;

    // Kept-alive connections: one stays idle, one sends its next request just after the
    // SIGTERM, and three have begun their next request when it comes.
    const idle = new RawConnection(port);
    const late = new RawConnection(port);
    for (const connection of [idle, late]) {
      connection.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      const first = await connection.response();
      assert.equal(first.status, 200);
      assert.equal(first.headers.connection, 'keep-alive');
    }
    const busy = [new RawConnection(port), new RawConnection(port), new RawConnection(port)];
    for (const connection of busy) {
      connection.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      const page = await connection.response();
      assert.equal(page.status, 200);
      assert.equal(page.headers.connection, 'keep-alive');
      connection.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    }

    // Load: clients that keep asking for the home page on their kept-alive connections until told to close.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
    const outcomes: Outcome[] = [];
    let served = 0;
    let signalled = false;
    let loadRunning!: () => void;
    const loadStarted = new Promise<void>((resolve) => (loadRunning = resolve));
    const client = async () => {
      for (;;) {
        const outcome = await get(agent, port, '/');
        outcomes.push(outcome);
        if ('status' in outcome && ++served >= 12) loadRunning();
        if ('error' in outcome && !signalled) throw new Error(`request failed before SIGTERM: ${outcome.error}`);
        if (!signalled) continue;
        if ('error' in outcome || outcome.connection === 'close') return;
      }
    };
    const clients = Array.from({ length: 6 }, client);
    await loadStarted;

    const signalledAt = performance.now();
    signalled = true;
    placard.child.kill('SIGTERM');
    late.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    // Not reset: answered in full (with Connection: close, unless the server read it before the
    // signal), then the connection is closed.
    const latePage = await late.response();
    assert.equal(latePage.status, 200);
    assert.match(latePage.body, /<\/html>\s*$/, 'the whole page arrives');
    await late.closed;
    await placard.waitForLine('"msg":"shutting down"');
    // Closed while requests are still in flight: not left to the keep-alive timeout.
    await idle.closed;

    // Requests begun before the SIGTERM and sent in full after it.
    for (const connection of busy) {
      connection.write('Accept: text/html\r\n\r\n');
      const page = await connection.response();
      assert.equal(page.status, 200);
      assert.equal(page.headers.connection, 'close', 'a request begun on an open connection is told that the connection closes');
      assert.match(page.body, /<\/html>\s*$/, 'the whole page arrives');
      await connection.closed;
    }
    await Promise.all(clients);
    agent.destroy();

    const exit = await placard.exited;
    const exitMs = exit.at - signalledAt;
    const tally = outcomes.reduce<Record<string, number>>((counts, o) => {
      const kind = 'status' in o ? `${o.status} ${o.connection}` : `${o.error}${o.reusedSocket ? ' (reused socket)' : ''}`;
      return { ...counts, [kind]: (counts[kind] ?? 0) + 1 };
    }, {});
    console.log(`web server: exited ${Math.round(exitMs)} ms after SIGTERM; late request: ${latePage.headers.connection}; load: ${JSON.stringify(tally)}`);
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, placard.log());
    assert.ok(exitMs < EXIT_BOUND_MS, `exited ${Math.round(exitMs)} ms after SIGTERM`);
    assert.match(placard.log(), /"msg":"stopped"/);

    let resets = 0;
    for (const outcome of outcomes) {
      if ('status' in outcome) {
        assert.equal(outcome.status, 200);
        assert.ok(outcome.complete, 'every response that began arrived whole');
      } else if (outcome.error !== 'ECONNREFUSED') {
        // A new connection after the port closed is refused. A request written onto a kept-alive
        // connection just as the server closes it as idle is reset: the race every HTTP/1.1 client
        // retries. Closing idle connections at the very moment of the signal resets about half of
        // these busy clients (their next request has arrived but is still unread); the grace for
        // idle connections leaves it to chance, rarely.
        assert.ok(outcome.reusedSocket && ['ECONNRESET', 'EPIPE'].includes(outcome.error), `unexpected ${JSON.stringify(outcome)}`);
        resets++;
      }
    }
    assert.ok(resets <= 1, `${resets} of ${clients.length} busy clients were reset`);
    assert.doesNotMatch(placard.log(), /still open at the deadline/, 'no connection had to be cut at the web server deadline');
    // The stuck job was handed back to pg-boss, which retries it (it is idempotent by key).
    assert.deepEqual(await stuckJobStates(db.pool), ['retry']);
  });
});

describe('SIGTERM to the worker process (src/worker.ts)', () => {
  let t: TestApp;
  let smtp: StallingSmtp;
  let worker: Spawned;
  let dataDir: string;

  before(async () => {
    smtp = await new StallingSmtp().start();
    // The web app in this process only enqueues; the spawned worker sends.
    t = await createTestApp();
    await loadDemoContent(t.db.pool, createLogger('silent'));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'placard-worker-shutdown-'));
  });

  after(async () => {
    worker?.kill();
    await worker?.exited;
    await t.close();
    await smtp.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 0 within budget with a job stuck in hand, leaving it to pg-boss to retry', async () => {
    assert.equal((await signPetition(t.app, { email: 'stuck-in-worker@example.org' })).status, 303);
    worker = new Spawned('src/worker.ts', {
      DATABASE_URL: t.db.url,
      BASE_URL: 'http://placard.test',
      APP_SECRET: SECRET,
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      SMTP_URL: smtp.url,
      DATA_DIR: dataDir,
    });
    await worker.waitForLine('Placard worker running');
    await smtp.stuck;

    const signalledAt = performance.now();
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    const exitMs = exit.at - signalledAt;
    console.log(`worker: exited ${Math.round(exitMs)} ms after SIGTERM`);
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, worker.log());
    assert.ok(exitMs < EXIT_BOUND_MS, `exited ${Math.round(exitMs)} ms after SIGTERM`);
    assert.match(worker.log(), /"msg":"stopped"/);
    assert.deepEqual(await stuckJobStates(t.db.pool), ['retry']);
  });
});

describe('SIGTERM while Placard is still starting', () => {
  it('waits for the embedded PostgreSQL it was starting, then stops it too', { timeout: 120_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'placard-boot-'));
    // As root, the embedded PostgreSQL runs as the postgres user, who must reach the directory.
    fs.chmodSync(dataDir, 0o755);
    const env: Record<string, string> = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), PORT: String(await freePort()), LOG_LEVEL: 'info', NODE_ENV: 'test' };
    const inherited = { ...process.env };
    delete inherited.DATABASE_URL;
    const server = new Spawned('src/server.ts', { ...(inherited as Record<string, string>), ...env, DATABASE_URL: '' });
    try {
      // The first start initialises the cluster: a signal now comes in the middle of the start.
      await server.waitForLine('initialising embedded PostgreSQL');
      server.child.kill('SIGTERM');
      const exit = await server.exited;
      assert.equal(exit.code, 0, server.log());
      assert.match(server.log(), /"msg":"stopped"/);
      assert.doesNotMatch(server.log(), /Placard is running/, 'it did not go on to serve');
      // Nothing is left running on the data directory.
      const running = fs.readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
        } catch {
          return false;
        }
      });
      assert.deepEqual(running, [], 'no postgres left on the data directory');
    } finally {
      server.kill();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
