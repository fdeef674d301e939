// `npm start` and `npm run worker` cap V8's heap (package.json: HEAP_MB, else
// config.heapMb; the young generation at config.semiSpaceMb), so that a process under load stays near its working set
// instead of letting garbage grow (docs/performance.md, *Memory*). Started
// through npm itself, as an operator starts them, and read from their start
// lines: the cap reaches the cluster's web processes too, and HEAP_MB changes it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';
import { Spawned } from '../helpers/spawned.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const { config } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { config: { heapMb: string; semiSpaceMb: string } };
const DEFAULT_HEAP_MB = Number(config.heapMb);
const SEMI_SPACE_MB = Number(config.semiSpaceMb);

type StartLine = { msg?: string; pid?: number; heapLimitMb?: number };
const parsed = (line: string): StartLine => {
  try {
    return JSON.parse(line) as StartLine;
  } catch {
    return {};
  }
};

/**
 * V8's heap_size_limit is the old space's cap plus the young generation's,
 * three semi-spaces (package.json's semiSpaceMb, 16 MB: 48 MB on Node 20 and
 * on 24, whose own would be 64 MB each): within that of the cap, and nowhere
 * near V8's own limit (4 GB on this machine).
 */
function assertCapped(limitMb: number | undefined, capMb: number, who: string): void {
  assert.ok(limitMb !== undefined, `${who} logged no heapLimitMb`);
  assert.ok(limitMb >= capMb && limitMb <= capMb + 3 * SEMI_SPACE_MB, `${who}: heap limit ${limitMb} MB, for a cap of ${capMb} MB`);
}

/** SIGTERM to npm and what it started, as a terminal's Ctrl+C reaches them; Placard says it stopped. */
async function stopGroup(spawned: Spawned): Promise<void> {
  const output = spawned.child.stdout!;
  const closed = output.closed ? Promise.resolve() : new Promise((resolve) => output.once('close', resolve));
  process.kill(-spawned.child.pid!, 'SIGTERM');
  // npm exits at once; its output closes once Placard, which shares it, has exited too.
  await closed;
  assert.ok(spawned.lines.some((line) => parsed(line).msg === 'stopped'), spawned.log());
}

describe('npm start and npm run worker cap the heap', { timeout: 180_000 }, () => {
  let db: TestDatabase;
  const started: Spawned[] = [];
  const npm = (script: string, env: Record<string, string>) => {
    const spawned = new Spawned(['npm', 'run', script], {
      DATABASE_URL: db.url,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      NODE_ENV: 'test',
      DEMO_CONTENT: 'false',
      HEAP_MB: '',
      ...env,
    });
    started.push(spawned);
    return spawned;
  };

  before(async () => {
    db = await createTestDatabase();
  });

  after(async () => {
    for (const spawned of started) {
      spawned.kill();
      await spawned.exited;
    }
    await db.drop();
  });

  it(`caps every process of npm start at package.json's ${DEFAULT_HEAP_MB} MB: the cluster primary and each web process`, async () => {
    const placard = npm('start', { PORT: String(await freePort()), WEB_PROCESSES: '2' });
    const running = parsed(await placard.waitForLine('Placard is running at', 120_000));
    assertCapped(running.heapLimitMb, DEFAULT_HEAP_MB, 'the cluster primary');
    const first = parsed(await placard.waitForLine((line) => parsed(line).msg === 'web process serving'));
    const second = parsed(await placard.waitForLine((line) => parsed(line).msg === 'web process serving' && parsed(line).pid !== first.pid));
    assertCapped(first.heapLimitMb, DEFAULT_HEAP_MB, 'a web process');
    assertCapped(second.heapLimitMb, DEFAULT_HEAP_MB, 'the other web process');
    await stopGroup(placard);
  });

  it('caps npm run worker at HEAP_MB when it is set', async () => {
    const worker = npm('worker', { HEAP_MB: '320' });
    const running = parsed(await worker.waitForLine('Placard worker running', 120_000));
    assertCapped(running.heapLimitMb, 320, 'npm run worker with HEAP_MB=320');
    await stopGroup(worker);
  });
});
