// The supporter's journey over HTTP, as a browser without JavaScript sees it:
// GOV.UK-style form errors and an address that survives a reload, the ask above
// the fold (jump link, badges), counts that say something at any size (bar,
// goal reached, stretch goal, shares by country, "N from your country").
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { stretchGoal } from '../../src/actions/actions.service.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, signPetition } from '../helpers/forms.ts';

const POST = '/posts/roza-released-step-up-for-other-prisoners';

describe('the signing journey', () => {
  let t: TestApp;

  /** An action of its own (no post), with a count as the count round would leave it. */
  async function actionWith(slug: string, fields: { goal: number; count: number; byCountry?: Record<string, number>; status?: string; deadline?: string }) {
    const { rows } = await t.db.pool.query(
      "INSERT INTO actions (kind, slug, title, demand, goal, status, deadline) VALUES ('petition', $1, $2, 'A demand.', $3, $4, $5) RETURNING id",
      [slug, `Action ${slug}`, fields.goal, fields.status ?? 'open', fields.deadline ?? null],
    );
    await t.db.pool.query('INSERT INTO action_counts (action_id, signature_count, by_country, counted_at) VALUES ($1, $2, $3, now())', [
      rows[0].id, fields.count, JSON.stringify(fields.byCountry ?? {}),
    ]);
  }

  before(async () => {
    t = await createTestApp({ env: { CAMPAIGN_TIME_ZONE: 'Asia/Almaty' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  describe('form errors, as GOV.UK does them', () => {
    it('lists every problem at the top, linked to its field, with a message for that field and "Error:" in the title', async () => {
      const res = await signPetition(t.app, { name: '', email: '', country: '' });
      assert.equal(res.status, 422);
      assert.match(res.text, /<title>Error: Free the Zhanaozen strikers still in prison · Placard<\/title>/);
      const summary = /<div class="error-summary" role="alert" tabindex="-1" autofocus aria-labelledby="([^"]+)">([\s\S]*?)<\/div>/.exec(res.text);
      assert.ok(summary, 'an error summary that takes the focus');
      assert.match(summary[2]!, new RegExp(`<h2 id="${summary[1]}">There is a problem</h2>`));
      const links = [...summary[2]!.matchAll(/<li><a href="([^"]+)">([^<]+)<\/a><\/li>/g)].map((m) => [m[1], m[2]]);
      assert.deepEqual(links, [
        [`#${ACTION}-name`, 'Enter your name'],
        [`#${ACTION}-email`, 'Enter your email address'],
        [`#${ACTION}-country`, 'Choose your country'],
      ]);
      // Each link leads to a field that is there.
      for (const [href] of links) assert.match(res.text, new RegExp(`id="${href!.slice(1)}"`));
      // The summary sits right after the page's only <h1>, the action's title.
      const h1s = [...res.text.matchAll(/<h1[\s>]/g)];
      assert.equal(h1s.length, 1);
      assert.ok(res.text.indexOf('<h1') < res.text.indexOf('class="error-summary"'));
    });

    it('says exactly what is wrong with an email address and a country', async () => {
      const res = await signPetition(t.app, { email: 'name.example.com', country: 'ZZ' });
      assert.match(res.text, /Enter an email address in the correct format, like name@example\.com/);
      assert.match(res.text, /Choose your country from the list/);
      assert.doesNotMatch(res.text, /Please check this field|Please fill this in/);
    });

    it('links a problem without a field of its own (a field sent twice) to the form', async () => {
      const agent = request.agent(t.app);
      await agent.get(`/actions/${ACTION}`).expect(200);
      const res = await agent.post(`/actions/${ACTION}/signatures`).type('form').send('name=A&email=twice@example.org&country=KZ&show_name=on&show_name=on');
      assert.equal(res.status, 422);
      assert.match(res.text, new RegExp(`<a href="#${ACTION}-show-name">`));
    });

    it('answers a reload of the failed form\'s address with the form, not a 404', async () => {
      const res = await request(t.app).get(`/actions/${ACTION}/signatures`).expect(303);
      assert.equal(res.headers.location, `/actions/${ACTION}#${ACTION}-form`);
      const form = await request(t.app).get(`/actions/${ACTION}`).expect(200);
      assert.match(form.text, new RegExp(`<form class="sign-form" id="${ACTION}-form"`));
      // A slug that cannot exist is a 404, without reflecting it.
      const odd = await request(t.app).get('/actions/%3Cscript%3E/signatures').expect(404);
      assert.doesNotMatch(odd.text, /<script>/);
    });

    it('says where a comment goes', async () => {
      const page = await request(t.app).get(`/actions/${ACTION}`).expect(200);
      assert.match(page.text, new RegExp(`<p class="hint" id="${ACTION}-comment-hint">Read by the organisers; not published\\.</p>`));
      assert.match(page.text, new RegExp(`name="comment" rows="3" maxlength="1000" aria-describedby="${ACTION}-comment-hint"`));
    });

    it('links the privacy notice from the form', async () => {
      const page = await request(t.app).get(`/actions/${ACTION}`).expect(200);
      const form = page.text.slice(page.text.indexOf('<form'), page.text.indexOf('</form>'));
      assert.match(form, /<a href="\/privacy">How we use your details<\/a>/);
    });
  });

  describe('the ask above the fold', () => {
    it('puts a "Sign now" link at the top of a post with an open action, and of the action page, leading to the form', async () => {
      const post = await request(t.app).get(POST).expect(200);
      const jump = /<p class="jump-link"><a href="#([^"]+)">Sign now<\/a><\/p>/.exec(post.text);
      assert.ok(jump, 'a jump link on the post');
      assert.equal(jump[1], `${ACTION}-form`);
      assert.ok(post.text.indexOf('class="jump-link"') < post.text.indexOf('class="post-body"'), 'above the text');
      assert.match(post.text, /<article class="post with-actions">/);
      const page = await request(t.app).get(`/actions/${ACTION}`).expect(200);
      assert.match(page.text, new RegExp(`<a href="#${ACTION}-form">Sign now</a>`));
      // A post whose only action is won asks nothing.
      const won = await request(t.app).get('/posts/roza-tuletaeva-is-free').expect(200);
      assert.doesNotMatch(won.text, /class="jump-link"/);
    });

    it('badges the posts with open actions on the home page, with their counts, from one query for the page', async () => {
      await t.db.pool.query(
        "INSERT INTO action_counts (action_id, signature_count, by_country, counted_at) SELECT id, 1234, '{}', now() FROM actions WHERE slug = $1 ON CONFLICT (action_id) DO UPDATE SET signature_count = 1234",
        [ACTION],
      );
      const queries: string[] = [];
      const original = t.db.pool.query.bind(t.db.pool);
      t.db.pool.query = ((...args: Parameters<typeof original>) => {
        const [config] = args as unknown[];
        queries.push(typeof config === 'string' ? config : ((config as { text?: string }).text ?? ''));
        return original(...args);
      }) as typeof original;
      let home;
      try {
        home = await request(t.app).get('/').expect(200);
      } finally {
        t.db.pool.query = original;
      }
      assert.match(home.text, new RegExp(`<a class="badge" href="/actions/${ACTION}">Petition open · 1,234 signed</a>`));
      assert.match(home.text, /<a class="badge" href="\/actions\/bar-council-call-off-the-mission">Protest letter open<\/a>/, 'no "0 signed"');
      assert.doesNotMatch(home.text, /href="\/actions\/release-roza-tuletaeva"/, 'a won action has no badge');
      assert.equal(queries.filter((q) => /FROM actions\b/.test(q)).length, 1, 'one query for every post of the page');
    });
  });

  describe('counts', () => {
    it('shows a started bar at a small count, a goal reached with the next milestone, and no bar on a won action', async () => {
      await actionWith('three-signed', { goal: 5000, count: 3 });
      await actionWith('just-reached', { goal: 1000, count: 1000 });
      await actionWith('well-past', { goal: 5000, count: 7300 });
      await actionWith('won-it', { goal: 100, count: 250, status: 'won' });
      await actionWith('nobody-yet', { goal: 100, count: 0 });
      const small = (await request(t.app).get('/actions/three-signed').expect(200)).text;
      assert.match(small, /<rect class="bar-fill" width="2" height="10" data-bar\/>/, '3 of 5,000 is a visible sliver, not 0.06 %');
      assert.match(small, /<strong data-count>3<\/strong> <span>of 5,000 signatures<\/span>/);
      assert.match((await request(t.app).get('/actions/nobody-yet').expect(200)).text, /<rect class="bar-fill" width="0"/);

      const reached = (await request(t.app).get('/actions/just-reached').expect(200)).text;
      assert.match(reached, /<div class="progress goal-reached"/);
      assert.match(reached, /<strong>Goal of 1,000 reached!<\/strong> Next goal: 2,000/);
      assert.match(reached, /<rect class="bar-fill" width="50" height="10" data-bar\/>/, 'the bar measures the stretch goal');
      assert.match((await request(t.app).get('/actions/well-past').expect(200)).text, /Next goal: 10,000/);

      const won = (await request(t.app).get('/actions/won-it').expect(200)).text;
      assert.doesNotMatch(won, /class="bar"/);
      assert.match(won, /Goal of 100 reached!/);
      assert.doesNotMatch(won, /Next goal/);
    });

    it('computes the stretch goal as the next of 1, 2, 5 × 10ⁿ above the count', () => {
      assert.deepEqual([1000, 1999, 2000, 4999, 5000, 7300, 12_000, 50_000].map(stretchGoal), [2000, 2000, 5000, 5000, 10_000, 10_000, 20_000, 100_000]);
    });

    it('shows the deadline in the campaign\'s time zone', async () => {
      await actionWith('closes-soon', { goal: 100, count: 1, deadline: '2030-12-16T20:00:00Z' });
      const page = (await request(t.app).get('/actions/closes-soon').expect(200)).text;
      assert.match(page, /Signatures close on <time datetime="2030-12-16T20:00:00.000Z">December 17, 2030 at 01:00 \([^)]*GMT\+5\)<\/time>/);
    });

    it('breaks the count down by the top countries with their shares, and the others together', async () => {
      await actionWith('many-countries', { goal: 1000, count: 1000, byCountry: { KZ: 600, GB: 200, DE: 100, FR: 50, RU: 40, US: 6, NO: 4 } });
      const page = (await request(t.app).get('/actions/many-countries').expect(200)).text;
      const rows = [...page.matchAll(/<tr(?: class="others")?><th scope="row">([^<]+)<\/th><td>([^<]+)<\/td><td>([^<]+)<\/td><\/tr>/g)].map((m) => [m[1], m[2], m[3]]);
      assert.deepEqual(rows, [
        ['Kazakhstan', '600', '60%'],
        ['United Kingdom', '200', '20%'],
        ['Germany', '100', '10%'],
        ['France', '50', '5%'],
        ['Russian Federation', '40', '4%'],
        ['Other countries', '10', '1%'],
      ]);
      await actionWith('one-in-many', { goal: 1000, count: 1000, byCountry: { KZ: 995, GB: 5 } });
      assert.match((await request(t.app).get('/actions/one-in-many').expect(200)).text, /<th scope="row">United Kingdom<\/th><td>5<\/td><td>under 1%<\/td>/);
    });

    it('tells the supporter on the thank-you page how many signed from their country, reading only a known country code', async () => {
      await actionWith('from-country', { goal: 1000, count: 300, byCountry: { KZ: 250, GB: 50 } });
      const gb = (await request(t.app).get('/actions/from-country/thanks?country=GB').expect(200)).text;
      assert.match(gb, /<p class="from-country">You are one of 50 signers from United Kingdom\.<\/p>/);
      assert.match((await request(t.app).get('/actions/from-country/thanks?country=kz').expect(200)).text, /one of 250 signers from Kazakhstan/);
      for (const odd of ['ZZ', '%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'GBR', '', 'G']) {
        const page = (await request(t.app).get(`/actions/from-country/thanks?country=${odd}`).expect(200)).text;
        assert.doesNotMatch(page, /class="from-country"/, odd);
        assert.doesNotMatch(page, /<script>alert/, odd);
      }
      const repeated = (await request(t.app).get('/actions/from-country/thanks?country=GB&country=KZ').expect(200)).text;
      assert.doesNotMatch(repeated, /class="from-country"/);
      // Nobody from there yet: nothing is claimed.
      assert.doesNotMatch((await request(t.app).get('/actions/from-country/thanks?country=FR').expect(200)).text, /class="from-country"/);
    });

    it('counts the supporter\'s own confirmation from their country before the count round has', async () => {
      await actionWith('own-signature', { goal: 1000, count: 10, byCountry: { GB: 10 } });
      await t.db.pool.query(
        "INSERT INTO signatures (action_id, email, name, country, confirmed_at) SELECT id, 'new@example.org', 'New', 'GB', now() + interval '1 second' FROM actions WHERE slug = 'own-signature'",
      );
      const page = (await request(t.app).get('/actions/own-signature/thanks?country=GB').expect(200)).text;
      assert.match(page, /You are one of 11 signers from United Kingdom\./);
      const first = (await request(t.app).get('/actions/three-signed/thanks?country=NO').expect(200)).text;
      assert.doesNotMatch(first, /from-country/);
    });
  });
});
