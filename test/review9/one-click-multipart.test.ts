// Review of issue 9: RFC 8058's own example of the one-click POST is
// multipart/form-data (section 8.1), and some providers send it so. It must
// unsubscribe and be recorded as one-click, as the urlencoded one is.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { listConsents } from '../../src/supporters/supporters.repo.ts';
import { deriveUnsubscribeKey, unsubscribeToken } from '../../src/updates/unsubscribe-token.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createAction, seedSupporters } from '../updates/seed.ts';

describe('review 9: one-click unsubscribe as multipart/form-data', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('unsubscribes, and the ledger says one-click', async () => {
    const actionId = await createAction(t, 'multipart');
    const [id] = await seedSupporters(t, { prefix: 'multipart', count: 1, actionId });
    const key = deriveUnsubscribeKey(t.config.appSecret!);
    const res = await request(t.app)
      .post(`/unsubscribe/${unsubscribeToken(key, id!)}`)
      .set('Sec-Fetch-Site', 'cross-site')
      .field('List-Unsubscribe', 'One-Click');
    assert.equal(res.status, 200);
    const [consent] = await listConsents(t.db.pool, id!);
    assert.ok(consent!.withdrawn_at, 'unsubscribed');
    assert.equal(consent!.withdrawn_via, 'one-click');
  });
});
