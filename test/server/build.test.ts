// `npm run build`: the app compiled to JavaScript (tsconfig.build.json) runs as
// it does through the TypeScript loader: the compiled server starts on a real
// database, finds its SQL and views from its own folder, serves the demo's
// pages, and stops cleanly on SIGTERM; the compiled worker starts too. Built
// into a folder of its own beside src/ (as build/ is), so that a build/ a
// developer made is left alone.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OUT = path.join(ROOT, `build-test-${process.pid}`);

describe('the compiled app (npm run build)', { timeout: 120_000 }, () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase();
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', OUT], { cwd: ROOT });
  });
  after(async () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    await db?.drop();
  });

  const run = (entry: string, env: Record<string, string>) => {
    const inherited: Record<string, string | undefined> = { ...process.env };
    delete inherited.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, [path.join(OUT, `${entry}.js`)], {
      env: { ...inherited, DATABASE_URL: db.url, HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'test', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, exited, output: () => output };
  };

  it('serves the pages from JavaScript alone and stops cleanly', async () => {
    assert.ok(fs.existsSync(path.join(OUT, 'server.js')) && fs.existsSync(path.join(OUT, 'worker.js')));
    const port = await freePort();
    const server = run('server', { PORT: String(port), DEMO_CONTENT: 'true' });
    try {
      let status = 0;
      for (const until = Date.now() + 60_000; Date.now() < until && status !== 200; await sleep(200)) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
      }
      assert.equal(status, 200, server.output());
      // SQL (sql/), views (views/) and the demo's letter and protest call, as from src/.
      for (const page of ['/', '/actions/bar-council-call-off-the-mission', '/actions/zhanaozen-anniversary-protests']) {
        const res = await fetch(`http://127.0.0.1:${port}${page}`);
        assert.equal(res.status, 200, `${page}: ${res.status}`);
        assert.match(await res.text(), /<html/);
      }
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());
    } finally {
      server.child.kill('SIGKILL');
    }

    const worker = run('worker', { LOG_LEVEL: 'info' });
    try {
      for (const until = Date.now() + 30_000; Date.now() < until && !/worker running/i.test(worker.output()); ) await sleep(200);
      assert.match(worker.output(), /worker running/i);
      worker.child.kill('SIGTERM');
      assert.equal(await worker.exited, 0, worker.output());
    } finally {
      worker.child.kill('SIGKILL');
    }
  });
});
