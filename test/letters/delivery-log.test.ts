// The delivery log of an action, as organisers read it: counts by state, the
// newest letters first, fifty a page with a link to older ones; a bad page
// address is a 400; the CSV holds every delivery, a cell that looks like a
// formula stays text; an action without a letter has no log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';
import { addRecipient, createLetterAction } from './delivery-seed.ts';

describe('the delivery log', () => {
  let t: TestApp;
  let agent: Agent;

  before(async () => {
    t = await createTestApp();
    agent = (await signIn(t)).agent;
  });
  after(async () => {
    await t.close();
  });

  it('pages the letters newest first, counts them by state and exports them all', async () => {
    const r = await addRecipient(t, { name: '=HYPERLINK("http://evil.example")', country: 'NL', emails: ['hague@embassy.example.org'] });
    const actionId = await createLetterAction(t, { slug: 'logged', recipients: [r.id] });
    await t.db.pool.query(
      `INSERT INTO letter_deliveries (action_id, recipient_id, address_id, email, kind, state, smtp_response, last_error)
       SELECT $1, $2, $3, 'hague@embassy.example.org', 'scheduled', CASE WHEN i % 3 = 0 THEN 'sent' ELSE 'queued' END,
              CASE WHEN i % 3 = 0 THEN '250 OK id=' || i ELSE '' END, CASE WHEN i % 3 = 1 THEN '451 try later' ELSE '' END
       FROM generate_series(1, 60) i`,
      [actionId, r.id, r.addressIds[0]],
    );
    const ids = (await t.db.pool.query<{ id: number }>('SELECT id FROM letter_deliveries WHERE action_id = $1 ORDER BY id DESC', [actionId])).rows.map((row) => row.id);

    const first = await agent.get(`/admin/actions/${actionId}/deliveries`).expect(200);
    const shown = (html: string) => [...html.matchAll(/data-delivery="(\d+)"/g)].map((m) => Number(m[1]));
    assert.deepEqual(shown(first.text), ids.slice(0, 50));
    assert.match(first.text, /<span data-state="sent">20<\/span>/);
    assert.match(first.text, /<span data-state="queued">40<\/span>/);
    assert.match(first.text, /250 OK id&#x3D;60/);
    assert.match(first.text, /451 try later/);
    const older = /href="([^"]+\?before(?:=|&#x3D;)\d+)" rel="next"/.exec(first.text)![1]!.replace('&#x3D;', '=');
    assert.equal(older, `/admin/actions/${actionId}/deliveries?before=${ids[49]}`);
    const second = await agent.get(older).expect(200);
    assert.deepEqual(shown(second.text), ids.slice(50));
    assert.doesNotMatch(second.text, /rel="next"/);

    await agent.get(`/admin/actions/${actionId}/deliveries?before=abc`).expect(400);
    await agent.get(`/admin/actions/${actionId}/deliveries?before=1&before=2`).expect(400);
    const { rows: petition } = await t.db.pool.query<{ id: number }>("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'no-letter', 'No letter', 'open') RETURNING id");
    await agent.get(`/admin/actions/${petition[0]!.id}/deliveries`).expect(404);
    await agent.get(`/admin/actions/${petition[0]!.id}/deliveries.csv`).expect(404);

    const csv = await agent.get(`/admin/actions/${actionId}/deliveries.csv`).expect(200);
    assert.match(csv.headers['content-disposition']!, /^attachment; filename="logged-deliveries-\d{4}-\d\d-\d\d\.csv"$/);
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\n');
    assert.equal(lines.length, 61);
    assert.ok(lines[1]!.includes(`"'=HYPERLINK(""http://evil.example"")"`), `a formula stays text: ${lines[1]}`);
    const { rows: audit } = await t.db.pool.query("SELECT event FROM audit_log WHERE event = 'deliveries.export'");
    assert.equal(audit.length, 1, 'the export is in the audit log');
  });
});
