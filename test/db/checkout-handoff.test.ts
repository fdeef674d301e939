// Found by bench:faults (issue 12): `pg_ctl restart -m fast` under full
// signing load killed a web process with an unhandled 'error' event
// ("terminating connection due to administrator command", 57P01, emitted on a
// pg Client). Under load the pool has callers waiting, so a released client is
// handed to the next waiter at once, inside release(); checkOut
// (src/db/pool.ts) awaits the promise of pool.connect() and adds its 'error'
// listener only when its continuation runs, a microtask later. pg-pool has
// removed its own idle listener by then. pg parses every message of a socket
// read in one go: when the FATAL that PostgreSQL sends at shutdown comes in
// the same read as the ReadyForQuery that ended the previous query, pg emits
// 'error' on the client in that gap, with no listener, and the process exits.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkOut } from '../../src/db/pool.ts';
import { createTestDatabase, createTestPool, type TestDatabase } from '../helpers/db.ts';

describe('a client handed from one checkOut to the next', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it('has an error listener from the moment the pool hands it over', async () => {
    const single = createTestPool(db.url, { max: 1 });
    try {
      const first = await checkOut(single);
      const waiting = checkOut(single); // waits: the pool's only client is out
      await new Promise((resolve) => setTimeout(resolve, 50));
      const client = first.client;
      // In one synchronous run, as when pg parses a ReadyForQuery and a FATAL from one socket read:
      // the client goes back (and on to the waiting checkOut), then the connection reports its end.
      first.done();
      let unhandled: unknown;
      try {
        client.emit('error', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
      } catch (error) {
        unhandled = error; // an 'error' event with no listener throws, and in the app ends the process
      }
      const second = await waiting;
      second.done(true);
      assert.equal(unhandled, undefined, "the 'error' event found a listener");
    } finally {
      await single.end();
    }
  });
});
