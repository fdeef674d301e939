// The demo's directory of recipients: Kazakhstan's embassies in nine countries
// and the Bar Council at 289–293 High Holborn, every address on example.org
// and marked demo, loaded once even on a site that had the demo before it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { findRecipientsInCountry, listAddresses, listRecipients } from '../../src/letters/recipients.repo.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('the directory of recipients', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('has the demo embassies and the Bar Council, each with a demo address, once', async () => {
    await loadDemoContent(t.db.pool, createLogger('silent'));
    await loadDemoContent(t.db.pool, createLogger('silent'));
    const recipients = await listRecipients(t.db.pool);
    const embassies = recipients.filter((r) => r.organisation === 'Embassy of the Republic of Kazakhstan');
    assert.ok(embassies.length >= 8, `${embassies.length} embassies`);
    assert.equal(new Set(embassies.map((r) => r.country)).size, embassies.length, 'one per country');
    const bar = recipients.find((r) => r.name === 'The Bar Council of England and Wales');
    assert.ok(bar);
    assert.match(bar.postal_address, /289–293 High Holborn\nLondon WC1V 7HZ/);
    for (const recipient of recipients) {
      assert.equal(recipient.demo, true);
      assert.equal(recipient.active_addresses, 1);
      const addresses = await listAddresses(t.db.pool, recipient.id);
      assert.ok(addresses.every((a) => a.email.endsWith('@example.org') && a.health === 'active'));
    }
  });

  it('gives an existing demo site the directory once', async () => {
    await t.db.pool.query("DELETE FROM settings WHERE key = 'demo_recipients_loaded'");
    await t.db.pool.query('DELETE FROM recipients');
    await loadDemoContent(t.db.pool, createLogger('silent'));
    await loadDemoContent(t.db.pool, createLogger('silent'));
    assert.equal((await listRecipients(t.db.pool)).length, 10);
  });

  it('finds, among an action\'s recipients, the one in the signer\'s country', async () => {
    const all = (await listRecipients(t.db.pool)).map((r) => r.id);
    const inGermany = await findRecipientsInCountry(t.db.pool, 'DE', all);
    assert.equal(inGermany.length, 1);
    assert.deepEqual(await findRecipientsInCountry(t.db.pool, 'KZ', all), [], 'none there: the fallback will decide');
    const inBritain = await findRecipientsInCountry(t.db.pool, 'GB', all);
    assert.equal(inBritain.length, 2, 'the embassy in London and the Bar Council');
  });
});
