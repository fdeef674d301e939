// `npm test`'s runner: uses DATABASE_URL, or starts an embedded PostgreSQL when
// none is given; builds the template database once; then runs every test file
// with node's test runner, each file in its own process and database.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.ts';
import { createLogger } from '../src/log.ts';
import { ensureTemplate } from './helpers/db.ts';

function findTests(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

async function main(): Promise<number> {
  const log = createLogger('warn');
  let embedded: EmbeddedDatabase | undefined;
  if (!process.env.DATABASE_URL) {
    console.log('DATABASE_URL is not set: starting an embedded PostgreSQL for the tests');
    embedded = await startEmbeddedPostgres({ dataDir: path.resolve('data/test'), port: Number(process.env.TEST_PG_PORT ?? 54330), log });
    // The superuser: the tests create a database per file.
    process.env.DATABASE_URL = embedded.adminUrl;
  }
  try {
    process.env.PLACARD_TEST_TEMPLATE = await ensureTemplate();
    const filters = process.argv.slice(2);
    const files = findTests('test')
      .sort()
      .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
      stdio: 'inherit',
      env: process.env,
    });
    return await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  } finally {
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
