// The links of actions to hosts and to changes, through HTTP against the real
// app: each link made or taken away is an audit event in the action's history
// and a new version of it; a link made twice is one link and one event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryEvent } from '../../lib/domain/action-schema';
import { as, createAction, ENGINES, expectProblem, startApp, storedState, uniqueWord, type TestApp } from '../support/app';

describe.each(ENGINES)('action links on %s', (engine) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(engine);
  });
  afterAll(async () => {
    await app?.close();
  });

  const createHost = async (fields: Record<string, unknown> = {}) => {
    const res = await app.call('POST', '/api/v1/hosts', { body: { hostname: uniqueWord('h'), ...fields } });
    if (res.status !== 201) throw new Error(`host create failed: ${res.status} ${res.text}`);
    return res.body as { id: number; hostname: string };
  };
  // Changes are made in SQL here: this suite is about the links, not about how changes come in.
  const createChange = async (title: string, started_at = '2026-04-01T10:00:00.000Z') => {
    const { rows } = await app.db.query<{ id: number }>(
      `INSERT INTO changes (title, source, environment, component, started_at, creates, updates, deletes, replaces, created_by, updated_by)
       VALUES ($1, 'terraform', 'prod', 'payments', $2, 3, 1, 0, 2, 'ci', 'ci') RETURNING id`,
      [title, started_at],
    );
    return rows[0]!.id;
  };
  const getAction = async (id: number) => (await app.call('GET', `/api/v1/actions/${id}`, { as: as.viewer })).body;
  const history = async (id: number) => {
    const res = await app.call('GET', `/api/v1/actions/${id}/history`, { as: as.viewer });
    expect(res.status).toBe(200);
    return res.body.items as { kind: string; actor: string; role: string; changes: unknown }[];
  };
  const linkedHosts = async (id: number) =>
    ((await app.call('GET', `/api/v1/actions/${id}/hosts`, { as: as.viewer })).body.items as { hostname: string }[]).map((h) => h.hostname);

  describe('hosts', () => {
    it('links a host: 200 with the linked hosts, a host_linked event and a new version', async () => {
      const action = await createAction(app);
      const host = await createHost();

      const res = await app.call('PUT', `/api/v1/actions/${action.id}/hosts/${host.id}`, { as: as.member });

      expect(res.status, res.text).toBe(200);
      expect(res.body.items).toEqual([await (await app.call('GET', `/api/v1/hosts/${host.id}`, { as: as.viewer })).body]);
      expect(await getAction(action.id)).toMatchObject({ version: 2, updated_by: 'mia' });
      const events = await history(action.id);
      expect(events.map((e) => e.kind)).toEqual(['created', 'host_linked']);
      const event = events[1]!;
      expect(HistoryEvent.safeParse(event).success).toBe(true);
      expect(event).toMatchObject({
        action_id: action.id,
        actor: 'mia',
        role: 'member',
        from_status: null,
        to_status: null,
        changes: { host: [null, host.hostname] },
        note: null,
      });
      const { rows } = await app.db.query('SELECT linked_by FROM action_hosts WHERE action_id = $1 AND host_id = $2', [action.id, host.id]);
      expect(rows).toEqual([{ linked_by: 'mia' }]);
    });

    it('links a host twice as once: 200, no second event, the same version', async () => {
      const action = await createAction(app);
      const host = await createHost();
      await app.call('PUT', `/api/v1/actions/${action.id}/hosts/${host.id}`);
      const again = await app.call('PUT', `/api/v1/actions/${action.id}/hosts/${host.id}`, { as: as.lead });
      expect(again.status).toBe(200);
      expect(again.body.items.map((h: { id: number }) => h.id)).toEqual([host.id]);
      expect((await getAction(action.id)).version).toBe(2);
      expect((await history(action.id)).filter((e) => e.kind === 'host_linked')).toHaveLength(1);
    });

    it('links the same host from several requests at once as one link and one event', async () => {
      const action = await createAction(app);
      const host = await createHost();
      const answers = await Promise.all(Array.from({ length: 6 }, () => app.call('PUT', `/api/v1/actions/${action.id}/hosts/${host.id}`)));
      expect(answers.map((r) => r.status)).toEqual(Array(6).fill(200));
      expect((await getAction(action.id)).version).toBe(2);
      expect((await history(action.id)).filter((e) => e.kind === 'host_linked')).toHaveLength(1);
    });

    it('lists the linked hosts by name, any case', async () => {
      const action = await createAction(app);
      const prefix = uniqueWord('n');
      const names = [`${prefix}-Charlie`, `${prefix}-alpha`, `${prefix}-Bravo`];
      for (const hostname of names) {
        const host = await createHost({ hostname });
        await app.call('PUT', `/api/v1/actions/${action.id}/hosts/${host.id}`);
      }
      expect(await linkedHosts(action.id)).toEqual([`${prefix}-alpha`, `${prefix}-Bravo`, `${prefix}-Charlie`]);
      expect((await getAction(action.id)).version).toBe(4);
      expect(await linkedHosts((await createAction(app)).id)).toEqual([]);
    });

    it('unlinks: 204, a host_unlinked event and a new version; unlinking what is not linked is 404', async () => {
      const action = await createAction(app);
      const host = await createHost();
      const kept = await createHost();
      await app.call('PUT', `/api/v1/actions/${action.id}/hosts/${host.id}`);
      await app.call('PUT', `/api/v1/actions/${action.id}/hosts/${kept.id}`);

      const res = await app.call('DELETE', `/api/v1/actions/${action.id}/hosts/${host.id}`, { as: as.member });

      expect(res.status, res.text).toBe(204);
      expect(await linkedHosts(action.id)).toEqual([kept.hostname]);
      expect(await getAction(action.id)).toMatchObject({ version: 4 });
      const last = (await history(action.id)).at(-1)!;
      expect(HistoryEvent.safeParse(last).success).toBe(true);
      expect(last).toMatchObject({ kind: 'host_unlinked', actor: 'mia', changes: { host: [host.hostname, null] } });

      const state = await storedState(app);
      const again = expectProblem(await app.call('DELETE', `/api/v1/actions/${action.id}/hosts/${host.id}`), 404);
      expect(again.detail).toMatch(/not linked/);
      expectProblem(await app.call('DELETE', `/api/v1/actions/${action.id}/hosts/987654321`), 404);
      expectProblem(await app.call('DELETE', `/api/v1/actions/987654321/hosts/${kept.id}`), 404);
      expect(await storedState(app)).toEqual(state);
      // The host itself stays.
      expect((await app.call('GET', `/api/v1/hosts/${host.id}`, { as: as.viewer })).status).toBe(200);
    });

    it('answers 404 for an unknown action or host and changes nothing', async () => {
      const action = await createAction(app);
      const host = await createHost();
      const state = await storedState(app);
      expect(expectProblem(await app.call('PUT', `/api/v1/actions/${action.id}/hosts/987654321`), 404).detail).toMatch(/Host 987654321/);
      expect(expectProblem(await app.call('PUT', `/api/v1/actions/987654321/hosts/${host.id}`), 404).detail).toMatch(/Action 987654321/);
      expectProblem(await app.call('PUT', `/api/v1/actions/${action.id}/hosts/web-1`), 404);
      expectProblem(await app.call('GET', '/api/v1/actions/987654321/hosts', { as: as.viewer }), 404);
      expect(await storedState(app)).toEqual(state);
    });

    it('lets viewers read the links and members make them; a refused request changes nothing', async () => {
      const action = await createAction(app);
      const host = await createHost();
      const state = await storedState(app);
      expectProblem(await app.call('PUT', `/api/v1/actions/${action.id}/hosts/${host.id}`, { as: as.viewer }), 403);
      expectProblem(await app.call('DELETE', `/api/v1/actions/${action.id}/hosts/${host.id}`, { as: as.viewer }), 403);
      expectProblem(await app.call('GET', `/api/v1/actions/${action.id}/hosts`, { as: null }), 401);
      expect(await storedState(app)).toEqual(state);
      expect((await app.call('GET', `/api/v1/actions/${action.id}/hosts`, { as: as.viewer })).status).toBe(200);
    });

    it('goes with a deleted action, leaving the host', async () => {
      const action = await createAction(app);
      const host = await createHost();
      await app.call('PUT', `/api/v1/actions/${action.id}/hosts/${host.id}`);
      expect((await app.call('DELETE', `/api/v1/actions/${action.id}`, { as: as.admin })).status).toBe(204);
      const { rows } = await app.db.query('SELECT * FROM action_hosts WHERE host_id = $1', [host.id]);
      expect(rows).toEqual([]);
      expect((await app.call('GET', `/api/v1/hosts/${host.id}`, { as: as.viewer })).status).toBe(200);
    });
  });

  describe('changes', () => {
    it('links a change: 200 with the linked changes, their counts, a change_linked event and a new version', async () => {
      const action = await createAction(app);
      const id = await createChange('Terraform plan: 3 to add');

      const res = await app.call('PUT', `/api/v1/actions/${action.id}/changes/${id}`);

      expect(res.status, res.text).toBe(200);
      expect(res.body.items).toEqual([
        expect.objectContaining({
          id,
          title: 'Terraform plan: 3 to add',
          source: 'terraform',
          environment: 'prod',
          component: 'payments',
          started_at: '2026-04-01T10:00:00.000Z',
          finished_at: null,
          outcome: 'unknown',
          counts: { create: 3, update: 1, delete: 0, replace: 2 },
          version: 1,
        }),
      ]);
      expect(await getAction(action.id)).toMatchObject({ version: 2 });
      const last = (await history(action.id)).at(-1)!;
      expect(HistoryEvent.safeParse(last).success).toBe(true);
      expect(last).toMatchObject({ kind: 'change_linked', changes: { change: [null, `#${id} Terraform plan: 3 to add`] } });
    });

    it('links a change twice as once, lists them newest first, and unlinks with a change_unlinked event', async () => {
      const action = await createAction(app);
      const older = await createChange('older', '2026-04-01T08:00:00.000Z');
      const newer = await createChange('newer', '2026-04-01T09:00:00.000Z');
      await app.call('PUT', `/api/v1/actions/${action.id}/changes/${older}`);
      await app.call('PUT', `/api/v1/actions/${action.id}/changes/${newer}`);
      const again = await app.call('PUT', `/api/v1/actions/${action.id}/changes/${older}`);
      expect(again.body.items.map((c: { id: number }) => c.id)).toEqual([newer, older]);
      expect((await getAction(action.id)).version).toBe(3);

      const res = await app.call('DELETE', `/api/v1/actions/${action.id}/changes/${older}`);

      expect(res.status).toBe(204);
      const list = await app.call('GET', `/api/v1/actions/${action.id}/changes`, { as: as.viewer });
      expect(list.body.items.map((c: { id: number }) => c.id)).toEqual([newer]);
      expect((await getAction(action.id)).version).toBe(4);
      const events = await history(action.id);
      expect(events.map((e) => e.kind)).toEqual(['created', 'change_linked', 'change_linked', 'change_unlinked']);
      expect(events.at(-1)!.changes).toEqual({ change: [`#${older} older`, null] });
      expectProblem(await app.call('DELETE', `/api/v1/actions/${action.id}/changes/${older}`), 404);
    });

    it('answers 404 for an unknown action or change, refuses viewers, and changes nothing', async () => {
      const action = await createAction(app);
      const id = await createChange('untouched');
      const state = await storedState(app);
      expectProblem(await app.call('PUT', `/api/v1/actions/${action.id}/changes/987654321`), 404);
      expectProblem(await app.call('PUT', `/api/v1/actions/987654321/changes/${id}`), 404);
      expectProblem(await app.call('DELETE', `/api/v1/actions/${action.id}/changes/${id}`), 404);
      expectProblem(await app.call('GET', '/api/v1/actions/987654321/changes', { as: as.viewer }), 404);
      expectProblem(await app.call('PUT', `/api/v1/actions/${action.id}/changes/${id}`, { as: as.viewer }), 403);
      expect(await storedState(app)).toEqual(state);
    });

    it('goes with a deleted change', async () => {
      const action = await createAction(app);
      const id = await createChange('to be deleted');
      await app.call('PUT', `/api/v1/actions/${action.id}/changes/${id}`);
      await app.db.query('DELETE FROM changes WHERE id = $1', [id]);
      expect((await app.call('GET', `/api/v1/actions/${action.id}/changes`, { as: as.viewer })).body.items).toEqual([]);
    });
  });
});
