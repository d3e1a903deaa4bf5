import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createAction, ENGINES, startApp, type TestApp } from '../support/app';

describe.each(ENGINES)('actions round trip on %s', (engine) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(engine);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('creates, reads back and lists an action', async () => {
    const created = await createAction(app, { priority: 'high', tags: ['Prod', 'prod', 'secrets'] });
    expect(created).toMatchObject({ key: `ACT-${created.id}`, status: 'open', version: 1, tags: ['prod', 'secrets'], created_by: 'mia' });
    const got = await app.call('GET', `/api/v1/actions/${created.id}`, { as: as.viewer });
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('"1"');
    expect(got.body).toEqual({ ...created, evidence: [] });
    const list = await app.call('GET', '/api/v1/actions', { as: as.viewer });
    expect(list.body.items.map((a: { id: number }) => a.id)).toContain(created.id);
  });
});
