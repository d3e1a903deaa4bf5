// Concurrent writers lose nothing and double nothing; paging neither skips
// nor repeats while others write. Real engines: PGlite serialises, PostgreSQL
// runs the requests truly in parallel over a pool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createAction, ENGINES, startApp, type TestApp } from '../support/app';

const history = async (app: TestApp, id: number) => (await app.call('GET', `/api/v1/actions/${id}/history`, { as: as.viewer })).body.items;

describe.each(ENGINES)('concurrency and paging on %s', (engine) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(engine);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('lets exactly one of 20 identical concurrent transitions win', async () => {
    const action = await createAction(app);
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => app.call('POST', `/api/v1/actions/${action.id}/status`, { body: { status: 'in_progress' } })),
    );
    const codes = replies.map((r) => r.status).sort();
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(19);
    const after = await app.call('GET', `/api/v1/actions/${action.id}`);
    expect(after.body).toMatchObject({ status: 'in_progress', version: 2 });
    const changes = (await history(app, action.id)).filter((e: { kind: string }) => e.kind === 'status_changed');
    expect(changes).toHaveLength(1);
  });

  it('records an unbroken from → to chain when transitions race', async () => {
    const action = await createAction(app);
    const targets = Array.from({ length: 24 }, (_, i) => ['in_progress', 'blocked', 'open'][i % 3]);
    const replies = await Promise.all(
      targets.map((status) => app.call('POST', `/api/v1/actions/${action.id}/status`, { body: { status } })),
    );
    const won = replies.filter((r) => r.status === 200).length;
    expect(won).toBeGreaterThan(0);
    expect(replies.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const after = (await app.call('GET', `/api/v1/actions/${action.id}`)).body;
    expect(after.version).toBe(1 + won);
    const changes = (await history(app, action.id)).filter((e: { kind: string }) => e.kind === 'status_changed');
    expect(changes).toHaveLength(won);
    let status = 'open';
    for (const event of changes) {
      expect(event.from_status).toBe(status);
      expect(event.to_status).not.toBe(status);
      status = event.to_status;
    }
    expect(after.status).toBe(status);
  });

  it('applies every one of 20 concurrent unconditional edits, each recorded against the value before it', async () => {
    const action = await createAction(app, { title: 'edit-0' });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => app.call('PATCH', `/api/v1/actions/${action.id}`, { body: { title: `edit-${i + 1}` } })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    const after = (await app.call('GET', `/api/v1/actions/${action.id}`)).body;
    expect(after.version).toBe(21);
    const edits = (await history(app, action.id)).filter((e: { kind: string }) => e.kind === 'updated');
    expect(edits).toHaveLength(20);
    let title = 'edit-0';
    for (const event of edits) {
      expect(event.changes.title[0]).toBe(title);
      title = event.changes.title[1];
    }
    expect(after.title).toBe(title);
  });

  it('accepts only one of 10 concurrent edits made against the same If-Match version', async () => {
    const action = await createAction(app);
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        app.call('PATCH', `/api/v1/actions/${action.id}`, { body: { owner: `owner${i}` }, headers: { 'if-match': '"1"' } }),
      ),
    );
    const codes = replies.map((r) => r.status);
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 412)).toHaveLength(9);
    expect((await app.call('GET', `/api/v1/actions/${action.id}`)).body.version).toBe(2);
  });

  it('pages through every action exactly once while new actions keep arriving', async () => {
    const component = `paging-${engine}`;
    const priorities = ['critical', 'high', 'medium', 'low'];
    const original = new Set<number>();
    for (let i = 0; i < 45; i++) {
      original.add((await createAction(app, { component, priority: priorities[i % 4], title: `page item ${i}` })).id);
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `component=${component}&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await app.call('GET', `/api/v1/actions?${query}`, { as: as.viewer });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((a: { id: number }) => a.id));
      cursor = page.body.next_cursor;
      // Writers between pages, including critical ones that sort first.
      await createAction(app, { component, priority: priorities[pages % 4], title: `late arrival ${pages}` });
      pages++;
    } while (cursor && pages < 50);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of original) expect(seen).toContain(id);
  });

  it('orders rows that share one updated_at by id, without skipping across pages', async () => {
    const component = `ties-${engine}`;
    await app.db.query(
      `INSERT INTO actions (title, component, created_by, updated_by, search)
       SELECT 'tie ' || g, $1, 'seed', 'seed', action_search_vector('tie ' || g, NULL, NULL, NULL, $1, '{}') FROM generate_series(1, 23) g`,
      [component],
    );
    const all = (await app.call('GET', `/api/v1/actions?component=${component}&limit=200`, { as: as.viewer })).body.items;
    expect(all).toHaveLength(23);
    const ids = all.map((a: { id: number }) => a.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: number }[]; next_cursor: string | null } } = await app.call(
        'GET',
        `/api/v1/actions?component=${component}&limit=5${cursor ? `&cursor=${cursor}` : ''}`,
        { as: as.viewer },
      );
      paged.push(...page.body.items.map((a: { id: number }) => a.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(paged).toEqual(ids);
  });
});
