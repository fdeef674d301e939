// A call's protests as organisers run them: added with local times in the
// protest's own zone (a time a daylight-saving change skips or repeats is
// refused), the embassy from the directory; moved (version + 1 and exactly one
// 'moved' notice, in the transaction of the change), cancelled (one
// 'cancelled' notice), a supporter's proposal approved or rejected; the
// capacity never below the confirmed RSVPs; a stranger's odd form a 4xx.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAuditEntries } from '../../src/admin/audit.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { listRecipients } from '../../src/letters/recipients.repo.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signIn } from '../helpers/admin.ts';
import { csrfTokenIn, type Agent } from '../helpers/forms.ts';

type Fields = Record<string, string | string[]>;

describe('the protests of a protest call, as organisers run them', () => {
  let t: TestApp;
  let agent: Agent;
  let embassies: Map<string, number>;
  let call: number;
  let otherCall: number;

  before(async () => {
    t = await createTestApp();
    await loadDemoContent(t.db.pool, createLogger('silent'));
    ({ agent } = await signIn(t));
    const recipients = await listRecipients(t.db.pool);
    embassies = new Map(recipients.filter((r) => r.organisation.startsWith('Embassy')).map((r) => [r.country!, Number(r.id)]));
    call = await newCall('zhanaozen-anniversary');
    otherCall = await newCall('another-day');
  });
  after(() => t.close());

  async function newCall(slug: string): Promise<number> {
    const token = await csrfToken(agent, '/admin/actions/new');
    const res = await agent.post('/admin/actions').type('form').send({ _csrf: token, kind: 'protest_call', title: `Call ${slug}`, slug, demand: 'Justice.', target: '', goal: '100', post: '', deadline: '' });
    const id = Number(/\/admin\/actions\/(\d+)\/call/.exec(res.headers.location!)![1]);
    const _csrf = await csrfToken(agent, `/admin/actions/${id}/call`);
    const saved = await agent.post(`/admin/actions/${id}/call`).type('form').send({ _csrf, day: '2026-12-16', time_zone: 'Asia/Almaty', commemorates: 'Zhanaozen, 2011', proposals_open: 'on' });
    assert.equal(saved.status, 303, saved.text.slice(0, 300));
    return id;
  }

  const london = (): Fields => ({
    country: 'GB', city: 'London', place: 'Embassy of the Republic of Kazakhstan', address: '125 Pall Mall\nLondon SW1Y 5EA', meeting_point: 'By the gate',
    latitude: '51.5066', longitude: '-0.1340', time_zone: 'Europe/London', starts_local: '2026-12-16T12:00', ends_local: '2026-12-16T14:00',
    capacity: '', accessibility: 'Step-free pavement', organiser_name: 'Jamie', organiser_contact: 'jamie@example.org', recipient: String(embassies.get('GB')),
  });

  async function addProtest(fields: Fields, actionId = call) {
    const _csrf = await csrfToken(agent, `/admin/actions/${actionId}/protests/new`);
    return agent.post(`/admin/actions/${actionId}/protests`).type('form').send({ _csrf, ...fields });
  }

  async function added(fields: Fields, actionId = call): Promise<number> {
    const res = await addProtest(fields, actionId);
    assert.equal(res.status, 303, res.text.slice(0, 800));
    return Number(/^\/admin\/protests\/(\d+)\?done=created$/.exec(res.headers.location!)![1]);
  }

  /** Saves the protest's form as the page holds it (its edited_from included), with `changes` typed over it. */
  async function editProtest(id: number, changes: Fields, actionId = call) {
    return agent.post(`/admin/protests/${id}`).type('form').send(await protestForm(id, changes, actionId));
  }

  /** The protest's form as its page holds it, with `changes` typed over it. */
  async function protestForm(id: number, changes: Fields, actionId = call): Promise<Fields> {
    const page = await agent.get(`/admin/protests/${id}`).expect(200);
    const editedFrom = /name="edited_from" value="([^"]*)"/.exec(page.text)![1]!;
    const row = (await t.db.pool.query('SELECT * FROM protests WHERE id = $1', [id])).rows[0];
    const local = (d: Date) => new Intl.DateTimeFormat('sv', { timeZone: row.time_zone, dateStyle: 'short', timeStyle: 'short' }).format(d).replace(' ', 'T');
    return {
      _csrf: csrfTokenIn(page.text), action: String(actionId), edited_from: editedFrom,
      country: row.country, city: row.city, place: row.place, address: row.address, meeting_point: row.meeting_point,
      latitude: row.latitude === null ? '' : String(Number(row.latitude)), longitude: row.longitude === null ? '' : String(Number(row.longitude)),
      time_zone: row.time_zone, starts_local: local(row.starts_at), ends_local: local(row.ends_at), capacity: row.capacity === null ? '' : String(row.capacity),
      accessibility: row.accessibility, organiser_name: row.organiser_name, organiser_contact: row.organiser_contact,
      ...(row.organiser_contact_public ? { organiser_contact_public: 'on' } : {}), recipient: row.recipient_id === null ? '' : String(row.recipient_id),
      ...changes,
    };
  }

  /** Presses a button of the protest's status form; cancelling with its box ticked unless `confirm` is false. */
  async function decide(id: number, decision: string, actionId: number | string = call, confirm = true) {
    const page = await agent.get(`/admin/protests/${id}`).expect(200);
    return agent.post(`/admin/protests/${id}/status`).type('form').send({ _csrf: csrfTokenIn(page.text), action: String(actionId), decision, ...(confirm ? { confirm: 'on' } : {}) });
  }

  const notices = async (id: number) => (await t.db.pool.query('SELECT kind, version FROM protest_notices WHERE protest_id = $1 ORDER BY created_at, kind', [id])).rows;
  const protest = async (id: number) => (await t.db.pool.query('SELECT * FROM protests WHERE id = $1', [id])).rows[0];

  /** RSVPs seeded as part G's confirm would leave them: `confirmed` counted, plus one pending and one cancelled that do not count. */
  async function seedRsvps(protestId: number, confirmed: number) {
    const { rows } = await t.db.pool.query(
      `INSERT INTO supporters (email, name, confirmed_at) SELECT 'rsvp-' || $1::bigint || '-' || i || '@example.org', 'Supporter ' || i, now() FROM generate_series(1, $2::int + 2) i RETURNING id`,
      [protestId, confirmed],
    );
    for (const [i, { id }] of rows.entries()) {
      const state = i < confirmed ? 'confirmed' : i === confirmed ? 'pending' : 'cancelled';
      await t.db.pool.query(
        'INSERT INTO rsvps (protest_id, supporter_id, name, confirmed_at, cancelled_at) VALUES ($1, $2, $3, $4, $5)',
        [protestId, id, `Supporter ${i}`, state === 'pending' ? null : new Date(), state === 'cancelled' ? new Date() : null],
      );
    }
  }

  it('adds a protest with its times in its own zone and the embassy there, listed at once and audited', async () => {
    const id = await added(london());
    const row = await protest(id);
    assert.equal(row.status, 'listed');
    assert.equal(row.version, 1);
    assert.equal(row.starts_at.toISOString(), '2026-12-16T12:00:00.000Z', '12:00 in London in December is 12:00 UTC');
    assert.equal(row.ends_at.toISOString(), '2026-12-16T14:00:00.000Z');
    assert.equal(row.recipient_id, embassies.get('GB'));
    assert.equal(row.address, '125 Pall Mall\nLondon SW1Y 5EA');
    assert.equal(row.latitude, '51.506600');
    const almaty = await added({ ...london(), country: 'KZ', city: 'Almaty', place: 'Republic Square', time_zone: 'Asia/Almaty', recipient: '', latitude: '', longitude: '' });
    assert.equal((await protest(almaty)).starts_at.toISOString(), '2026-12-16T07:00:00.000Z', '12:00 in Almaty is 07:00 UTC (UTC+5)');
    const entry = (await listAuditEntries(t.db.pool, { subjectType: 'protest', subjectId: String(id), limit: 5 }))[0]!;
    assert.equal(entry.event, 'protest.create');
    assert.equal((entry.after as Record<string, unknown>).starts_at, '2026-12-16T12:00:00.000Z');
    // Its page shows the local times back as typed, in its zone.
    const page = await agent.get(`/admin/protests/${id}`).expect(200);
    assert.match(page.text, /name="starts_local" type="datetime-local" required value="2026-12-16T12:00"/);
    assert.match(page.text, new RegExp(`<option value="${embassies.get('GB')}" selected>`));
    // The list: by country, then city, with its status and count.
    const list = await agent.get(`/admin/actions/${call}/protests`).expect(200);
    assert.match(list.text, /<h3>Kazakhstan<\/h3>[\s\S]*<h4>Almaty<\/h4>[\s\S]*<h3>United Kingdom[^<]*<\/h3>[\s\S]*<h4>London<\/h4>/);
    assert.match(list.text, new RegExp(`id="protest-${id}"[\\s\\S]*?Listed[\\s\\S]*?<td>0</td>`));
  });

  it('refuses a time a daylight-saving change skips or repeats, an end before the start, a bad zone or capacity, each beside its field', async () => {
    const before = (await t.db.pool.query('SELECT count(*)::int AS n FROM protests')).rows[0].n;
    // London's clocks jump from 01:00 to 02:00 on 29 March 2026: 01:30 never happens there.
    const gap = await addProtest({ ...london(), starts_local: '2026-03-29T01:30', ends_local: '2026-03-29T03:00' });
    assert.equal(gap.status, 422);
    assert.match(gap.text, /id="protest-starts-error">This time does not exist in that time zone: the clocks jump over it/);
    assert.match(gap.text, /value="2026-03-29T01:30"/, 'what was typed comes back');
    // They go back from 02:00 to 01:00 on 25 October 2026: 01:30 happens twice.
    const twice = await addProtest({ ...london(), starts_local: '2026-10-24T23:00', ends_local: '2026-10-25T01:30' });
    assert.equal(twice.status, 422);
    assert.match(twice.text, /id="protest-ends-error">This time happens twice in that time zone/);
    // The same wall times in a zone without that change are fine (New York changes a week later).
    assert.equal((await addProtest({ ...london(), country: 'US', city: 'New York', recipient: '', time_zone: 'America/New_York', starts_local: '2026-10-25T01:30', ends_local: '2026-10-25T03:00' })).status, 303);
    const backwards = await addProtest({ ...london(), ends_local: '2026-12-16T11:00' });
    assert.equal(backwards.status, 422);
    assert.match(backwards.text, /id="protest-ends-error">The end must be after the start/);
    for (const zone of ['Europe/Londinium', 'UTC+3', '']) {
      const res = await addProtest({ ...london(), time_zone: zone });
      assert.equal(res.status, 422, zone);
      assert.match(res.text, /id="protest-zone-error">/, zone);
      assert.doesNotMatch(res.text, /id="protest-starts-error"/, 'without a zone the times are not judged');
    }
    for (const capacity of ['0', '-1', '1.5', 'ten', '99999999']) {
      const res = await addProtest({ ...london(), capacity });
      assert.equal(res.status, 422, capacity);
      assert.match(res.text, /id="protest-capacity-error">Enter a whole number of at least 1/, capacity);
    }
    const calendar = await addProtest({ ...london(), starts_local: '2026-02-30T12:00', latitude: '91', longitude: '' });
    assert.equal(calendar.status, 422);
    for (const field of ['starts', 'latitude']) assert.match(calendar.text, new RegExp(`id="protest-${field}-error"`), field);
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM protests')).rows[0].n, before + 1, 'only the New York one was stored');
  });

  it('moves a listed protest: version 2 and exactly one \'moved\' notice for it; the same save again queues nothing, nor does an edit that is no move', async () => {
    const id = await added(london());
    const accessible = await editProtest(id, { accessibility: 'Step-free; a bench by the gate' });
    assert.equal(accessible.headers.location, `/admin/protests/${id}?done=saved`, accessible.text.slice(0, 500));
    assert.equal((await protest(id)).version, 1);
    assert.deepEqual(await notices(id), [], 'no notice for what is not a move');

    const moved = await editProtest(id, { starts_local: '2026-12-16T13:00', ends_local: '2026-12-16T15:00', meeting_point: 'Across the road, by the phone box' });
    assert.equal(moved.headers.location, `/admin/protests/${id}?done=moved`, moved.text.slice(0, 500));
    const row = await protest(id);
    assert.equal(row.version, 2);
    assert.equal(row.starts_at.toISOString(), '2026-12-16T13:00:00.000Z');
    assert.deepEqual(await notices(id), [{ kind: 'moved', version: 2 }]);
    const entry = (await listAuditEntries(t.db.pool, { subjectType: 'protest', subjectId: String(id), limit: 5 }))[0]!;
    assert.equal(entry.event, 'protest.move');
    assert.equal((entry.before as Record<string, unknown>).version, 1);
    assert.equal((entry.after as Record<string, unknown>).version, 2);
    assert.equal((entry.after as Record<string, unknown>).meeting_point, 'Across the road, by the phone box');

    const again = await editProtest(id, {});
    assert.equal(again.headers.location, `/admin/protests/${id}?done=unchanged`);
    assert.equal((await protest(id)).version, 2);
    assert.deepEqual(await notices(id), [{ kind: 'moved', version: 2 }]);

    // A save from a page opened before the move is refused, not applied over it.
    const stale = await agent.post(`/admin/protests/${id}`).type('form').send({
      _csrf: csrfTokenIn((await agent.get(`/admin/protests/${id}`)).text), action: String(call), edited_from: '2020-01-01T00:00:00.000Z', ...london(),
    });
    assert.equal(stale.status, 422);
    assert.match(stale.text, /Someone else saved this after you opened it/);
    assert.equal((await protest(id)).version, 2);
  });

  it('moves once when two organisers make the same move at the same moment: one notice, one entry, version 2', async () => {
    const id = await added(london());
    const move = { starts_local: '2026-12-16T12:30', ends_local: '2026-12-16T14:30', edited_from: '' };
    const [a, b] = await Promise.all([protestForm(id, move), protestForm(id, move)]);
    const results = await Promise.all([agent.post(`/admin/protests/${id}`).type('form').send(a!), agent.post(`/admin/protests/${id}`).type('form').send(b!)]);
    assert.deepEqual(results.map((r) => r.headers.location).sort(), [`/admin/protests/${id}?done=moved`, `/admin/protests/${id}?done=unchanged`]);
    assert.equal((await protest(id)).version, 2);
    assert.deepEqual(await notices(id), [{ kind: 'moved', version: 2 }]);
    const moves = (await listAuditEntries(t.db.pool, { subjectType: 'protest', subjectId: String(id), limit: 5 })).filter((e) => e.event === 'protest.move');
    assert.equal(moves.length, 1);
  });

  it('saves a move only with its notice: when the notice cannot be queued, the protest stays where it was', async () => {
    const id = await added(london());
    // The database refuses every notice for a moment: the move and its notice are one transaction, so neither stays.
    await t.db.pool.query(`CREATE FUNCTION refuse_notice() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no notices today'; END $$`);
    await t.db.pool.query('CREATE TRIGGER refuse_notice BEFORE INSERT ON protest_notices FOR EACH ROW EXECUTE FUNCTION refuse_notice()');
    try {
      const failed = await editProtest(id, { starts_local: '2026-12-16T15:00', ends_local: '2026-12-16T16:00' });
      assert.equal(failed.status, 500);
      assert.doesNotMatch(failed.text, /no notices today/, 'a Postgres message never reaches the page');
    } finally {
      await t.db.pool.query('DROP TRIGGER refuse_notice ON protest_notices; DROP FUNCTION refuse_notice()');
    }
    const row = await protest(id);
    assert.equal(row.version, 1);
    assert.equal(row.starts_at.toISOString(), '2026-12-16T12:00:00.000Z');
    assert.equal((await listAuditEntries(t.db.pool, { subjectType: 'protest', subjectId: String(id), limit: 5 }))[0]!.event, 'protest.create');
  });

  it('refuses a capacity below the confirmed RSVPs, with their count; the list shows it full', async () => {
    const id = await added(london());
    await seedRsvps(id, 3);
    const below = await editProtest(id, { capacity: '2' });
    assert.equal(below.status, 422);
    assert.match(below.text, /id="protest-capacity-error">The capacity cannot be below the 3 RSVPs already confirmed/);
    assert.equal((await protest(id)).capacity, null);
    const exact = await editProtest(id, { capacity: '3' });
    assert.equal(exact.headers.location, `/admin/protests/${id}?done=saved`);
    assert.equal((await protest(id)).capacity, 3);
    const list = await agent.get(`/admin/actions/${call}/protests`).expect(200);
    assert.match(list.text, new RegExp(`id="protest-${id}"[\\s\\S]*?3 of 3 — full`));
    // Back to no limit.
    assert.equal((await editProtest(id, { capacity: '' })).headers.location, `/admin/protests/${id}?done=saved`);
    assert.equal((await protest(id)).capacity, null);
  });

  it('cancels a listed protest: one \'cancelled\' notice for its version, audited; then neither cancelled again nor edited', async () => {
    const id = await added(london());
    await editProtest(id, { starts_local: '2026-12-16T11:00' });
    assert.equal((await protest(id)).version, 2);
    // It tells everyone and cannot be undone: without its box ticked, nothing happens.
    const unticked = await decide(id, 'cancel', call, false);
    assert.equal(unticked.status, 422);
    assert.match(unticked.text, /id="cancel-confirm-error">Tick the box to say you mean it/);
    assert.equal((await protest(id)).status, 'listed');
    assert.deepEqual(await notices(id), [{ kind: 'moved', version: 2 }]);
    const res = await decide(id, 'cancel');
    assert.equal(res.headers.location, `/admin/protests/${id}?done=cancelled`, res.text.slice(0, 500));
    const row = await protest(id);
    assert.equal(row.status, 'cancelled');
    assert.ok(row.cancelled_at);
    assert.deepEqual(await notices(id), [{ kind: 'moved', version: 2 }, { kind: 'cancelled', version: 2 }]);
    const entry = (await listAuditEntries(t.db.pool, { subjectType: 'protest', subjectId: String(id), limit: 5 }))[0]!;
    assert.equal(entry.event, 'protest.cancel');
    const twice = await decide(id, 'cancel');
    assert.equal(twice.status, 422);
    assert.match(twice.text, /This protest was already cancelled/);
    assert.equal((await notices(id)).length, 2);
    const page = await agent.get(`/admin/protests/${id}`).expect(200);
    assert.doesNotMatch(page.text, /name="starts_local"/, 'no form to edit a cancelled protest');
    const edit = await agent.post(`/admin/protests/${id}`).type('form').send({ _csrf: csrfTokenIn(page.text), action: String(call), ...london(), starts_local: '2026-12-16T16:00', ends_local: '2026-12-16T17:00' });
    assert.equal(edit.status, 422);
    assert.match(edit.text, /This protest was cancelled: it can no longer be changed/);
    assert.equal((await protest(id)).version, 2);
  });

  it('approves a supporter\'s proposal (listed, who proposed it forgotten) and rejects another; the list shows them waiting first', async () => {
    const propose = async (city: string) => (await t.db.pool.query(
      `INSERT INTO protests (action_id, status, country, city, place, starts_at, ends_at, time_zone, proposed_by_name, proposed_by_email)
       VALUES ($1, 'proposed', 'DE', $2, 'Botschaft der Republik Kasachstan', '2026-12-16T11:00Z', '2026-12-16T13:00Z', 'Europe/Berlin', 'Lena', 'lena@example.org') RETURNING id`,
      [call, city],
    )).rows[0].id as number;
    const berlin = await propose('Berlin');
    const bonn = await propose('Bonn');
    const list = await agent.get(`/admin/actions/${call}/protests`).expect(200);
    assert.match(list.text, /Proposals waiting for approval[\s\S]*Berlin, Germany[\s\S]*Proposed by Lena &lt;lena@example.org&gt;[\s\S]*<h2 id="protests-title">/);
    const page = await agent.get(`/admin/protests/${berlin}`).expect(200);
    assert.match(page.text, /A supporter proposed this protest: Lena &lt;lena@example.org&gt;/);

    // An organiser may set it right before approving: a proposal is not yet listed, so no notice.
    assert.equal((await editProtest(berlin, { recipient: String(embassies.get('DE')) })).headers.location, `/admin/protests/${berlin}?done=saved`);
    assert.deepEqual(await notices(berlin), []);
    const approved = await decide(berlin, 'approve');
    assert.equal(approved.headers.location, `/admin/protests/${berlin}?done=approved`);
    const row = await protest(berlin);
    assert.equal(row.status, 'listed');
    assert.equal(row.proposed_by_name, null);
    assert.equal(row.proposed_by_email, null);
    assert.equal(row.recipient_id, embassies.get('DE'));
    const entry = (await listAuditEntries(t.db.pool, { subjectType: 'protest', subjectId: String(berlin), limit: 5 }))[0]!;
    assert.equal(entry.event, 'protest.approve');
    assert.doesNotMatch(JSON.stringify(entry), /lena/, 'the log keeps no copy of who proposed it');
    assert.equal((await decide(berlin, 'approve')).status, 422);

    assert.equal((await decide(bonn, 'cancel')).status, 422, 'a proposal is not cancelled but rejected');
    assert.equal((await decide(bonn, 'reject')).headers.location, `/admin/protests/${bonn}?done=rejected`);
    const rejected = await protest(bonn);
    assert.equal(rejected.status, 'rejected');
    assert.equal(rejected.proposed_by_email, null);
    assert.equal((await decide(bonn, 'approve')).status, 422);
  });

  it('answers odd input with a 4xx, never a 500: repeated fields, another call\'s protest, bad ids, embassies not in the directory or elsewhere', async () => {
    const id = await added(london());
    const repeated = await addProtest({ ...london(), city: ['London', 'Paris'], starts_local: ['2026-12-16T12:00', '2026-12-16T13:00'] });
    assert.equal(repeated.status, 422);
    assert.match(repeated.text, /id="protest-city-error">This field was sent more than once/);
    assert.match(repeated.text, /id="protest-starts-error">This field was sent more than once/);
    assert.equal((await editProtest(id, { capacity: ['1', '2'] })).status, 422);
    assert.equal((await addProtest({ ...london(), country: 'XX' })).status, 422);
    assert.equal((await addProtest({ ...london(), country: 'gb; --' })).status, 422);

    // Embassies: an id not in the directory, one in another country than the protest, something not an id.
    const unknown = await addProtest({ ...london(), recipient: '99999999' });
    assert.equal(unknown.status, 422);
    assert.match(unknown.text, /id="protest-recipient-error">The embassy chosen is not in the directory/);
    const elsewhere = await addProtest({ ...london(), recipient: String(embassies.get('DE')) });
    assert.equal(elsewhere.status, 422);
    assert.match(elsewhere.text, /id="protest-recipient-error">The embassy chosen is in another country/);
    assert.equal((await addProtest({ ...london(), recipient: '1 OR 1=1' })).status, 422);
    assert.equal((await editProtest(id, { recipient: '99999999' })).status, 422);

    // Another call's protest through this call's form, or the other way round: nothing found, nothing changed.
    const theirs = await added({ ...london(), city: 'Manchester' }, otherCall);
    assert.equal((await editProtest(theirs, { place: 'Somewhere else' }, call)).status, 404);
    assert.equal((await decide(theirs, 'cancel', call)).status, 404);
    assert.equal((await protest(theirs)).status, 'listed');
    assert.equal((await protest(theirs)).place, 'Embassy of the Republic of Kazakhstan');
    assert.equal((await decide(theirs, 'cancel', 'x')).status, 404);
    assert.equal((await decide(id, 'explode')).status, 422);
    const page = await agent.get(`/admin/protests/${id}`).expect(200);
    const _csrf = csrfTokenIn(page.text);
    assert.equal((await agent.post(`/admin/protests/${id}/status`).type('form').send({ _csrf, decision: 'cancel' })).status, 404, 'no call named');
    assert.equal((await agent.post(`/admin/protests/${id}/status`).type('form').send({ _csrf, action: [String(call), String(call)], decision: ['cancel', 'cancel'] })).status, 404);
    assert.equal((await protest(id)).status, 'listed');
    assert.deepEqual(await notices(id), []);

    // Bad ids in the address; a protest's pages under a petition.
    for (const path of ['/admin/protests/abc', '/admin/protests/99999999', '/admin/protests/0', '/admin/protests/1.5']) await agent.get(path).expect(404);
    await agent.post('/admin/protests/99999999').type('form').send({ _csrf, action: String(call), ...london() }).expect(404);
    await agent.post('/admin/protests/99999999/status').type('form').send({ _csrf, action: String(call), decision: 'cancel', confirm: 'on' }).expect(404);
    const petition = (await t.db.pool.query("SELECT id FROM actions WHERE kind = 'petition' LIMIT 1")).rows[0].id;
    await agent.get(`/admin/actions/${petition}/protests/new`).expect(404);
    await agent.post(`/admin/actions/${petition}/protests`).type('form').send({ _csrf, ...london() }).expect(404);
  });
});
