// Two presses of "Invalidate" (or "Hide") on one signature at once, from two
// tabs or two organisers: the signature changes once, with one invalidation and
// one audit entry, never an empty invalidation recorded as a change.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setValidity, setVisibility } from '../../src/signatures/signatures.admin.service.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createAccount } from '../helpers/admin.ts';

describe('admin: one signature changed twice at once', () => {
  let t: TestApp;
  let organiser: { id: number; email: string; name: string; role: 'organiser' };

  before(async () => {
    t = await createTestApp();
    const made = await createAccount(t);
    organiser = { id: made.id, email: made.email, name: made.name, role: 'organiser' };
  });
  after(() => t.close());

  const newSignature = async (slug: string) => {
    const action = (await t.db.pool.query("INSERT INTO actions (kind, slug, title, status, goal) VALUES ('petition', $1, 'P', 'open', 10) RETURNING id", [slug])).rows[0].id as number;
    const id = (await t.db.pool.query(
      "INSERT INTO signatures (action_id, email, name, country, locality, show_name, confirmed_at) VALUES ($1, 's@example.org', 'S', 'KZ', '', true, now()) RETURNING id", [action],
    )).rows[0].id as number;
    return { action, id };
  };

  /** Runs both changes while another transaction holds the signature's row, so both have read it before either writes. */
  async function together<T>(id: number, run: () => Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
    const holder = await t.db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM signatures WHERE id = $1 FOR UPDATE', [id]);
      const running = Promise.allSettled(run());
      await new Promise((resolve) => setTimeout(resolve, 300));
      await holder.query('COMMIT');
      return await running;
    } finally {
      holder.release();
    }
  }

  it('invalidates once: one invalidation, one audit entry', async () => {
    const { action, id } = await newSignature('race-invalidate');
    const results = await together(id, () => [setValidity(t.db.pool, organiser, String(id), false), setValidity(t.db.pool, organiser, String(id), false)]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled']);
    const invalidations = (await t.db.pool.query('SELECT matched FROM invalidations WHERE action_id = $1', [action])).rows;
    assert.deepEqual(invalidations, [{ matched: 1 }]);
    const audit = await t.db.pool.query("SELECT 1 FROM audit_log WHERE event = 'signature.invalidate' AND subject_id = $1", [String(id)]);
    assert.equal(audit.rowCount, 1);
  });

  it('hides once: one audit entry', async () => {
    const { id } = await newSignature('race-hide');
    await together(id, () => [setVisibility(t.db.pool, organiser, String(id), true), setVisibility(t.db.pool, organiser, String(id), true)]);
    const audit = await t.db.pool.query("SELECT 1 FROM audit_log WHERE event = 'signature.hide' AND subject_id = $1", [String(id)]);
    assert.equal(audit.rowCount, 1);
  });
});
