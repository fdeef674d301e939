import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { migrate, MigrationError } from '../../src/db/migrate.ts';
import { createTestDatabase, createTestPool, type TestDatabase } from '../helpers/db.ts';

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'placard-migrations-'));
  for (const [name, sql] of Object.entries(files)) await fs.writeFile(path.join(dir, name), sql);
  return dir;
}

describe('migrations', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it('applies nothing twice', async () => {
    assert.deepEqual(await migrate(db.pool), []);
  });

  it('applies new files in order, each once, and names the file that fails', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'placard-migrations-'));
    await fs.writeFile(path.join(dir, '0001_first.sql'), 'CREATE TABLE first_table (id int);');
    await fs.writeFile(path.join(dir, '0002_second.sql'), 'INSERT INTO first_table VALUES (1);');
    await fs.writeFile(path.join(dir, '0003_broken.sql'), 'CREATE TABLE half_done (id int); SELEC oops;');
    await assert.rejects(migrate(db.pool, dir), (error: Error) => {
      assert.ok(error instanceof MigrationError);
      assert.match(error.message, /0003_broken\.sql/);
      assert.match(error.message, /syntax error/);
      return true;
    });
    const { rows } = await db.pool.query("SELECT to_regclass('half_done') AS t, (SELECT count(*) FROM first_table) AS n");
    assert.equal(rows[0].t, null, 'the failing migration was rolled back whole');
    assert.equal(rows[0].n, 1);
    await fs.rm(dir, { recursive: true });
  });

  it('refuses a misnamed migration instead of skipping it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'placard-migrations-'));
    await fs.writeFile(path.join(dir, '0001_fine.sql'), 'SELECT 1;');
    await fs.writeFile(path.join(dir, '2_AddIndex.sql'), 'SELECT 1;');
    await assert.rejects(migrate(db.pool, dir), /2_AddIndex\.sql/);
    await fs.rm(dir, { recursive: true });
  });

  it('lets two instances migrate at once without racing', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'placard-migrations-'));
    await fs.writeFile(path.join(dir, '0001_counter.sql'), 'CREATE TABLE race_counter (id int); INSERT INTO race_counter VALUES (1);');
    const results = await Promise.all([migrate(db.pool, dir), migrate(db.pool, dir)]);
    assert.deepEqual(results.flat(), ['0001_counter.sql']);
    const { rows } = await db.pool.query('SELECT count(*) AS n FROM race_counter');
    assert.equal(rows[0].n, 1);
    await fs.rm(dir, { recursive: true });
  });

  it('runs a migration marked placard:no-transaction outside a transaction, so CREATE INDEX CONCURRENTLY applies', async () => {
    const dir = await migrationsDir({
      '0001_table.sql': 'CREATE TABLE concurrent_things (id int);',
      '0002_index.sql': '-- placard:no-transaction\n-- Built without blocking writes.\nCREATE INDEX CONCURRENTLY concurrent_things_id ON concurrent_things (id);\n',
    });
    assert.deepEqual(await migrate(db.pool, dir), ['0001_table.sql', '0002_index.sql']);
    const { rows } = await db.pool.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'concurrent_things_id'::regclass");
    assert.equal(rows[0].indisvalid, true);
    assert.deepEqual(await migrate(db.pool, dir), [], 'and records it, once');
    await fs.rm(dir, { recursive: true });
  });

  it('lets two instances apply a no-transaction migration at once, taking turns', async () => {
    const dir = await migrationsDir({
      '0001_turn_table.sql': 'CREATE TABLE turn_things (id int);',
      '0002_turn_index.sql': '-- placard:no-transaction\nCREATE INDEX CONCURRENTLY turn_things_id ON turn_things (id);',
    });
    const results = await Promise.all([migrate(db.pool, dir), migrate(db.pool, dir)]);
    assert.deepEqual(results.flat().sort(), ['0001_turn_table.sql', '0002_turn_index.sql']);
    await fs.rm(dir, { recursive: true });
  });

  it('refuses several statements in a no-transaction migration, naming the file', async () => {
    const dir = await migrationsDir({
      '0001_two.sql': '-- placard:no-transaction\nCREATE TABLE two_a (id int);\nCREATE TABLE two_b (id int);',
    });
    await assert.rejects(migrate(db.pool, dir), (error: Error) => {
      assert.ok(error instanceof MigrationError);
      assert.match(error.message, /0001_two\.sql/);
      assert.match(error.message, /holds one statement/);
      return true;
    });
    const { rows } = await db.pool.query("SELECT to_regclass('two_a') AS a, (SELECT count(*) FROM schema_migrations WHERE name = '0001_two.sql') AS n");
    assert.equal(rows[0].a, null, 'nothing of it ran');
    assert.equal(rows[0].n, 0);
    await fs.rm(dir, { recursive: true });
  });

  it('still refuses a misnamed no-transaction migration', async () => {
    const dir = await migrationsDir({
      '0001_fine.sql': 'SELECT 1;',
      '2_ConcurrentIndex.sql': '-- placard:no-transaction\nSELECT 1;',
    });
    await assert.rejects(migrate(db.pool, dir), /2_ConcurrentIndex\.sql/);
    await fs.rm(dir, { recursive: true });
  });

  it('is not cut by the pool\'s statement timeout, and gives the pool back its timeouts', async () => {
    const pool = createTestPool(db.url, { max: 1, statementTimeoutMs: 100 });
    try {
      const dir = await migrationsDir({ '0001_slow.sql': 'SELECT pg_sleep(0.5); CREATE TABLE slow_thing (id int);' });
      assert.deepEqual(await migrate(pool, dir), ['0001_slow.sql']);
      await assert.rejects(pool.query('SELECT pg_sleep(0.5)'), { code: '57014' }, 'the pool\'s own queries are still cut');
      const { rows } = await pool.query('SHOW statement_timeout');
      assert.equal(rows[0].statement_timeout, '100ms');
      await fs.rm(dir, { recursive: true });
    } finally {
      await pool.end();
    }
  });
});
