// The load generator for bench/sign.ts and bench/pages.ts. It runs in a child
// process of its own (forked by runLoad below), so that neither the server under
// test nor the orchestrator shares its event loop. One child runs one load and exits.
//
// A signing load sends what a browser sends when a supporter signs: a form POST,
// with the CSRF cookie and token when one GET of the action's page gave them
// (public pages stop carrying them once the same-origin check alone guards their
// POSTs), and a new email every time, so every request stores a new signature.
// A page load (spec.get) GETs one path as a new visitor would: no cookie, the
// same headers every time (e.g. If-None-Match, as a cache revalidating sends).
import { fork } from 'node:child_process';
import http from 'node:http';

export type LoadSpec = {
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  slug: string;
  /** closed: `connections` loops, each sends its next request when the last one ended. open: `rate` requests per second on a fixed schedule. */
  mode: 'closed' | 'open';
  connections: number;
  rate: number;
  durationMs: number;
  /** Unique per load, so that emails never repeat across loads on one database. */
  emailPrefix: string;
  /** Open loop: at most this many sockets; requests beyond wait in the client (and that wait counts in their latency). */
  maxSockets: number;
  requestTimeoutMs: number;
  /** After the last request is sent, how long to wait for the ones still in flight. */
  drainTimeoutMs: number;
  /** A page load: GET this path (with these headers) instead of signing; slug and emailPrefix are then unused. */
  get?: { path: string; headers?: Record<string, string> };
};

export type Summary = { count: number; mean: number; p50: number; p90: number; p99: number; max: number };

export type LoadResult = {
  spec: LoadSpec;
  /** Requests that got an answer or failed (answered + errors). */
  requests: number;
  ok303: number;
  non303: number;
  byStatus: Record<string, number>;
  errors: Record<string, number>;
  /** From the first request sent to the last one ended. */
  elapsedMs: number;
  /** 303 responses per second over elapsedMs. */
  signaturesPerSecond: number;
  /** Answered requests (any status) per second over elapsedMs. */
  responsesPerSecond: number;
  /** Bytes of the response bodies, as received (compressed if they came so), over all answered requests. */
  bodyBytes: number;
  /** Closed loop: send → end of response. Open loop: the scheduled send time → end of response, so a server that falls behind is charged for the wait. */
  latencyMs: Summary;
  /** Open loop only: actual send → end of response. */
  serviceMs?: Summary;
  /** Open loop: the largest number of requests in flight at once. */
  maxInFlight: number;
  cpuMs: { user: number; system: number };
};

type Message = { type: 'result'; result: LoadResult } | { type: 'error'; message: string };

export function summarize(values: number[]): Summary {
  if (values.length === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: sorted.length, mean: sum / sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

/** What the action page gave for the signing form: a CSRF cookie and token, each only if it had one. */
type Form = { cookie?: string; token?: string };

function request(
  agent: http.Agent,
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
  /** Keep the body as text; otherwise only its length is counted. */
  keepBody = false,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: number; text?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, timeout: timeoutMs });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keepBody) chunks.push(c);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, text: keepBody ? Buffer.concat(chunks).toString('utf8') : undefined }),
      );
      res.on('error', reject);
    });
    req.end(body);
  });
}

/**
 * One GET of the action's page, as a browser makes before it signs: the CSRF
 * cookie and the form's token if the page has them. A page with one and not
 * the other is broken (every POST would be refused): that stops the load.
 */
async function getForm(agent: http.Agent, spec: LoadSpec): Promise<Form> {
  const res = await request(agent, new URL(`/actions/${spec.slug}`, spec.baseUrl), 'GET', {}, undefined, spec.requestTimeoutMs, true);
  if (res.status !== 200) throw new Error(`GET /actions/${spec.slug} answered ${res.status}`);
  const cookies = res.headers['set-cookie'] ?? [];
  const cookie = cookies.map((c) => c.split(';')[0]!).find((c) => /^(__Host-)?placard\.csrf=/.test(c));
  const token = /name="_csrf" value="([^"]+)"/.exec(res.text ?? '')?.[1];
  if (!cookie !== !token) throw new Error(`the action page gave a CSRF ${cookie ? 'cookie but no _csrf field' : '_csrf field but no cookie'}`);
  return { cookie, token: token?.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&') };
}

/** What one request of the load sends: the signing form with a new email, or the same GET each time. */
type Send = { url: URL; method: 'GET' | 'POST'; headers: Record<string, string>; body?: string };

