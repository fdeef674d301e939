// Database faults surface as errors, never as a crash or a hang: connections
// killed mid-transaction, requests in flight when the database goes, an
// exhausted pool, and the way back without a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Express } from 'express';
import pg from 'pg';
import request from 'supertest';
import { createApp } from '../../src/app.ts';
import { createHealthProbe, type HealthProbe } from '../../src/db/health.ts';
import type { Pool } from '../../src/db/pool.ts';
import { withTransaction } from '../../src/db/pool.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestPool } from '../helpers/db.ts';
import { ACTION, openForm, signPetition } from '../helpers/forms.ts';
import { targetOf, TcpProxy } from './tcp-proxy.ts';

// As when PostgreSQL restarts: every backend of the database but the admin's own goes.
const TERMINATE_ALL = 'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()';

/** Resolves when the client's connection has ended (no 'error' listener is added: the code under test must have one). */
// A broken guard shows as a crash or a hang: each test and hook fails after this long instead.
const LIMIT = { timeout: 15_000 };

const ended = (client: pg.PoolClient) => new Promise<void>((resolve) => client.once('end', () => resolve()));

function assertErrorPage(res: request.Response) {
  assert.ok(res.status >= 500 && res.status < 600, `a 5xx, not ${res.status}`);
  assert.match(res.text, /Something went wrong on our side|We could not take your request just now/);
  assert.doesNotMatch(res.text, /\n\s+at |terminat|Connection|pg_|stack/i, 'no cause, no stack trace');
}

