// GET /api/v1/actions/{id}/related-changes on both engines: "what changed
// before this?" Changes that started in the window before the action was
// opened and touched its component (whatever the case) or one of its hosts,
// plus those linked to it, newest first, each saying why it is listed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createAction, ENGINES, expectProblem, startApp, uniqueWord, type TestApp } from '../support/app';

const HOUR = 3600_000;

describe.each(ENGINES)('related changes on %s', (engine) => {
  let app: TestApp;
  let action: { id: number; created_at: string };
  let opened: number;
  let component: string;
  let host: number;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    app = await startApp(engine);
    component = uniqueWord('svc');
    action = await createAction(app, { component });
    opened = Date.parse(action.created_at);
    const made = await app.db.query<{ id: number }>(
      `INSERT INTO hosts (hostname, created_by, updated_by) VALUES ($1, 't', 't'), ($2, 't', 't') RETURNING id`,
      [`web-${uniqueWord()}`, `other-${uniqueWord()}`],
    );
    host = made.rows[0]!.id;
    const otherHost = made.rows[1]!.id;
    // The hosts helper's link endpoint aside, the link itself is a row.
    await app.db.query(`INSERT INTO action_hosts (action_id, host_id, linked_by) VALUES ($1, $2, 'mia')`, [action.id, host]);

    const before = (hours: number) => new Date(opened - hours * HOUR).toISOString();
    const seed: [string, Record<string, unknown>][] = [
      // By component, whatever its case, inside the window.
      ['component-1h', { component: component.toUpperCase(), started_at: before(1) }],
      ['component-23h', { component, started_at: before(23) }],
      // Just inside and just outside the 24 hours.
      ['component-edge', { component, started_at: before(24) }],
      ['component-25h', { component, started_at: before(25) }],
      // After the action was opened: not "before this".
      ['component-after', { component, started_at: new Date(opened + HOUR).toISOString() }],
      // Another component: only by a host it reached.
      ['host-2h', { component: 'elsewhere', started_at: before(2), host_ids: [host, otherHost] }],
      ['other-host-2h', { component: 'elsewhere', started_at: before(2), host_ids: [otherHost] }],
      ['host-30h', { component: 'elsewhere', started_at: before(30), host_ids: [host] }],
      // Linked by hand: listed whenever it started; one that also matches by component says both.
      ['link-100d', { component: 'elsewhere', started_at: before(2400) }],
      ['link-and-component', { component, started_at: before(3) }],
      ['unrelated', { component: 'elsewhere', started_at: before(1) }],
    ];
    for (const [name, fields] of seed) {
      const res = await app.call('POST', '/api/v1/changes', { body: { title: name, ...fields } });
      if (res.status !== 201) throw new Error(res.text);
      ids[name] = res.body.id;
    }
    for (const name of ['link-100d', 'link-and-component']) {
      await app.db.query(`INSERT INTO action_changes (action_id, change_id, linked_by) VALUES ($1, $2, 'mia')`, [action.id, ids[name]]);
    }
  });
  afterAll(async () => {
    await app?.close();
  });

  const related = async (query = '') => {
    const res = await app.call('GET', `/api/v1/actions/${action.id}/related-changes${query}`, { as: as.viewer });
    expect(res.status, res.text).toBe(200);
    return res.body as { window_hours: number; since: string; until: string; items: { title: string; matched_by: string[] }[] };
  };

  it('lists the window’s changes by component and by host, and linked ones at any time, newest first, with why', async () => {
    const body = await related();
    expect(body.window_hours).toBe(24);
    expect(body.until).toBe(action.created_at);
    expect(Date.parse(body.until) - Date.parse(body.since)).toBe(24 * HOUR);
    expect(body.items.map((c) => [c.title, c.matched_by])).toEqual([
      ['component-1h', ['component']],
      ['host-2h', ['host']],
      ['link-and-component', ['component', 'link']],
      ['component-23h', ['component']],
      ['component-edge', ['component']],
      ['link-100d', ['link']],
    ]);
    // A related change is a whole change.
    expect(body.items[0]).toMatchObject({ id: ids['component-1h'], source: 'manual', counts: { create: 0 } });
  });

  it('widens and narrows the window with window_hours, and stops at limit', async () => {
    const wide = await related('?window_hours=48');
    expect(wide.window_hours).toBe(48);
    expect(wide.items.map((c) => c.title)).toEqual([
      'component-1h',
      'host-2h',
      'link-and-component',
      'component-23h',
      'component-edge',
      'component-25h',
      'host-30h',
      'link-100d',
    ]);
    const narrow = await related('?window_hours=2');
    expect(narrow.items.map((c) => c.title)).toEqual(['component-1h', 'host-2h', 'link-and-component', 'link-100d']);
    const first = await related('?limit=2');
    expect(first.items.map((c) => c.title)).toEqual(['component-1h', 'host-2h']);
  });

  it('finds nothing by component for an action without one, and still its hosts and links', async () => {
    const bare = await createAction(app);
    await app.db.query(`INSERT INTO action_hosts (action_id, host_id, linked_by) VALUES ($1, $2, 'mia')`, [bare.id, host]);
    const res = await app.call('GET', `/api/v1/actions/${bare.id}/related-changes?window_hours=720`, { as: as.viewer });
    expect(res.status).toBe(200);
    // The host's changes started before this action was opened, within 720 hours.
    expect(res.body.items.map((c: { title: string }) => c.title)).toEqual(['host-2h', 'host-30h']);
  });

  it('refuses a window or limit out of range, an unknown action, and callers without a role', async () => {
    for (const query of ['?window_hours=0', '?window_hours=721', '?window_hours=1.5', '?limit=0', '?limit=201', '?since=x']) {
      expectProblem(await app.call('GET', `/api/v1/actions/${action.id}/related-changes${query}`, { as: as.viewer }), 400);
    }
    expectProblem(await app.call('GET', '/api/v1/actions/987654/related-changes', { as: as.viewer }), 404);
    expectProblem(await app.call('GET', `/api/v1/actions/${action.id}/related-changes`, { as: null }), 401);
  });
});
