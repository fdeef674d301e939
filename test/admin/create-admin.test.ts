// `npm run admin:create` as a person runs it: a real process, the password on
// stdin (no terminal), against a database of its own; and the demo admin's
// one-time link, which only development with demo content prints.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { printDemoSignInLink } from '../../src/admin/demo-admin.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signInAgent } from '../helpers/admin.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function createAdmin(args: string[], stdin: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/admin/create-admin.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('npm run admin:create', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('creates an admin whose password is read from stdin, who can then sign in', async () => {
    const env = { DATABASE_URL: t.db.url, LOG_LEVEL: 'silent' };
    const made = await createAdmin(['--email', 'First.Admin@Example.org', '--name', 'Saule'], 'a password read from stdin\nignored second line\n', env);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /Created admin Saule <first\.admin@example\.org>/);
    assert.doesNotMatch(made.stdout + made.stderr, /a password read from stdin/, 'the password is never printed');
    const agent = await signInAgent(t, { email: 'first.admin@example.org', password: 'a password read from stdin' });
    await agent.get('/admin/organisers').expect(200);
    const { rows } = await t.db.pool.query(`SELECT event, organiser_id FROM audit_log WHERE event = 'organiser.create'`);
    assert.deepEqual(rows, [{ event: 'organiser.create', organiser_id: null }]);
  });

  it('refuses a short password, a taken email, and missing arguments, saying why', async () => {
    const env = { DATABASE_URL: t.db.url, LOG_LEVEL: 'silent' };
    const short = await createAdmin(['--email', 'second@example.org', '--name', 'B'], 'short\n', env);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 12 characters/);
    const taken = await createAdmin(['--email', 'first.admin@example.org', '--name', 'Again'], 'another long password\n', env);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /already an organiser with this email/);
    const missing = await createAdmin(['--name', 'No email'], 'another long password\n', env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Usage: npm run admin:create/);
    const count = await t.db.pool.query('SELECT count(*)::int AS n FROM organisers');
    assert.equal(count.rows[0].n, 1);
  });
});

describe('the demo admin\'s one-time link', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('is printed in development with demo content, confirmed by a button, and works once', async () => {
    const lines: string[] = [];
    const url = await printDemoSignInLink(t.db.pool, { env: 'development', demoContent: true, baseUrl: 'http://placard.test' }, (line) => lines.push(line));
    assert.ok(url);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^Sign in to the admin as the demo admin \(once, within 15 minutes\): http:\/\/placard\.test\/admin\/sign-in\/[A-Za-z0-9_-]{43}$/);
    const linkPath = new URL(url).pathname;
    // Opening the link (a mail scanner, a preview) signs nobody in.
    const scanner = await request(t.app).get(linkPath).expect(200);
    assert.doesNotMatch(scanner.headers['set-cookie']?.toString() ?? '', /placard\.admin=/);
    const agent = request.agent(t.app);
    const token = await csrfToken(agent, linkPath);
    const res = await agent.post(linkPath).type('form').send({ _csrf: token });
    assert.equal(res.status, 303);
    await agent.get('/admin/organisers').expect(200);
    const again = request.agent(t.app);
    assert.equal((await again.get(linkPath)).status, 410, 'used once, it is gone');
  });

  it('expires after 15 minutes', async () => {
    const url = await printDemoSignInLink(t.db.pool, { env: 'development', demoContent: true, baseUrl: 'http://placard.test' }, () => undefined);
    await t.db.pool.query(`UPDATE organiser_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'sign-in'`);
    assert.equal((await request(t.app).get(new URL(url!).pathname)).status, 410);
  });

  it('is never made in production or without demo content, and no demo admin is created', async () => {
    const lines: string[] = [];
    const before = (await t.db.pool.query('SELECT count(*)::int AS n FROM organisers')).rows[0].n;
    assert.equal(await printDemoSignInLink(t.db.pool, { env: 'production', demoContent: true, baseUrl: 'https://x.example' }, (line) => lines.push(line)), undefined);
    assert.equal(await printDemoSignInLink(t.db.pool, { env: 'development', demoContent: false, baseUrl: 'http://x.example' }, (line) => lines.push(line)), undefined);
    assert.equal(await printDemoSignInLink(t.db.pool, { env: 'test', demoContent: true, baseUrl: 'http://x.example' }, (line) => lines.push(line)), undefined);
    assert.deepEqual(lines, []);
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM organisers')).rows[0].n, before);
  });
});
