// GET /api/v1/actions/facets: the counts behind the page's status tabs and
// pickers, under the list's own filters, exact up to 10,000 matching actions
// and estimated from a sample past that.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXACT_ROWS } from '../../lib/db/facets';
import { as, createAction, createActionIn, ENGINES, expectProblem, startApp, storedState, uniqueWord, type TestApp } from '../support/app';

describe.each(ENGINES)('facets on %s', (engine) => {
  let app: TestApp;
  let tag: string;
  beforeAll(async () => {
    app = await startApp(engine);
    tag = uniqueWord('f');
    const seed: [string, Record<string, unknown>][] = [
      ['open', { owner: 'ana', component: 'RDS', priority: 'critical' }],
      ['open', { owner: 'ana', component: 'RDS', priority: 'high' }],
      ['in_progress', { owner: 'bo', component: 'EKS', priority: 'high', tags: ['db'] }],
      ['blocked', { owner: 'the', component: 'RDS' }],
      ['resolved', { owner: 'ops-team@example.com', component: 'ALB' }],
      ['closed', { owner: 'ana', component: 'RDS', title: 'Rotate the vault tokens' }],
      ['closed', { component: 'VPC', title: 'Rotate the vault certificates' }],
    ];
    for (const [status, fields] of seed)
      await createActionIn(app, status, { ...fields, tags: [tag, ...((fields.tags as string[]) ?? [])] });
  });
  afterAll(async () => {
    await app?.close();
  });
  const facets = async (query: string) => {
    const res = await app.call('GET', `/api/v1/actions/facets?tag=${tag}${query}`, { as: as.viewer });
    expect(res.status, res.text).toBe(200);
    return res.body;
  };

  it('counts statuses aside from the status filter, the rest under every filter', async () => {
    const all = await facets('');
    expect(all).toEqual({
      total: 5,
      approximate: false,
      status: { open: 2, in_progress: 1, blocked: 1, resolved: 1, closed: 2 },
      priority: { critical: 1, high: 2, medium: 2, low: 0 },
      owner: [
        { value: 'ana', count: 2 },
        { value: 'bo', count: 1 },
        { value: 'ops-team@example.com', count: 1 },
        { value: 'the', count: 1 },
      ],
      component: [
        { value: 'RDS', count: 3 },
        { value: 'ALB', count: 1 },
        { value: 'EKS', count: 1 },
      ],
      tag: [
        { value: tag, count: 5 },
        { value: 'db', count: 1 },
      ],
    });
    const closed = await facets('&status=closed');
    expect(closed).toMatchObject({ total: 2, status: all.status, owner: [{ value: 'ana', count: 1 }] });
    expect((await facets('&include_closed=true')).total).toBe(7);
    expect((await facets('&status=open,blocked')).total).toBe(3);
  });

  it('agrees with the list for every filter it takes', async () => {
    for (const query of [
      '&owner=ana',
      '&owner=the',
      '&owner=ops-team%40example.com',
      '&component=RDS',
      '&priority=high',
      '&q=vault',
      '&q=vault&include_closed=true',
    ]) {
      const counted = await facets(query);
      const listed = await app.call('GET', `/api/v1/actions?tag=${tag}${query}&limit=200`, { as: as.viewer });
      expect(counted.total, query).toBe(listed.body.items.length);
    }
    // A search that finds only closed actions: nothing shown, two closed that match.
    expect(await facets('&q=vault')).toMatchObject({ total: 0, status: { closed: 2, open: 0 } });
    // Owner and component are exact, as in the list: the picker offers the stored spelling.
    expect((await facets('&component=rds')).total).toBe(0);
  });

  it('refuses a wrong value with a problem naming it, and changes nothing', async () => {
    const state = await storedState(app);
    for (const [query, path] of [
      ['status=done', 'status'],
      ['priority=urgent', 'priority'],
      ['limit=5', 'limit'],
      ['include_closed=yes', 'include_closed'],
    ]) {
      const problem = expectProblem(await app.call('GET', `/api/v1/actions/facets?${query}`, { as: as.viewer }), 400);
      expect(
        problem.errors?.map((e) => e.path.split('.')[0]),
        query,
      ).toEqual([path]);
    }
    expectProblem(await app.call('GET', '/api/v1/actions/facets', { as: null }), 401);
    expect(await storedState(app)).toEqual(state);
  });

  it(`estimates from a sample past ${EXACT_ROWS} matching actions`, async () => {
    const many = uniqueWord('m');
    // About 4.5 times the sample: a scaled estimate of a handful of rows is never the handful itself.
    const n = EXACT_ROWS * 4 + 5000;
    await app.db.query(
      `INSERT INTO actions (title, priority, status, owner, tags, created_by, updated_by, search, resolution_notes)
       SELECT 'bulk ' || i, (ARRAY['low','medium','high','critical'])[1 + i % 4]::action_priority,
              (CASE WHEN i % 2 = 0 THEN 'closed' ELSE 'open' END)::action_status, 'owner' || (i % 3), ARRAY[$1],
              'bulk', 'bulk', to_tsvector('english', 'bulk'), CASE WHEN i % 2 = 0 THEN 'done' END
       FROM generate_series(1, $2::int) AS i`,
      [many, n],
    );
    await app.db.exec('ANALYZE actions');
    const res = await app.call('GET', `/api/v1/actions/facets?tag=${many}`, { as: as.viewer });
    expect(res.body.approximate).toBe(true);
    const near = (value: number, truth: number) => expect(Math.abs(value - truth)).toBeLessThan(truth * 0.25);
    near(res.body.total, n / 2);
    near(res.body.status.closed, n / 2);
    near(res.body.status.open, n / 2);
    expect(res.body.owner.map((o: { value: string }) => o.value).sort()).toEqual(['owner0', 'owner1', 'owner2']);
    // A status few of them have: too few in the sample to scale, so counted.
    for (let i = 0; i < 3; i++) await createActionIn(app, 'blocked', { tags: [many] });
    const rare = await app.call('GET', `/api/v1/actions/facets?tag=${many}&status=blocked`, { as: as.viewer });
    expect(rare.body).toMatchObject({ approximate: true, total: 3, status: { blocked: 3 }, tag: [{ value: many, count: 3 }] });
    near(rare.body.status.closed, n / 2);
    // A small filtered set inside the large one stays exact.
    const few = await createAction(app, { tags: [many, 'rare'] });
    const exact = await app.call('GET', `/api/v1/actions/facets?tag=rare`, { as: as.viewer });
    expect(exact.body).toMatchObject({ approximate: false, total: 1, owner: [] });
    expect(few.tags).toContain('rare');
  });
});
