// The search vector is a column the write statements set (migration 0003), not
// a generated one: every write that changes what it is made of must set it
// again. Proven from the outside (search finds the new words and not the old)
// and from the inside (every stored vector equals a fresh one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createAction, ENGINES, startApp, uniqueWord, type TestApp } from '../support/app';

describe.each(ENGINES)('the search vector on %s', (engine) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(engine);
  });
  afterAll(async () => {
    await app?.close();
  });

  const found = async (word: string, id: number) => {
    const res = await app.call('GET', `/api/v1/actions?q=${word}&include_closed=true`, { as: as.viewer });
    return res.body.items.some((a: { id: number }) => a.id === id);
  };
  const stale = async () => {
    const { rows } = await app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM actions
       WHERE search IS DISTINCT FROM action_search_vector(title, description, resolution_notes, owner, component, tags)`,
    );
    return rows[0]!.n;
  };

  it('follows every edit of a field it holds, and leaves the others alone', async () => {
    const [t1, t2, d1, o1, c1, g1] = ['t', 't', 'd', 'o', 'c', 'g'].map((p) => uniqueWord(p)) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const action = await createAction(app, { title: `Rotate ${t1}`, description: `about ${d1}`, owner: o1, component: c1, tags: [g1] });
    for (const word of [t1, d1, o1, c1, g1]) expect(await found(word, action.id), word).toBe(true);

    // One field at a time, checked at once: a later edit must not be what repairs an earlier one.
    const edits: [object, string][] = [
      [{ title: `Rotate ${t2}` }, t1],
      [{ description: `about ${uniqueWord('d')}` }, d1],
      [{ owner: uniqueWord('o') }, o1],
      [{ component: uniqueWord('c') }, c1],
      [{ tags: [uniqueWord('g')] }, g1],
    ];
    for (const [edit, old] of edits) {
      const field = Object.keys(edit)[0]!;
      const value = Object.values(edit)[0] as string | string[];
      const word = (Array.isArray(value) ? value[0]! : value).split(' ').pop()!;
      expect((await app.call('PATCH', `/api/v1/actions/${action.id}`, { body: edit })).status, field).toBe(200);
      expect([field, await found(word, action.id), await found(old, action.id)]).toEqual([field, true, false]);
      expect(await stale(), field).toBe(0);
    }
    expect((await app.call('PATCH', `/api/v1/actions/${action.id}`, { body: { priority: 'low' } })).status).toBe(200);
    expect(await stale()).toBe(0);
  });

  it('holds the resolution notes while the action is resolved or closed, and loses them when it is reopened', async () => {
    const [n1, n2] = [uniqueWord('n'), uniqueWord('n')];
    const action = await createAction(app);
    const move = (body: object, who = as.lead) => app.call('POST', `/api/v1/actions/${action.id}/status`, { as: who, body });

    expect((await move({ status: 'in_progress' })).status).toBe(200);
    expect((await move({ status: 'resolved', resolution_notes: `fixed by ${n1}` })).status).toBe(200);
    expect(await found(n1, action.id)).toBe(true);
    expect((await move({ status: 'closed', resolution_notes: `closed after ${n2}` })).status).toBe(200);
    expect([await found(n1, action.id), await found(n2, action.id)]).toEqual([false, true]);
    expect((await move({ status: 'open' })).status).toBe(200);
    expect(await found(n2, action.id)).toBe(false);
    expect(await stale()).toBe(0);
  });
});
