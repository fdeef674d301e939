// `npm run admin:create -- --email EMAIL --name NAME [--role organiser]`: the
// first admin (or any organiser) from the command line. The password is asked
// for on a terminal (twice, not echoed) and read from stdin otherwise (its first
// line), never taken as an argument (it would stay in the shell's history and
// in `ps`). Uses DATABASE_URL, or the embedded PostgreSQL on DATA_DIR: the one a
// running `npm start` owns, or one started for the moment.
import { parseArgs } from 'node:util';
import readline from 'node:readline';
import { ConfigError, loadConfig } from '../config.ts';
import { closeDatabase, openDatabase, type Database } from '../db/open.ts';
import { runningEmbeddedUrl } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { createPool } from '../db/pool.ts';
import { Invalid } from '../errors.ts';
import { translate } from '../i18n/index.ts';
import { createLogger } from '../log.ts';
import { createOrganiser } from './accounts.service.ts';
import type { Role } from './kit.ts';
import { absolute, paths } from '../urls.ts';

const USAGE = 'Usage: npm run admin:create -- --email EMAIL --name NAME [--role admin|organiser]\n(the password is asked for, or read from stdin)';

async function askHidden(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Nothing typed is echoed: only the question is written.
  const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (s.startsWith(question)) write.call(rl, question);
  };
  const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
  rl.close();
  process.stdout.write('\n');
  return answer;
}

async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split(/\r?\n/, 1)[0] ?? '';
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readStdinLine();
  const first = await askHidden('Password (at least 12 characters): ');
  const second = await askHidden('The same password again: ');
  if (first !== second) throw new Error('The two passwords differ; nothing was created.');
  return first;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', default: 'admin' } }, strict: true });
  if (!values.email || !values.name || (values.role !== 'admin' && values.role !== 'organiser')) throw new Error(USAGE);
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const password = await readPassword();

  let database: Database | undefined;
  let url = config.databaseUrl ?? (await runningEmbeddedUrl({ dataDir: config.dataDir, log }));
  if (!url) {
    database = await openDatabase(config, log);
    url = database.url;
  }
  const pool = database?.pool ?? createPool(url, { log, max: 2, ...config.databaseTimeouts });
  try {
    if (!database) await migrate(pool);
    // No queue here: an organiser created with a password is sent no invitation.
    const noQueue = { enqueue: () => Promise.reject(new Error('no queue on the command line')) };
    const organiser = await createOrganiser({ db: pool, queue: noQueue }, { email: values.email, name: values.name, role: values.role as Role, password }, null);
    console.log(`Created ${organiser.role} ${organiser.name} <${organiser.email}>. Sign in at ${absolute(config.baseUrl, paths.adminSignIn())}`);
  } catch (error) {
    if (error instanceof Invalid) {
      throw new Error(Object.entries(error.fields).map(([field, key]) => `${field}: ${translate('en', key)}`).join('\n'));
    }
    throw error;
  } finally {
    if (database) await closeDatabase(database);
    else await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : String(error));
  process.exit(1);
});
