// The organisers' dashboard over HTTP, with signatures inserted by SQL at
// chosen instants: the home's open actions and their trend, and an action's
// overview (confirmed per day of the campaign's time zone, confirmation rate,
// top countries, latest comments), every text escaped, no inline style.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { updateCounts } from '../../src/actions/counts.ts';
import { loadQueries } from '../../src/db/queries.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';

// Midnight there is 04:00 or 05:00 UTC: a signature at 23:59 and one at 00:01
// are on the same UTC day but on two days of the campaign.
const ZONE = 'America/New_York';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Signature = { createdAt?: Date; confirmedAt?: Date | null; country?: string; comment?: string; name?: string; showName?: boolean };

describe('the dashboard', () => {
  let t: TestApp;
  let agent: Agent;
  let emails = 0;

  before(async () => {
    t = await createTestApp({ env: { CAMPAIGN_TIME_ZONE: ZONE } });
    agent = (await signIn(t, { role: 'organiser' })).agent;
  });
  after(() => t.close());

  async function action(fields: { slug: string; title?: string; status?: string; deadline?: Date | null; createdAt?: Date; goal?: number }): Promise<number> {
    const { rows } = await t.db.pool.query<{ id: number }>(
      `INSERT INTO actions (kind, slug, title, status, goal, deadline, created_at, updated_at)
       VALUES ('petition', $1, $2, $3, $4, $5, $6, $6) RETURNING id`,
      [fields.slug, fields.title ?? fields.slug, fields.status ?? 'open', fields.goal ?? 100, fields.deadline ?? null, fields.createdAt ?? new Date()],
    );
    return rows[0]!.id;
  }

  /** Signatures as they would stand in the table: confirmed (by default when made) or pending (confirmedAt null). */
  async function sign(actionId: number, count: number, s: Signature = {}) {
    for (let i = 0; i < count; i++) {
      const createdAt = s.createdAt ?? new Date();
      const confirmedAt = s.confirmedAt === undefined ? createdAt : s.confirmedAt;
      await t.db.pool.query(
        `INSERT INTO signatures (action_id, email, name, country, comment, show_name, created_at, confirmed_at, last_notice_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7)`,
        [actionId, `s${++emails}@example.org`, s.name ?? 'A Signer', s.country ?? 'KZ', s.comment ?? '', s.showName ?? false, createdAt, confirmedAt],
      );
    }
  }

  async function page(path: string): Promise<string> {
    const res = await agent.get(path);
    assert.equal(res.status, 200, `GET ${path}: ${res.status}`);
    return res.text;
  }

  /** The chart's bars: local day → count, in order. */
  function bars(html: string): [string, number][] {
    return [...html.matchAll(/<rect class="chart-bar" data-key="([^"]+)" data-value="(\d+)"/g)].map((m) => [m[1]!, Number(m[2])]);
  }

  /** The chart's table: label → count. */
  function chartTable(html: string): Map<string, number> {
    const table = /<table class="admin-table" data-chart-table>([\s\S]*?)<\/table>/.exec(html)![1]!;
    const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)![1]!;
    return new Map([...body.matchAll(/<th scope="row">([^<]+)<\/th><td class="dashboard-number">([\d,]+)<\/td>/g)].map((m) => [m[1]!, Number(m[2]!.replace(/,/g, ''))]));
  }

  const local = (dt: DateTime) => dt.toJSDate();
  const longLabel = (isoDate: string) => new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${isoDate}T00:00:00Z`));

  function assertNoInlineStyle(html: string) {
    assert.doesNotMatch(html, /\sstyle\s*=/i, 'no style attribute (CSP style-src self)');
    assert.doesNotMatch(html, /<style[\s>]/i, 'no style element');
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)/i, 'no inline script');
  }

  describe('an action’s overview', () => {
    it('counts confirmed signatures per day of the campaign’s time zone, across its midnight, with zeros for empty days', async () => {
      const id = await action({ slug: 'per-day', createdAt: new Date(Date.now() - 40 * DAY) });
      const today = DateTime.now().setZone(ZONE).startOf('day');
      const d = today.minus({ days: 5 }); // a whole local day, in the past
      await sign(id, 2, { createdAt: local(d.minus({ minutes: 1 })) }); // 23:59 the day before
      await sign(id, 3, { createdAt: local(d.plus({ minutes: 1 })) }); // 00:01
      await sign(id, 1, { createdAt: local(d.plus({ hours: 23, minutes: 59 })) }); // 23:59 the same day
      await sign(id, 4, { createdAt: local(d.plus({ hours: 12 })), confirmedAt: null }); // pending: not counted
      await sign(id, 7, { createdAt: local(today.minus({ days: 45 })) }); // before the 30 days shown
      // The two first groups fall on one UTC day, the campaign's two.
      assert.equal(d.minus({ minutes: 1 }).toUTC().toISODate(), d.plus({ minutes: 1 }).toUTC().toISODate());

      const html = await page(`/admin/actions/${id}`);
      const drawn = bars(html);
      assert.equal(drawn.length, 30, 'the last 30 days, today included');
      assert.equal(drawn.at(-1)![0], today.toISODate());
      const byDay = new Map(drawn);
      assert.equal(byDay.get(d.minus({ days: 1 }).toISODate()!), 2);
      assert.equal(byDay.get(d.toISODate()!), 4);
      assert.equal(byDay.get(d.plus({ days: 1 }).toISODate()!), 0, 'a day without signatures is a zero bar');
      assert.equal(drawn.reduce((sum, [, n]) => sum + n, 0), 6);

      // The same numbers as a table, for screen readers.
      const table = chartTable(html);
      assert.equal(table.size, 30);
      assert.equal(table.get(longLabel(d.minus({ days: 1 }).toISODate()!)), 2);
      assert.equal(table.get(longLabel(d.toISODate()!)), 4);
      assert.equal(table.get(longLabel(d.plus({ days: 1 }).toISODate()!)), 0);
      assert.match(html, /<details class="dashboard-table">/);
      assert.match(html, /<svg [^>]*role="img" aria-labelledby="action-\d+-chart-title action-\d+-chart-desc"/);
      assert.match(html, /America\/New_York/, 'says which time zone the days are');

      // Since it began: its first confirmation, 45 days ago (before the action was made: imported), per day still.
      const all = await page(`/admin/actions/${id}?range=all`);
      const allBars = bars(all);
      assert.ok(allBars.length >= 46, `since the first confirmation, ${allBars.length} bars`);
      assert.equal(allBars.reduce((sum, [, n]) => sum + n, 0), 13);
      assert.match(html, /\?range=all/, 'the recent chart links to the whole one');
    });

    it('shows a young action since it began, not 30 days of nothing', async () => {
      const id = await action({ slug: 'young', createdAt: new Date(Date.now() - 2 * DAY) });
      await sign(id, 2, {});
      const drawn = bars(await page(`/admin/actions/${id}`));
      assert.ok(drawn.length === 3 || drawn.length === 4, `${drawn.length} bars`); // 2 days ago, in local days
      assert.equal(drawn.at(-1)![1], 2);
    });

    it('gives the confirmation rate of the last 30 days, and says why only those', async () => {
      const id = await action({ slug: 'rate', createdAt: new Date(Date.now() - 60 * DAY) });
      await sign(id, 3, { createdAt: new Date(Date.now() - 2 * DAY) });
      await sign(id, 1, { createdAt: new Date(Date.now() - 3 * DAY), confirmedAt: null });
      // Older than the period: left out, confirmed or not.
      await sign(id, 2, { createdAt: new Date(Date.now() - 35 * DAY) });
      await sign(id, 5, { createdAt: new Date(Date.now() - 35 * DAY), confirmedAt: null });
      const html = await page(`/admin/actions/${id}`);
      assert.match(html, /data-rate="75">75% confirmed: 3 of the 4 signatures made in the last 30 days\./);
      assert.match(html, /deleted 37 days after their last link/);

      const none = await action({ slug: 'rate-none' });
      assert.match(await page(`/admin/actions/${none}`), /No signatures made in the last 30 days\./);
    });

    it('lists the top countries by name, from the public count, with the rest as other countries', async () => {
      const id = await action({ slug: 'countries' });
      await sign(id, 3, { country: 'GB' });
      await sign(id, 5, { country: 'KZ' });
      await sign(id, 1, { country: 'DE' });
      await sign(id, 9, { country: 'FR', confirmedAt: null });
      for (const code of ['AT', 'BE', 'CH', 'DK', 'ES', 'FI', 'IE', 'IT', 'NL']) await sign(id, 1, { country: code });
      await updateCounts(t.db.pool);
      const html = await page(`/admin/actions/${id}`);
      const rows = [...html.matchAll(/<tr data-country="(\w+)"><th scope="row">([^<]+)<\/th><td class="dashboard-number">(\d+)<\/td>/g)].map((m) => [m[1], m[2], Number(m[3])]);
      assert.deepEqual(rows.slice(0, 3), [['KZ', 'Kazakhstan', 5], ['GB', 'United Kingdom', 3], ['AT', 'Austria', 1]]);
      assert.equal(rows.length, 11, 'ten countries and the others');
      assert.deepEqual(rows.at(-1), ['others', 'Other countries', 2]);
      assert.ok(!rows.some((r) => r[0] === 'FR'), 'pending signatures do not count');
      assert.match(html, /<span data-count>18<\/span>/);
    });

    it('shows the latest comments of confirmed signatures, newest first, escaped', async () => {
      const id = await action({ slug: 'comments' });
      await sign(id, 1, { comment: 'First & oldest', createdAt: new Date(Date.now() - 3 * HOUR), name: 'Old Signer' });
      await sign(id, 1, { comment: '<script>alert("x")</script>', createdAt: new Date(Date.now() - 2 * HOUR), name: '<b>Bold</b>' });
      await sign(id, 1, { comment: 'Not confirmed', createdAt: new Date(Date.now() - HOUR), confirmedAt: null });
      await sign(id, 2, { createdAt: new Date(Date.now() - HOUR) }); // no comment
      const html = await page(`/admin/actions/${id}`);
      const quotes = [...html.matchAll(/<blockquote>([\s\S]*?)<\/blockquote>/g)].map((m) => m[1]);
      assert.deepEqual(quotes, ['&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;', 'First &amp; oldest']);
      assert.match(html, /&lt;b&gt;Bold&lt;\/b&gt;/);
      assert.doesNotMatch(html, /<script>alert|<b>Bold/);
    });

    it('leaves invalidated signatures out of every figure: per day, trend, rate, comments, count', async () => {
      const id = await action({ slug: 'invalidated', createdAt: new Date(Date.now() - 10 * DAY) });
      const at = new Date(Date.now() - 2 * HOUR);
      await sign(id, 3, { createdAt: at });
      await sign(id, 1, { createdAt: at, confirmedAt: null });
      await sign(id, 1, { createdAt: at, comment: 'Still here' });
      // Then an organiser's decision takes these: confirmed ones, one with a comment, and a pending one.
      await sign(id, 2, { createdAt: at, name: 'Bot' });
      await sign(id, 1, { createdAt: at, name: 'Bot', comment: 'Bot comment' });
      await sign(id, 1, { createdAt: at, name: 'Bot', confirmedAt: null });
      const { rows } = await t.db.pool.query<{ id: number }>(
        `INSERT INTO invalidations (action_id, criteria, reason) VALUES ($1, '{"name": "Bot"}', 'bots') RETURNING id`, [id]);
      await t.db.pool.query(`UPDATE signatures SET invalidated_at = now(), invalidation_id = $2 WHERE action_id = $1 AND name = 'Bot'`, [id, rows[0]!.id]);
      // Hidden from the public list: still counted, its comment still shown here, marked.
      await t.db.pool.query(`UPDATE signatures SET hidden_at = now() WHERE action_id = $1 AND comment = 'Still here'`, [id]);
      await updateCounts(t.db.pool);

      const html = await page(`/admin/actions/${id}`);
      assert.equal(bars(html).reduce((sum, [, n]) => sum + n, 0), 4, 'four confirmed and valid');
      assert.match(html, /hidden from the public list by an organiser/);
      assert.match(html, /data-rate="80">80% confirmed: 4 of the 5 signatures made in the last 30 days\./);
      const quotes = [...html.matchAll(/<blockquote>([\s\S]*?)<\/blockquote>/g)].map((m) => m[1]);
      assert.deepEqual(quotes, ['Still here']);
      assert.match(html, /<span data-count>4<\/span>/);

      const row = new RegExp(`<li class="dashboard-card" data-action-id="${id}"[^>]*>([\\s\\S]*?)</li>`).exec(await page('/admin'))![1]!;
      assert.match(row, /data-last-day>4</);
      assert.match(row, /data-last-week>4</);
    });

    it('keeps a title with markup as text, in the page and in the chart, with no inline style', async () => {
      const id = await action({ slug: 'markup', title: '<script>alert(1)</script> & "more"' });
      await sign(id, 1, {});
      const html = await page(`/admin/actions/${id}`);
      assert.doesNotMatch(html, /<script>alert/);
      assert.match(html, /<h1>&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;more&quot;<\/h1>/);
      assert.match(html, /<title id="action-\d+-chart-title">Signatures of “&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;more&quot;” confirmed per day<\/title>/);
      assertNoInlineStyle(html);
    });

    it('links to editing, signatures and the exports', async () => {
      const id = await action({ slug: 'links' });
      const html = await page(`/admin/actions/${id}`);
      for (const path of [`/admin/actions/${id}/edit`, `/admin/actions/${id}/signatures`, `/admin/actions/${id}/signatures.csv`, `/admin/actions/${id}/signatories.csv`, `/admin/actions/${id}/signatories.pdf`]) {
        assert.ok(html.includes(`href="${path}"`), path);
      }
      assert.match(html, /<link rel="stylesheet" href="\/assets\/admin-dashboard.css">/);
    });

    it('answers 404 for an action that does not exist or an id that is no number', async () => {
      for (const id of ['999999', '99999999999999999999', 'abc', '0', '-1', '1.5', '1e3', '%00', '01']) {
        const res = await agent.get(`/admin/actions/${id}`);
        assert.equal(res.status, 404, `/admin/actions/${id}`);
        assert.doesNotMatch(res.text, /error:|at \w+ \(|postgres/i, 'no database error or stack');
      }
      // Not an id: passed on, so the new-action form (another router, mounted after this one) still answers.
      const form = await agent.get('/admin/actions/new');
      assert.equal(form.status, 200);
      assert.match(form.text, /<form/);
      // A query string of a stranger's shape changes nothing.
      const id = await action({ slug: 'odd-query' });
      assert.equal((await agent.get(`/admin/actions/${id}?range=all&range=recent`)).status, 200);
      assert.equal((await agent.get(`/admin/actions/${id}?range[x]=1`)).status, 200);
    });
  });

  describe('its queries on a big table', () => {
    const sql = loadQueries('dashboard.sql', ['trend-per-day', 'trend-windows', 'confirmed-per-period', 'confirmation-rate', 'first-confirmation', 'latest-comments']);

    async function plan(text: string, values: unknown[]): Promise<string> {
      const client = await t.db.pool.connect();
      try {
        await client.query('BEGIN');
        // As on a big table, where a sequential scan would cost the most.
        await client.query('SET LOCAL enable_seqscan = off');
        const { rows } = await client.query(`EXPLAIN ${text}`, values);
        return rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    }

    it('counts every figure over ranges of signatures_dashboard_idx, from the index alone, invalidated ones left out', async () => {
      const id = await action({ slug: 'big' });
      await t.db.pool.query(
        `INSERT INTO signatures (action_id, email, name, country, created_at, confirmed_at)
         SELECT $1, 'big' || g || '@example.org', 'N', 'KZ', now() - g * interval '1 minute', CASE WHEN g % 4 <> 0 THEN now() - g * interval '1 minute' END
         FROM generate_series(1, 20000) g`, [id]);
      await t.db.pool.query('VACUUM ANALYZE signatures');
      const starts = [new Date(Date.now() - 2 * DAY), new Date(Date.now() - DAY)];
      const ends = [new Date(Date.now() - DAY), new Date()];
      const indexOnly = /Index Only Scan using signatures_dashboard_idx[\s\S]*Index Cond: \(\(action_id = /;
      for (const [name, values] of [
        ['trend-per-day', [[id], starts, ends]],
        ['trend-windows', [[id], new Date()]],
        ['confirmed-per-period', [id, starts, ends]],
        ['confirmation-rate', [id, new Date(Date.now() - 30 * DAY)]],
        ['first-confirmation', [id]],
      ] as const) {
        const text = await plan(sql[name].text, [...values]);
        assert.match(text, indexOnly, `${name}:\n${text}`);
        assert.doesNotMatch(text, /Seq Scan|Sort/, `${name}:\n${text}`);
      }
      const comments = await plan(sql['latest-comments'].text, [id, 10, 20_000]);
      // The newest first, straight from an index of confirmed_at (the table is read anyway, for the comment).
      assert.match(comments, /Limit[\s\S]*Index Scan (Backward )?using signatures_(dashboard|confirmed_at)_idx/, comments);
      assert.doesNotMatch(comments, /Sort/, comments);
    });
  });

  describe('the home', () => {
    it('lists open actions with their count and trend, then drafts and recently closed ones', async () => {
      const id = await action({ slug: 'trending', title: 'Trending <em>now</em>', goal: 50 });
      await sign(id, 3, { createdAt: new Date(Date.now() - 2 * HOUR) });
      await sign(id, 2, { createdAt: new Date(Date.now() - 3 * DAY) });
      await sign(id, 4, { createdAt: new Date(Date.now() - 10 * DAY) });
      await sign(id, 1, { createdAt: new Date(Date.now() - 20 * DAY) });
      await sign(id, 6, { createdAt: new Date(Date.now() - HOUR), confirmedAt: null });
      await updateCounts(t.db.pool);
      const draft = await action({ slug: 'a-draft', title: 'A draft', status: 'draft' });
      const closed = await action({ slug: 'closed-by-hand', status: 'closed' });
      const lapsed = await action({ slug: 'lapsed', deadline: new Date(Date.now() - HOUR) });

      const html = await page('/admin');
      const section = (id: string) => new RegExp(`<section class="dashboard-section" aria-labelledby="${id}">([\\s\\S]*?)</section>`).exec(html)![1]!;
      const open = section('dashboard-open');
      const row = new RegExp(`<li class="dashboard-card" data-action-id="${id}"[^>]*>([\\s\\S]*?)</li>`).exec(open)![1]!;
      assert.match(row, /<strong data-count>10<\/strong>/, 'the public count');
      assert.match(row, /20% of 50/);
      assert.match(row, /data-last-day>3</);
      assert.match(row, /data-last-week>5</);
      assert.match(row, /data-week-before>4</);
      assert.match(row, /dashboard-trend-up">rising</);
      assert.match(row, /<svg [^>]*class="sparkline" role="img" aria-labelledby="trend-\d+-title"/);
      assert.match(row, /Trending &lt;em&gt;now&lt;\/em&gt;/);
      assert.doesNotMatch(open, new RegExp(`data-action-id="(${draft}|${closed}|${lapsed})"`), 'only open actions among the open');
      assert.match(section('dashboard-drafts'), new RegExp(`data-action-id="${draft}"`));
      const recentlyClosed = section('dashboard-closed');
      assert.match(recentlyClosed, new RegExp(`data-action-id="${closed}"`));
      assert.match(recentlyClosed, new RegExp(`data-action-id="${lapsed}"`), 'past its deadline is closed');
      assert.ok(html.includes('href="/admin/posts/new"') && html.includes('href="/admin/actions/new"'));
      assert.ok(html.includes(`href="/admin/actions/${id}"`));
      assertNoInlineStyle(html);
    });

    it('calls the trend falling when fewer came in the last 7 days than the 7 before, steady when as many', async () => {
      const id = await action({ slug: 'falling' });
      await sign(id, 2, { createdAt: new Date(Date.now() - 9 * DAY) });
      const row = new RegExp(`<li class="dashboard-card" data-action-id="${id}"[^>]*>([\\s\\S]*?)</li>`).exec(await page('/admin'))![1]!;
      assert.match(row, /data-last-week>0</);
      assert.match(row, /data-week-before>2</);
      assert.match(row, /dashboard-trend-down">falling</);

      const steady = await action({ slug: 'steady' });
      await sign(steady, 1, { createdAt: new Date(Date.now() - 2 * DAY) });
      await sign(steady, 1, { createdAt: new Date(Date.now() - 9 * DAY) });
      const steadyRow = new RegExp(`<li class="dashboard-card" data-action-id="${steady}"[^>]*>([\\s\\S]*?)</li>`).exec(await page('/admin'))![1]!;
      assert.match(steadyRow, /dashboard-trend-same">steady</);
    });
  });
});