describe('database faults', () => {
  let t: TestApp;
  let admin: pg.Client;
  let seq = 0;
  const email = () => `fault${++seq}@example.org`;

  /** Polls pg_stat_activity until `count` of the app's backends match `where` (a positive event, not a sleep). */
  const backendsReach = async (where: string, count: number) => {
    for (let tries = 0; ; tries++) {
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'placard' AND ${where}`);
      if (rows[0].n >= count) return;
      if (tries > 500) throw new Error(`backends never reached ${count} where ${where}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  before(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
    admin = new pg.Client({ connectionString: t.db.url });
    await admin.connect();
  });
  after(async () => {
    await admin.end();
    await t.close();
  }, LIMIT);

  describe('a connection killed mid-transaction', () => {
    let pool: Pool;
    before(() => {
      pool = createTestPool(t.db.url, { max: 1 });
    });
    after(() => pool.end(), LIMIT);

    it('between two statements: the caller gets a rejection, the process lives, the next query gets a new connection', LIMIT, async () => {
      const first = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const failed = withTransaction(pool, async (client) => {
        await client.query('SELECT 1');
        const gone = ended(client);
        assert.ok((await admin.query(TERMINATE_ALL)).rows[0].n >= 1);
        await gone;
        await client.query('SELECT 1');
      });
      await assert.rejects(failed, /terminat|not queryable/);
      const next = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      assert.notEqual(next.rows[0]!.pid, first.rows[0]!.pid, 'the broken client was not reused');
      assert.equal(pool.totalCount, 1);
    });

    it('during a statement: the same', LIMIT, async () => {
      // Its rejection is awaited from the start: it may come before the terminate call returns.
      const failed = assert.rejects(
        withTransaction(pool, async (client) => {
          await client.query('SELECT pg_sleep(30)');
        }),
        { code: '57P01' },
      );
      await backendsReach("state = 'active' AND query LIKE '%pg_sleep(30)%'", 1);
      await admin.query(TERMINATE_ALL);
      await failed;
      assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1);
    });
  });

  it('destroys a client whose ROLLBACK failed instead of giving it, still in its transaction, to the next caller', LIMIT, async () => {
    const pool = createTestPool(t.db.url, { max: 1 });
    try {
      let pid = 0;
      const failed = withTransaction(pool, async (client) => {
        pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        // The ROLLBACK fails on the client's side: the server still has the transaction open.
        Object.assign(client, { query: (...args: unknown[]) => (args[0] === 'ROLLBACK' ? Promise.reject(new Error('ROLLBACK lost')) : query(...args)) });
        throw new Error('the work failed');
      });
      await assert.rejects(failed, /the work failed/);
      const next = await pool.query<{ pid: number; in_transaction: boolean }>("SELECT pg_backend_pid() AS pid, now() <> statement_timestamp() AS in_transaction");
      assert.notEqual(next.rows[0]!.pid, pid, 'a new connection');
      assert.equal(next.rows[0]!.in_transaction, false);
    } finally {
      await pool.end();
    }
  });

  it('requests in flight when the connections are killed get an error page, and signing works again after', LIMIT, async () => {
    const agents = [1, 2, 3].map(() => request.agent(t.app));
    const tokens = await Promise.all(agents.map((agent) => openForm(agent, `/actions/${ACTION}`)));
    // Hold the signatures still, so that the three requests are inside their transactions when the connections go.
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE signatures IN ACCESS EXCLUSIVE MODE');
    const inFlight = agents.map((agent, i) =>
      agent
        .post(`/actions/${ACTION}/signatures`)
        .type('form')
        .send({ _csrf: tokens[i], name: 'Aigerim', email: email(), country: 'KZ' })
        .then((res) => res),
    );
    await backendsReach("wait_event_type = 'Lock'", 3);
    await admin.query(TERMINATE_ALL);
    await admin.query('ROLLBACK');
    for (const res of await Promise.all(inFlight)) assertErrorPage(res);

    await request(t.app).get('/healthz').expect(200);
    const again = await signPetition(t.app, { email: email() });
    assert.equal(again.status, 303);
    assert.equal(again.headers.location, `/actions/${ACTION}/check-email`);
  });

  describe('the database unreachable', () => {
    let proxy: TcpProxy;
    let pool: Pool;
    let app: Express;
    let health: HealthProbe;
    before(async () => {
      proxy = await new TcpProxy(targetOf(t.db.url)).start();
      pool = createTestPool(proxy.url(t.db.url), { max: 2 });
      health = createHealthProbe(proxy.url(t.db.url), t.log);
      app = createApp({ config: t.config, db: pool, log: t.log, queue: t.queue, secret: t.config.appSecret!, health });
    });
    after(async () => {
      await proxy.stop();
      await pool.end();
      await health.close();
    }, LIMIT);

    it('gives 503 on /healthz and error pages while it is away, then 200 and signing again once it is back', LIMIT, async () => {
      await request(app).get('/healthz').expect(200);
      assert.equal((await signPetition(app, { email: email() })).status, 303);

      await proxy.stop();
      const started = Date.now();
      const health = await request(app).get('/healthz');
      assert.equal(health.status, 503);
      assert.deepEqual(health.body, { status: 'unavailable', database: 'unreachable' });
      assert.ok(Date.now() - started < 2500, 'answers within about a second');
      const away = await request(app).get(`/actions/${ACTION}`);
      assertErrorPage(away);
      // Nothing broke and nothing was saved: "try again", as a load balancer reads a 503 too.
      assert.equal(away.status, 503);
      assert.equal(away.headers['retry-after'], '60');

      await proxy.start();
      await request(app).get('/healthz').expect(200);
      assert.equal((await signPetition(app, { email: email() })).status, 303);
    });

    it('answers a page with 503 and "try again" when no connection is free in time', LIMIT, async () => {
      const busy = createTestPool(t.db.url, { max: 1, connectTimeoutMs: 300 });
      const busyApp = createApp({ config: t.config, db: busy, log: t.log, queue: t.queue, secret: t.config.appSecret!, health });
      const held = await busy.connect();
      try {
        const res = await request(busyApp).get(`/actions/${ACTION}`);
        assert.equal(res.status, 503);
        assert.equal(res.headers['retry-after'], '60');
        assert.match(res.text, /We could not take your request just now\. Nothing was saved/);
        const json = await request(busyApp).get(`/actions/${ACTION}/count.json`);
        assert.equal(json.status, 503);
      } finally {
        held.release();
        await busy.end();
      }
    });

    it('answers /healthz at once while every connection of the pool is taken: a busy instance is a healthy one', LIMIT, async () => {
      const held = await Promise.all([pool.connect(), pool.connect()]);
      try {
        const started = Date.now();
        const res = await request(app).get('/healthz');
        assert.equal(res.status, 200);
        assert.ok(Date.now() - started < 1000, `answered in ${Date.now() - started} ms`);
      } finally {
        for (const client of held) client.release();
      }
    });
  });
});
