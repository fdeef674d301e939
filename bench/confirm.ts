// npm run bench:confirm: how fast Placard confirms signatures, the press of
// "Confirm my signature" behind the link in the email (POST /confirm/:token,
// src/pledges/confirmation.routes.ts): the token used, the submission applied,
// the supporter's consent recorded, the action's letter queued where it goes
// one per signature, a 303 to the thank-you page. bench:sign stops at the 303
// to "check your email"; this takes over from there, to profile the other half
// of a signature. It prints figures and asserts no time; it exits non-zero only
// when something broke (a setup step, or a 303 whose signature is not confirmed).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:confirm
//   BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof-confirm" npm run bench:confirm
//
// It makes its own database (placard_bench_confirm_*), migrated, with the demo
// content, and drops it at the end. The pending signatures are written straight
// into the database, each with a link as the send-confirmation job makes one (a
// random token, only its SHA-256 stored, sql/signatures.sql
// insert-confirmation-token), so that no mail needs sending first. The server
// under test is `node --import tsx src/server.ts` in its own process, web only
// (RUN_WORKERS=false), rate limits raised. The client, in this process, GETs one
// link's page for the CSRF cookie and token (they are not tied to the link),
// then presses the button of each link once: closed loop, BENCH_CONNECTIONS
// connections, until BENCH_DURATION_S or the links run out.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { loadDemoContent } from '../src/demo/demo-content.ts';
import { newToken } from '../src/http/link-tokens.ts';
import { createLogger } from '../src/log.ts';
import { summarize } from './client.ts';
import { heapFlags } from './harness.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const settings = {
  adminUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  durationS: num('BENCH_DURATION_S', 10),
  connections: num('BENCH_CONNECTIONS', 32),
  // Enough links for the duration at a few thousand a second.
  links: num('BENCH_CONFIRM_LINKS', 30_000),
  // The petition of the demo content; a letter action whose letter goes one per signature confirms with its letter queued.
  slug: process.env.BENCH_CONFIRM_SLUG ?? 'free-the-zhanaozen-prisoners',
  serverNodeArgs: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
};
if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(new URL(settings.adminUrl).hostname)) {
  throw new Error('DATABASE_URL must be a PostgreSQL on this machine (loopback)');
}