async function prepareRequests(agent: http.Agent, spec: LoadSpec): Promise<(n: number) => Send> {
  if (spec.get) {
    const send: Send = { url: new URL(spec.get.path, spec.baseUrl), method: 'GET', headers: spec.get.headers ?? {} };
    return () => send;
  }
  const form = await getForm(agent, spec);
  const url = new URL(`/actions/${spec.slug}/signatures`, spec.baseUrl);
  return (n) => {
    const body = new URLSearchParams({
      ...(form.token ? { _csrf: form.token } : {}),
      name: 'Bench Signer',
      email: `${spec.emailPrefix}-${n}@bench.example.com`,
      country: 'GB',
    }).toString();
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
      ...(form.cookie ? { cookie: form.cookie } : {}),
    };
    return { url, method: 'POST', headers, body };
  };
}

export async function runLoadHere(spec: LoadSpec): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.mode === 'closed' ? spec.connections : spec.maxSockets });
  const nextRequest = await prepareRequests(agent, spec);
  const byStatus: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const latencies: number[] = [];
  const service: number[] = [];
  let seq = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let requests = 0;
  let answered = 0;
  let bodyBytes = 0;
  let lastEnd = 0;

  const sendOne = async (scheduledAt?: number) => {
    const { url, method, headers, body } = nextRequest(seq++);
    inFlight++;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    const started = performance.now();
    try {
      const res = await request(agent, url, method, headers, body, spec.requestTimeoutMs);
      const ended = performance.now();
      byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
      answered++;
      bodyBytes += res.bytes;
      latencies.push(ended - (scheduledAt ?? started));
      if (scheduledAt !== undefined) service.push(ended - started);
      lastEnd = ended;
    } catch (error) {
      const key = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
      errors[key] = (errors[key] ?? 0) + 1;
      lastEnd = performance.now();
    } finally {
      inFlight--;
      requests++;
    }
  };

  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  const stopAt = t0 + spec.durationMs;
  if (spec.mode === 'closed') {
    const loops = Array.from({ length: spec.connections }, async () => {
      while (performance.now() < stopAt) await sendOne();
    });
    await Promise.all(loops);
  } else {
    // Open loop: request i is due at t0 + i/rate whatever happened to the others.
    const total = Math.round((spec.rate * spec.durationMs) / 1000);
    const pending: Promise<void>[] = [];
    let next = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now();
        while (next < total && t0 + (next * 1000) / spec.rate <= now) {
          pending.push(sendOne(t0 + (next * 1000) / spec.rate));
          next++;
        }
        if (next >= total) return resolve();
        setTimeout(tick, 1);
      };
      tick();
    });
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      Promise.all(pending).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), spec.drainTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!drained) errors['still in flight at drain timeout'] = inFlight;
  }
  const cpu = process.cpuUsage(cpuBefore);
  agent.destroy();

  const ok303 = byStatus['303'] ?? 0;
  const elapsedMs = (lastEnd || performance.now()) - t0;
  return {
    spec,
    requests,
    ok303,
    non303: requests - ok303,
    byStatus,
    errors,
    elapsedMs,
    signaturesPerSecond: ok303 / (elapsedMs / 1000),
    responsesPerSecond: answered / (elapsedMs / 1000),
    bodyBytes,
    latencyMs: summarize(latencies),
    serviceMs: spec.mode === 'open' ? summarize(service) : undefined,
    maxInFlight,
    cpuMs: { user: cpu.user / 1000, system: cpu.system / 1000 },
  };
}

export type LoadHandle = { pid: number; result: Promise<LoadResult>; kill: () => void };

/** Runs one load in a new child process; the promise settles when the child reports (or dies, or overruns). */
export function runLoad(spec: LoadSpec): LoadHandle {
  const child = fork(new URL(import.meta.url).pathname, [JSON.stringify(spec)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, PLACARD_BENCH_CLIENT: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const overrun = spec.durationMs + spec.drainTimeoutMs + spec.requestTimeoutMs + 30_000;
  const result = new Promise<LoadResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the load client overran ${overrun} ms`));
    }, overrun);
    child.on('message', (m: Message) => {
      clearTimeout(timer);
      if (m.type === 'result') resolve(m.result);
      else reject(new Error(`load client: ${m.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the load client exited (${code}) without a result`));
    });
  });
  return { pid: child.pid!, result, kill: () => child.kill('SIGKILL') };
}

// Child side: argv[2] is the spec.
if (process.env.PLACARD_BENCH_CLIENT === '1' && process.send && process.argv[2]) {
  const spec = JSON.parse(process.argv[2]) as LoadSpec;
  runLoadHere(spec).then(
    (result) => process.send!({ type: 'result', result } satisfies Message, () => process.exit(0)),
    (error: unknown) =>
      process.send!({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies Message, () => process.exit(1)),
  );
}
