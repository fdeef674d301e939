// A Placard app wired as in production, over a fresh database, without a port.
import type { Express } from 'express';
import { createApp } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export type TestApp = { app: Express; config: Config; db: TestDatabase; close: () => Promise<void> };

export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: db.url, BASE_URL: 'http://placard.test', ...env });
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const app = createApp({ config, db: db.pool, log });
  return { app, config, db, close: () => db.drop() };
}
