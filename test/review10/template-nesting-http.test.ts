// Review of issue 10 (with template-nesting.test.ts): through the pages, a
// letter saved with deeply nested blocks must never make its action's public
// page or its letter preview a 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signIn } from '../helpers/admin.ts';
import { addRecipient, createLetterAction } from '../letters/delivery-seed.ts';

describe('review 10: nested blocks through the pages', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('saves no letter its public page cannot show', async () => {
    const { agent } = await signIn(t);
    const r = await addRecipient(t, { name: 'Bar Council', country: 'GB', emails: ['bar@example.org'] });
    const failures: string[] = [];
    for (const n of [1500, 1800, 2100, 2400, 2600]) {
      const slug = `nested-${n}`;
      const actionId = await createLetterAction(t, { slug, recipients: [r.id] });
      const body = '{{#if date}}'.repeat(n) + 'x' + '{{/if}}'.repeat(n);
      const _csrf = await csrfToken(agent, `/admin/actions/${actionId}/letter`);
      const saved = await agent.post(`/admin/actions/${actionId}/letter`).type('form').send({ _csrf, subject_template: 'S', body_template: body, routing: 'fixed', delivery: 'each', recipients: String(r.id) });
      if (saved.status >= 500) failures.push(`save ${n}: ${saved.status}`);
      for (const path of [`/actions/${slug}`, `/actions/${slug}/letter`, `/actions/${slug}/letter?format=json`]) {
        const res = await request(t.app).get(path);
        if (res.status >= 500) failures.push(`${path} after save ${saved.status}: ${res.status}`);
      }
    }
    assert.deepEqual(failures, []);
  });
});