const cleanups: (() => Promise<unknown>)[] = [];
async function cleanUp() {
  for (const run of cleanups.splice(0).reverse()) await run().catch((error: Error) => console.error(`cleanup: ${error.message}`));
}
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(settings.adminUrl);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** `n` pending signatures of the action, one submission and one live link each: the link's token by signature id. */
async function seed(url: string, slug: string, n: number): Promise<Map<string, number>> {
  const pool = createPool(url, { max: 2, log: createLogger('warn') });
  try {
    await migrate(pool);
    await loadDemoContent(pool, createLogger('warn'));
    const action = (await pool.query<{ id: number; status: string }>('SELECT id, status FROM actions WHERE slug = $1', [slug])).rows[0];
    if (action?.status !== 'open') throw new Error(`the demo content has no open action "${slug}"`);
    const tokens = new Map<string, number>();
    const batch = 5_000;
    for (let from = 0; from < n; from += batch) {
      const links = Array.from({ length: Math.min(batch, n - from) }, (_, i) => ({ email: `confirm-${from + i}@bench.example.com`, ...newToken() }));
      // What signing and the send-confirmation job leave behind: supporter, pending signature, submission, link.
      const { rows } = await pool.query<{ token_hash: Buffer; signature_id: number }>(
        `WITH input AS (SELECT * FROM unnest($2::text[], $3::bytea[]) AS i(email, token_hash)),
         supporter AS (INSERT INTO supporters (email) SELECT email FROM input RETURNING id, email),
         signature AS (
           INSERT INTO signatures (action_id, supporter_id, email, name, country, locality, comment, show_name, wants_updates, ip_hash, letter_reply_to)
           SELECT $1, id, email, 'Bench Confirmer', 'GB', '', '', true, true, NULL, false FROM supporter RETURNING id, email),
         submission AS (
           INSERT INTO signature_submissions (signature_id, name, country, locality, comment, show_name, wants_updates, ip_hash, letter_reply_to)
           SELECT id, 'Bench Confirmer', 'GB', '', '', true, true, NULL, false FROM signature RETURNING id, signature_id)
         INSERT INTO confirmation_tokens (token_hash, signature_id, submission_id, expires_at)
         SELECT input.token_hash, signature.id, submission.id, now() + interval '7 days'
         FROM input JOIN signature USING (email) JOIN submission ON submission.signature_id = signature.id
         RETURNING token_hash, signature_id`,
        [action.id, links.map((l) => l.email), links.map((l) => l.hash)],
      );
      const byHash = new Map(rows.map((r) => [r.token_hash.toString('hex'), r.signature_id]));
      for (const link of links) tokens.set(link.token, byHash.get(link.hash.toString('hex'))!);
    }
    await pool.query('VACUUM ANALYZE');
    return tokens;
  } finally {
    await pool.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startServer(url: string, logFile: string): Promise<{ baseUrl: string; pid: number }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['NODE_ENV', 'SMTP_URL', 'BASE_URL', 'APP_SECRET', 'TRUST_PROXY', 'EMBEDDED_PG_PORT', 'MAIL_FROM', 'COUNT_INTERVAL_MS']) delete env[key];
  Object.assign(env, {
    DATABASE_URL: url,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: settings.logLevel,
    DEMO_CONTENT: 'false',
    RATE_LIMIT_SIGN_PER_MINUTE: '100000000',
    RATE_LIMIT_CONFIRM_PER_MINUTE: '100000000',
    RUN_WORKERS: 'false',
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'placard-bench-confirm-data-')),
  });
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [...heapFlags(), ...settings.serverNodeArgs, '--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    // The CPU profile is written as the server exits.
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ; ) {
    if (child.exitCode !== null) throw new Error(`the server exited before it answered; see ${logFile}`);
    const up = await fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error(`the server did not answer /healthz within 60 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { baseUrl, pid: child.pid! };
}

type Answer = { status: number; location?: string; cookies: string[]; text: string };

function request(agent: http.Agent, url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method, headers, timeout: 30_000 });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, cookies: res.headers['set-cookie'] ?? [], text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.end(body);
  });
}

/** The page behind a link, as the supporter's browser opens it: the CSRF cookie and the form's token. */
async function formOf(agent: http.Agent, baseUrl: string, token: string): Promise<{ cookie: string; csrf: string | undefined }> {
  const page = await request(agent, `${baseUrl}/confirm/${token}`, 'GET', {});
  if (page.status !== 200) throw new Error(`GET /confirm/…: ${page.status}`);
  const cookie = page.cookies.map((c) => c.split(';')[0]!).find((c) => /^(__Host-)?placard\.csrf=/.test(c)) ?? '';
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1]?.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
  return { cookie, csrf };
}

async function main() {
  const started = Date.now();
  console.log(`placard bench:confirm — ${new Date().toISOString()}; ${os.cpus().length} cores; node ${process.version}`);
  const name = `placard_bench_confirm_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  cleanups.push(() => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  const url = Object.assign(new URL(settings.adminUrl), { pathname: `/${name}` }).toString();
  const tokens = await seed(url, settings.slug, settings.links);
  const logFile = path.join(os.tmpdir(), `placard-bench-confirm-${process.pid}.log`);
  const server = await startServer(url, logFile);
  console.log(`setup ${((Date.now() - started) / 1000).toFixed(1)} s: ${tokens.size.toLocaleString('en-GB')} pending signatures of "${settings.slug}", each with a live link; server pid ${server.pid} at ${server.baseUrl}, log ${logFile}`);

  const agent = new http.Agent({ keepAlive: true, maxSockets: settings.connections });
  const links = [...tokens.keys()];
  const form = await formOf(agent, server.baseUrl, links[0]!);
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    origin: server.baseUrl,
    'sec-fetch-site': 'same-origin',
    ...(form.cookie && { cookie: form.cookie }),
  };
  const body = new URLSearchParams(form.csrf ? { _csrf: form.csrf } : {}).toString();

  // What the app's pool connections are doing during the load (every 100 ms), to read the figures by.
  const sampler = new pg.Client(settings.adminUrl);
  await sampler.connect();
  const states = new Map<string, number>();
  let samples = 0;
  let sampling = true;
  const sampled = (async () => {
    while (sampling) {
      const { rows } = await sampler.query<{ what: string; n: number }>(
        `SELECT concat_ws(': ', state, wait_event_type || ':' || wait_event) AS what, count(*)::int AS n
         FROM pg_stat_activity WHERE datname = $1 AND application_name = 'placard' GROUP BY 1`,
        [name],
      );
      samples++;
      for (const r of rows) states.set(r.what, (states.get(r.what) ?? 0) + r.n);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  let next = 0;
  const latencies: number[] = [];
  const byStatus: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const confirmed: number[] = [];
  const wrongPlace: string[] = [];
  const loadStart = performance.now();
  const end = loadStart + settings.durationS * 1000;
  await Promise.all(
    Array.from({ length: settings.connections }, async () => {
      while (performance.now() < end && next < links.length) {
        const token = links[next++]!;
        const sent = performance.now();
        try {
          const answer = await request(agent, `${server.baseUrl}/confirm/${token}`, 'POST', { ...headers, 'content-length': String(Buffer.byteLength(body)) }, body);
          latencies.push(performance.now() - sent);
          byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
          if (answer.status === 303) {
            if (answer.location?.includes('/thanks')) confirmed.push(tokens.get(token)!);
            else wrongPlace.push(answer.location ?? '(none)');
          }
        } catch (error) {
          const message = (error as Error).message;
          errors[message] = (errors[message] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsedS = (performance.now() - loadStart) / 1000;
  agent.destroy();
  sampling = false;
  await sampled;
  await sampler.end();
  const s = summarize(latencies);
  const f1 = (n: number) => n.toFixed(1);
  console.log(`closed loop, ${settings.connections} connections, ${f1(elapsedS)} s${next >= links.length ? ' (the links ran out first)' : ''}`);
  console.log(`  requests ${latencies.length.toLocaleString('en-GB')}   by status ${JSON.stringify(byStatus)}${Object.keys(errors).length ? `   errors ${JSON.stringify(errors)}` : ''}`);
  console.log(`  confirms/s ${f1(confirmed.length / elapsedS)}   latency ms: p50 ${f1(s.p50)}  p90 ${f1(s.p90)}  p99 ${f1(s.p99)}  max ${f1(s.max)}  mean ${f1(s.mean)}`);
  const average = [...states].sort((a, b) => b[1] - a[1]).map(([what, n]) => `${what} ${f1(n / Math.max(1, samples))}`);
  console.log(`  app pool connections, average over ${samples} samples of pg_stat_activity: ${average.join(' · ')}`);

  // Every 303 to the thank-you page: its signature confirmed in the database.
  const db = new pg.Client(url);
  await db.connect();
  const check = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM signatures WHERE id = ANY($1) AND confirmed_at IS NOT NULL', [confirmed])).rows[0]!.n;
  await db.end();
  const broken = check !== confirmed.length || wrongPlace.length > 0 || latencies.length === 0;
  console.log(`  durability: 303s to the thank-you page ${confirmed.length.toLocaleString('en-GB')} · of them confirmed in the database ${check.toLocaleString('en-GB')}${wrongPlace.length ? ` · 303s elsewhere ${wrongPlace.length} (${wrongPlace[0]})` : ''} → ${broken ? 'BROKEN' : 'all match'}`);
  await cleanUp();
  if (broken) process.exitCode = 1;
}

main().catch(async (error: Error) => {
  console.error(error.stack ?? error.message);
  await cleanUp();
  process.exit(1);
});
