// Supporters for the updates tests, made straight in SQL (a thousand through
// the signing form would take minutes): each with a confirmed signature of the
// given action and, unless told otherwise, a live consent to updates.
import type { TestApp } from '../helpers/app.ts';
import type { Agent } from '../helpers/forms.ts';
import { csrfToken } from '../helpers/admin.ts';

export async function createAction(t: Pick<TestApp, 'db'>, slug: string, title = slug): Promise<number> {
  const { rows } = await t.db.pool.query<{ id: number }>("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', $1, $2, 'open') RETURNING id", [slug, title]);
  return rows[0]!.id;
}

/** `count` supporters named prefix-1@example.org …, who signed `actionId` (confirmed); returns their ids, in order. */
export async function seedSupporters(t: Pick<TestApp, 'db'>, options: { prefix: string; count: number; actionId: number; consent?: boolean }): Promise<number[]> {
  const { rows } = await t.db.pool.query<{ id: number }>(
    `INSERT INTO supporters (email, name, confirmed_at)
     SELECT $1 || '-' || i || '@example.org', 'Supporter ' || i, now() FROM generate_series(1, $2) i
     ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name
     RETURNING id`,
    [options.prefix, options.count],
  );
  const ids = rows.map((r) => r.id).sort((a, b) => a - b);
  await t.db.pool.query(
    `INSERT INTO signatures (action_id, email, name, country, confirmed_at, supporter_id)
     SELECT $1, p.email, p.name, 'KZ', now(), p.id FROM supporters p WHERE p.id = ANY ($2::bigint[])
     ON CONFLICT (action_id, email) DO NOTHING`,
    [options.actionId, ids],
  );
  if (options.consent ?? true) {
    await t.db.pool.query(
      `INSERT INTO consents (supporter_id, purpose, wording, source, source_action_id)
       SELECT id, 'campaign-updates', 'Email me updates about this campaign', 'signature', $1 FROM unnest($2::bigint[]) id
       ON CONFLICT DO NOTHING`,
      [options.actionId, ids],
    );
  }
  return ids;
}

/** Writes an update through the admin's form; returns its id. */
export async function composeUpdate(agent: Agent, fields: { subject: string; body?: string; audience?: 'campaign' | 'actions'; actions?: number[] }): Promise<number> {
  const _csrf = await csrfToken(agent, '/admin/updates/new');
  const res = await agent
    .post('/admin/updates')
    .type('form')
    .send({ _csrf, subject: fields.subject, body: fields.body ?? 'We won a hearing. **Thank you.**', audience: fields.audience ?? 'campaign', actions: (fields.actions ?? []).map(String) });
  if (res.status !== 303) throw new Error(`compose: ${res.status} ${res.text.slice(0, 500)}`);
  return Number(/\/admin\/updates\/(\d+)/.exec(res.headers.location ?? '')![1]);
}

/** Presses "Send now" (or schedules, with `sendAt` as the datetime-local value). */
export async function sendUpdate(agent: Agent, id: number, sendAt?: string): Promise<void> {
  const _csrf = await csrfToken(agent, `/admin/updates/${id}`);
  const body = sendAt ? { _csrf, when: 'later', send_at: sendAt } : { _csrf, when: 'now' };
  const res = await agent.post(`/admin/updates/${id}/send`).type('form').send(body);
  if (res.status !== 303) throw new Error(`send: ${res.status} ${res.text.slice(0, 500)}`);
}

export async function updateState(t: Pick<TestApp, 'db'>, id: number): Promise<string> {
  return (await t.db.pool.query<{ state: string }>('SELECT state FROM updates WHERE id = $1', [id])).rows[0]!.state;
}

export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
