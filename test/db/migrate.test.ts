import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { migrate, MigrationError } from '../../src/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

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
});
