// Every endpoint and every status code of the contract
// (docs/api.md), through HTTP against the real app.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../app/routes';
import {
  as,
  createAction,
  createActionIn,
  ENGINES,
  expectProblem,
  startApp,
  storedState,
  uniqueWord,
  type Caller,
  type TestApp,
} from '../support/app';

// ------------------------------------------------- the contract, written out

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const ACTION_FIELDS = [
  'id',
  'key',
  'title',
  'description',
  'priority',
  'status',
  'owner',
  'component',
  'tags',
  'resolution_notes',
  'created_by',
  'created_at',
  'updated_by',
  'updated_at',
  'resolved_by',
  'resolved_at',
  'closed_by',
  'closed_at',
  'version',
  'evidence_count',
].sort();

const EVENT_FIELDS = ['id', 'action_id', 'at', 'actor', 'role', 'kind', 'from_status', 'to_status', 'changes', 'note'].sort();

type Status = 'open' | 'in_progress' | 'blocked' | 'resolved' | 'closed';
const STATUSES: Status[] = ['open', 'in_progress', 'blocked', 'resolved', 'closed'];
const ACTIVE: Status[] = ['open', 'in_progress', 'blocked'];

// The lifecycle table of the contract: from>to → lowest role, notes required.
const LIFECYCLE = new Map<string, { min: 'member' | 'lead'; notes: boolean }>();
for (const from of ACTIVE) {
  for (const to of ACTIVE) if (from !== to) LIFECYCLE.set(`${from}>${to}`, { min: 'member', notes: false });
  LIFECYCLE.set(`${from}>resolved`, { min: 'member', notes: true });
  LIFECYCLE.set(`${from}>closed`, { min: 'lead', notes: true });
}
LIFECYCLE.set('resolved>closed', { min: 'lead', notes: false });
LIFECYCLE.set('resolved>open', { min: 'member', notes: false });
LIFECYCLE.set('resolved>in_progress', { min: 'member', notes: false });
LIFECYCLE.set('closed>open', { min: 'lead', notes: false });

const PAIRS = STATUSES.flatMap((from) => STATUSES.map((to) => ({ from, to, rule: LIFECYCLE.get(`${from}>${to}`) })));
const ALLOWED = PAIRS.filter((p) => p.rule).map((p) => ({ ...p, min: p.rule!.min, notes: p.rule!.notes }));
const NOTES_REQUIRED = ALLOWED.filter((p) => p.notes);
const LEAD_ONLY = ALLOWED.filter((p) => p.min === 'lead');
const REFUSED = PAIRS.filter((p) => !p.rule);

const isFinished = (s: Status) => s === 'resolved' || s === 'closed';

const BUILT_COMMIT = 'c0ffee0123456789c0ffee0123456789c0ffee01';

describe.each(ENGINES)('Actions API contract on %s', (engine) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(engine, { config: { COMMIT_SHA: BUILT_COMMIT } });
  });
  afterAll(async () => {
    await app?.close();
  });

  const get = (id: number) => app.call('GET', `/api/v1/actions/${id}`, { as: as.viewer });
  const history = async (id: number) => (await app.call('GET', `/api/v1/actions/${id}/history`, { as: as.viewer })).body.items as any[];
  const move = (id: number, body: Record<string, unknown>, who: Caller = as.member, headers: Record<string, string> = {}) =>
    app.call('POST', `/api/v1/actions/${id}/status`, { as: who, body, headers });
  const list = (query: string, who: Caller = as.viewer) => app.call('GET', `/api/v1/actions?${query}`, { as: who });
  const listIds = async (query: string) => {
    const res = await list(query);
    expect(res.status, res.text).toBe(200);
    return (res.body.items as { id: number }[]).map((a) => a.id);
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  // --------------------------------------------------------------- health

  describe('GET /health', () => {
    it('answers 200 {"status":"ok"} without identity headers', async () => {
      const res = await app.call('GET', '/health', { as: null });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body.status).toBe('ok');
      // The commit of the build (COMMIT_SHA, set by the image): the deploy waits until every task reports the new one.
      expect(res.body.commit).toBe(BUILT_COMMIT);
    });

    it('answers 503 {"status":"error"} while the migrations are not at head', async () => {
      await app.db.exec('ALTER TABLE schema_migrations RENAME TO schema_migrations_hidden');
      try {
        const res = await app.call('GET', '/health', { as: null });
        expect(res.status).toBe(503);
        expect(res.body.status).toBe('error');
      } finally {
        await app.db.exec('ALTER TABLE schema_migrations_hidden RENAME TO schema_migrations');
      }
      expect((await app.call('GET', '/health', { as: null })).status).toBe(200);
    });
  });

  // --------------------------------------------------------------- create

  describe('POST /api/v1/actions', () => {
    it('creates an open action at version 1 with 201, Location and ETag', async () => {
      const res = await app.call('POST', '/api/v1/actions', { as: as.member, body: { title: 'Rotate RDS master password' } });
      expect(res.status).toBe(201);
      const action = res.body;
      expect(res.headers.get('location')).toBe(`/api/v1/actions/${action.id}`);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(Object.keys(action).sort()).toEqual(ACTION_FIELDS);
      expect(action).toMatchObject({
        id: expect.any(Number),
        key: `ACT-${action.id}`,
        title: 'Rotate RDS master password',
        description: null,
        priority: 'medium',
        status: 'open',
        owner: null,
        component: null,
        tags: [],
        resolution_notes: null,
        created_by: 'mia',
        updated_by: 'mia',
        resolved_by: null,
        resolved_at: null,
        closed_by: null,
        closed_at: null,
        version: 1,
        evidence_count: 0,
      });
      expect(action.created_at).toMatch(ISO);
      expect(action.updated_at).toBe(action.created_at);
      const stored = await app.call('GET', res.headers.get('location')!, { as: as.viewer });
      expect(stored.body).toEqual({ ...action, evidence: [] });
    });

    it('stores every field given, trimmed, with tags lower-cased and de-duplicated', async () => {
      const res = await app.call('POST', '/api/v1/actions', {
        body: {
          title: '  Rotate RDS master password  ',
          description: '  Secrets Manager rotation failed on prod\nsee runbook  ',
          priority: 'high',
          owner: ' alice ',
          component: ' rds ',
          tags: ['Prod', 'secrets', 'PROD', ' Secrets '],
        },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        title: 'Rotate RDS master password',
        description: 'Secrets Manager rotation failed on prod\nsee runbook',
        priority: 'high',
        owner: 'alice',
        component: 'rds',
        tags: ['prod', 'secrets'],
      });
      expect((await get(res.body.id)).body).toMatchObject({ owner: 'alice', tags: ['prod', 'secrets'] });
    });

    it.each([null, ''])('stores description, owner and component given as %j as null', async (empty) => {
      const res = await app.call('POST', '/api/v1/actions', {
        body: { title: 'Rotate', description: empty, owner: empty, component: empty },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ description: null, owner: null, component: null });
    });

    it('gives every new action its own id and key', async () => {
      const a = await createAction(app);
      const b = await createAction(app);
      expect(b.id).toBeGreaterThan(a.id);
      expect(b.key).toBe(`ACT-${b.id}`);
    });

    it('refuses a missing title with 400 naming title and stores nothing', async () => {
      const before = await storedState(app);
      const problem = expectProblem(await app.call('POST', '/api/v1/actions', { body: { priority: 'high' } }), 400);
      expect(problem.errors).toContainEqual({ path: 'title', message: 'is required' });
      expect(await storedState(app)).toEqual(before);
    });

    it('refuses a body that is not JSON with 415 and stores nothing', async () => {
      const before = await storedState(app);
      expectProblem(
        await app.call('POST', '/api/v1/actions', { body: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
        415,
      );
      expect(await storedState(app)).toEqual(before);
    });
  });

  // ------------------------------------------------------------------ get

  describe('GET /api/v1/actions/{id}', () => {
    it('returns the action with an empty evidence list and its version as ETag', async () => {
      const created = await createAction(app, { owner: 'bob' });
      const res = await get(created.id);
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.body).toEqual({ ...created, evidence: [] });
      await app.call('PATCH', `/api/v1/actions/${created.id}`, { body: { owner: 'alice' } });
      expect((await get(created.id)).headers.get('etag')).toBe('"2"');
    });

    it('answers 404 for an id that does not exist', async () => {
      const problem = expectProblem(await get(987654321), 404);
      expect(problem.instance).toBe('/api/v1/actions/987654321');
    });

    it.each(['abc', '0', '-1', '1.0', '1e0', '0x1', '01', '+1', '99999999999999999999'])(
      'answers 404 for the invalid id %s',
      async (id) => {
        await createAction(app);
        expectProblem(await app.call('GET', `/api/v1/actions/${id}`, { as: as.viewer }), 404);
      },
    );

    it('answers 404 once the action is deleted', async () => {
      const created = await createAction(app);
      expect((await app.call('DELETE', `/api/v1/actions/${created.id}`, { as: as.admin })).status).toBe(204);
      expectProblem(await get(created.id), 404);
    });
  });

  // ---------------------------------------------------------------- PATCH

  describe('PATCH /api/v1/actions/{id}', () => {
    it('edits the named fields, bumps the version by one and records who changed what', async () => {
      const created = await createAction(app, { owner: 'bob', priority: 'low', tags: ['prod'] });
      const res = await app.call('PATCH', `/api/v1/actions/${created.id}`, {
        as: as.lead,
        body: { owner: 'alice', priority: 'critical', tags: ['Prod', 'db'], title: created.title },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.body).toMatchObject({
        owner: 'alice',
        priority: 'critical',
        tags: ['prod', 'db'],
        version: 2,
        updated_by: 'lee',
        created_by: 'mia',
      });
      expect(res.body.updated_at >= created.updated_at).toBe(true);
      expect((await get(created.id)).body).toMatchObject({ owner: 'alice', version: 2 });
      const events = await history(created.id);
      expect(events).toHaveLength(2);
      expect(events[1]).toMatchObject({
        kind: 'updated',
        actor: 'lee',
        role: 'lead',
        changes: { owner: ['bob', 'alice'], priority: ['low', 'critical'], tags: [['prod'], ['prod', 'db']] },
      });
      expect(Object.keys(events[1].changes).sort()).toEqual(['owner', 'priority', 'tags']);
    });

    it('answers 200 without a version bump or history event when nothing really changes', async () => {
      const created = await createAction(app, { owner: 'bob', tags: ['prod'], description: 'same' });
      const before = await storedState(app);
      const res = await app.call('PATCH', `/api/v1/actions/${created.id}`, {
        body: { title: ` ${created.title} `, owner: 'bob', tags: ['PROD'], description: 'same', priority: 'medium' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.body).toEqual(created);
      expect(await storedState(app)).toEqual(before);
    });

    it.each([null, ''])('clears description, owner and component with %j', async (empty) => {
      const created = await createAction(app, { description: 'd', owner: 'bob', component: 'rds' });
      const res = await app.call('PATCH', `/api/v1/actions/${created.id}`, {
        body: { description: empty, owner: empty, component: empty },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ description: null, owner: null, component: null, version: 2 });
      expect((await history(created.id))[1].changes).toEqual({ description: ['d', null], owner: ['bob', null], component: ['rds', null] });
    });

    it('refuses an empty edit {} with 400', async () => {
      const created = await createAction(app);
      const before = await storedState(app);
      expectProblem(await app.call('PATCH', `/api/v1/actions/${created.id}`, { body: {} }), 400);
      expect(await storedState(app)).toEqual(before);
    });

    it.each([
      ['status', { status: 'closed' }],
      ['version', { title: 'New title', version: 7 }],
      ['resolution_notes', { resolution_notes: 'done' }],
      ['created_by', { created_by: 'eve' }],
    ])('refuses the field %s with 400 naming it and changes nothing', async (field, body) => {
      const created = await createAction(app);
      const before = await storedState(app);
      const problem = expectProblem(await app.call('PATCH', `/api/v1/actions/${created.id}`, { body }), 400);
      expect(problem.errors!.map((e) => e.path).join(' ')).toContain(field);
      expect(await storedState(app)).toEqual(before);
    });

    it('applies an edit whose If-Match names the current version', async () => {
      const created = await createAction(app);
      const res = await app.call('PATCH', `/api/v1/actions/${created.id}`, { body: { owner: 'alice' }, headers: { 'if-match': '"1"' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
    });

    it('refuses a stale If-Match with 412 carrying the current ETag, and changes nothing', async () => {
      const created = await createAction(app);
      await app.call('PATCH', `/api/v1/actions/${created.id}`, { body: { owner: 'alice' } });
      const before = await storedState(app);
      const res = await app.call('PATCH', `/api/v1/actions/${created.id}`, { body: { owner: 'bob' }, headers: { 'if-match': '"1"' } });
      expectProblem(res, 412);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(await storedState(app)).toEqual(before);
      expect((await get(created.id)).body).toMatchObject({ owner: 'alice', version: 2 });
    });

    it('answers 404 for an action that does not exist', async () => {
      expectProblem(await app.call('PATCH', '/api/v1/actions/987654321', { body: { owner: 'alice' } }), 404);
    });

    it('refuses a body that is not JSON with 415', async () => {
      const created = await createAction(app);
      const before = await storedState(app);
      expectProblem(
        await app.call('PATCH', `/api/v1/actions/${created.id}`, { body: 'owner=alice', headers: { 'content-type': 'text/plain' } }),
        415,
      );
      expect(await storedState(app)).toEqual(before);
    });
  });

  // ------------------------------------------------------------ lifecycle

  describe('POST /api/v1/actions/{id}/status', () => {
    it.each(ALLOWED)('moves $from → $to as $min', async ({ from, to, min, notes }) => {
      const action = await createActionIn(app, from);
      const body = notes ? { status: to, resolution_notes: 'Rotated by hand' } : { status: to };
      const res = await move(action.id, body, as[min]);
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('etag')).toBe(`"${action.version + 1}"`);
      expect(res.body).toMatchObject({ status: to, version: action.version + 1, updated_by: as[min].user });
      if (isFinished(to)) expect(res.body.resolution_notes).toEqual(expect.any(String));
      else expect(res.body.resolution_notes).toBeNull();
      const events = await history(action.id);
      expect(events.at(-1)).toMatchObject({ kind: 'status_changed', from_status: from, to_status: to, actor: as[min].user, role: min });
      expect((await get(action.id)).body.status).toBe(to);
    });

    it.each(LEAD_ONLY)('refuses $from → $to to a member with 403 and changes nothing', async ({ from, to }) => {
      const action = await createActionIn(app, from);
      const before = await storedState(app);
      expectProblem(await move(action.id, { status: to, ...(isFinished(to) ? { resolution_notes: 'done' } : {}) }, as.member), 403);
      expect(await storedState(app)).toEqual(before);
    });

    it.each(NOTES_REQUIRED)('refuses $from → $to without resolution notes with 422 naming resolution_notes', async ({ from, to, min }) => {
      const action = await createActionIn(app, from);
      const before = await storedState(app);
      for (const body of [{ status: to }, { status: to, resolution_notes: '   ' }]) {
        const problem = expectProblem(await move(action.id, body, as[min]), 422);
        expect(problem.errors).toContainEqual({ path: 'resolution_notes', message: expect.any(String) });
      }
      expect(await storedState(app)).toEqual(before);
    });

    it.each(REFUSED)('refuses $from → $to with 409 even for an admin', async ({ from, to }) => {
      const action = await createActionIn(app, from);
      const before = await storedState(app);
      expectProblem(await move(action.id, { status: to, ...(isFinished(to) ? { resolution_notes: 'done' } : {}) }, as.admin), 409);
      expect(await storedState(app)).toEqual(before);
    });

    it('refuses a change to the same status with 409', async () => {
      const action = await createAction(app);
      expectProblem(await move(action.id, { status: 'open' }), 409);
      expect((await get(action.id)).body.version).toBe(1);
    });

    it('resolving records the resolver and the trimmed notes', async () => {
      const action = await createAction(app);
      const res = await move(action.id, { status: 'resolved', resolution_notes: '  Rotated by hand  ' });
      expect(res.body).toMatchObject({
        status: 'resolved',
        resolution_notes: 'Rotated by hand',
        resolved_by: 'mia',
        closed_by: null,
        closed_at: null,
      });
      expect(res.body.resolved_at).toMatch(ISO);
    });

    it('closing a resolved action keeps its notes and resolver and records who closed it', async () => {
      const action = await createAction(app);
      await move(action.id, { status: 'resolved', resolution_notes: 'Rotated by hand' });
      const res = await move(action.id, { status: 'closed' }, as.lead);
      expect(res.body).toMatchObject({ status: 'closed', resolution_notes: 'Rotated by hand', resolved_by: 'mia', closed_by: 'lee' });
      expect(res.body.closed_at).toMatch(ISO);
    });

    it('a lead may close an open action straight away with notes', async () => {
      const action = await createAction(app);
      const res = await move(action.id, { status: 'closed', resolution_notes: 'Not needed any more' }, as.lead);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'closed', resolution_notes: 'Not needed any more', closed_by: 'lee' });
    });

    it('a member reopens a resolved action; the notes are cleared and stay in history', async () => {
      const action = await createAction(app);
      await move(action.id, { status: 'resolved', resolution_notes: 'Rotated by hand' });
      const res = await move(action.id, { status: 'in_progress' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'in_progress', resolution_notes: null, resolved_by: null, resolved_at: null });
      expect((await history(action.id)).at(-1)).toMatchObject({
        from_status: 'resolved',
        to_status: 'in_progress',
        changes: { resolution_notes: ['Rotated by hand', null] },
      });
    });

    it('a lead reopens a closed action; notes and closing are cleared and stay in history', async () => {
      const action = await createActionIn(app, 'closed');
      const res = await move(action.id, { status: 'open', note: 'It came back' }, as.lead);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'open', resolution_notes: null, closed_by: null, closed_at: null, resolved_by: null });
      expect((await history(action.id)).at(-1)).toMatchObject({
        from_status: 'closed',
        to_status: 'open',
        actor: 'lee',
        role: 'lead',
        changes: { resolution_notes: ['notes for closed', null] },
        note: 'It came back',
      });
    });

    it('refuses a member reopening a closed action with 403', async () => {
      const action = await createActionIn(app, 'closed');
      expectProblem(await move(action.id, { status: 'open' }, as.member), 403);
      expect((await get(action.id)).body.status).toBe('closed');
    });

    it('keeps the optional note on the history event', async () => {
      const action = await createAction(app);
      await move(action.id, { status: 'blocked', note: 'Waiting for the vendor' });
      expect((await history(action.id)).at(-1)).toMatchObject({ to_status: 'blocked', note: 'Waiting for the vendor', changes: null });
    });

    it('refuses resolution notes with a status that is not resolved or closed with 400', async () => {
      const action = await createAction(app);
      const before = await storedState(app);
      const problem = expectProblem(await move(action.id, { status: 'in_progress', resolution_notes: 'done' }), 400);
      expect(problem.errors!.map((e) => e.path)).toContain('resolution_notes');
      expect(await storedState(app)).toEqual(before);
    });

    it('refuses a stale If-Match with 412 carrying the current ETag', async () => {
      const action = await createAction(app);
      await move(action.id, { status: 'in_progress' });
      const before = await storedState(app);
      const res = await move(action.id, { status: 'blocked' }, as.member, { 'if-match': '"1"' });
      expectProblem(res, 412);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(await storedState(app)).toEqual(before);
      const fresh = await move(action.id, { status: 'blocked' }, as.member, { 'if-match': '"2"' });
      expect(fresh.status).toBe(200);
    });

    it('answers 404 for an action that does not exist', async () => {
      expectProblem(await move(987654321, { status: 'in_progress' }), 404);
    });

    it('refuses an unknown status with 400', async () => {
      const action = await createAction(app);
      const problem = expectProblem(await move(action.id, { status: 'done' }), 400);
      expect(problem.errors!.map((e) => e.path)).toContain('status');
    });

    it('refuses a body that is not JSON with 415', async () => {
      const action = await createAction(app);
      expectProblem(
        await app.call('POST', `/api/v1/actions/${action.id}/status`, { body: 'status=closed', headers: { 'content-type': 'text/plain' } }),
        415,
      );
    });

    it('a closed action always has resolution notes', async () => {
      await createActionIn(app, 'closed');
      const { rows } = await app.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM actions WHERE status = 'closed' AND (resolution_notes IS NULL OR btrim(resolution_notes) = '')`,
      );
      expect(rows[0]!.n).toBe(0);
    });
  });

  // -------------------------------------------------------------- history

  describe('GET /api/v1/actions/{id}/history', () => {
    it('lists every event oldest first with from/to, changes, actor and role', async () => {
      const action = await createAction(app, { owner: 'bob' });
      await app.call('PATCH', `/api/v1/actions/${action.id}`, { as: as.lead, body: { owner: 'alice' } });
      await move(action.id, { status: 'in_progress' });
      await move(action.id, { status: 'resolved', resolution_notes: 'Done' }, as.admin);
      const res = await app.call('GET', `/api/v1/actions/${action.id}/history`, { as: as.viewer });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['items']);
      const events = res.body.items as any[];
      for (const event of events) {
        expect(Object.keys(event).sort()).toEqual(EVENT_FIELDS);
        expect(event.action_id).toBe(action.id);
        expect(event.at).toMatch(ISO);
      }
      expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
      expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort());
      expect(events).toMatchObject([
        { kind: 'created', actor: 'mia', role: 'member', from_status: null, to_status: 'open', changes: null, note: null },
        { kind: 'updated', actor: 'lee', role: 'lead', from_status: null, to_status: null, changes: { owner: ['bob', 'alice'] } },
        { kind: 'status_changed', actor: 'mia', role: 'member', from_status: 'open', to_status: 'in_progress', changes: null },
        {
          kind: 'status_changed',
          actor: 'ada',
          role: 'admin',
          from_status: 'in_progress',
          to_status: 'resolved',
          changes: { resolution_notes: [null, 'Done'] },
        },
      ]);
    });

    it('answers 404 for an action that does not exist', async () => {
      expectProblem(await app.call('GET', '/api/v1/actions/987654321/history', { as: as.viewer }), 404);
    });
  });

  // --------------------------------------------------------------- delete

  describe('DELETE /api/v1/actions/{id}', () => {
    it('deletes with 204, then the action and its history answer 404', async () => {
      const action = await createAction(app);
      const res = await app.call('DELETE', `/api/v1/actions/${action.id}`, { as: as.admin });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expectProblem(await get(action.id), 404);
      expectProblem(await app.call('GET', `/api/v1/actions/${action.id}/history`, { as: as.viewer }), 404);
      expect(await listIds('include_closed=true&limit=200')).not.toContain(action.id);
      expectProblem(await app.call('DELETE', `/api/v1/actions/${action.id}`, { as: as.admin }), 404);
    });

    it('keeps a record of who deleted which action and when, newest first', async () => {
      const first = await createAction(app, { title: 'First to go' });
      const second = await createActionIn(app, 'closed', { title: 'Second to go' });
      await app.call('DELETE', `/api/v1/actions/${first.id}`, { as: as.admin });
      await app.call('DELETE', `/api/v1/actions/${second.id}`, { as: as.admin });
      const res = await app.call('GET', '/api/v1/deletions', { as: as.viewer });
      expect(res.status).toBe(200);
      const records = res.body.items as any[];
      const ours = records.filter((r) => r.action_id === first.id || r.action_id === second.id);
      expect(ours).toMatchObject([
        { action_id: second.id, key: `ACT-${second.id}`, title: 'Second to go', deleted_by: 'ada', role: 'admin' },
        { action_id: first.id, key: `ACT-${first.id}`, title: 'First to go', deleted_by: 'ada', role: 'admin' },
      ]);
      for (const record of ours) expect(record.deleted_at).toMatch(ISO);
      expect(records.findIndex((r) => r.action_id === second.id)).toBeLessThan(records.findIndex((r) => r.action_id === first.id));
      const one = await app.call('GET', '/api/v1/deletions?limit=1', { as: as.viewer });
      expect(one.body.items).toHaveLength(1);
      expect(one.body.items[0].action_id).toBe(second.id);
    });

    it('answers 404 for an action that does not exist and records no deletion', async () => {
      const before = await storedState(app);
      expectProblem(await app.call('DELETE', '/api/v1/actions/987654321', { as: as.admin }), 404);
      expect(await storedState(app)).toEqual(before);
    });
  });

  describe('GET /api/v1/me', () => {
    it.each(['viewer', 'member', 'lead', 'admin'] as const)('tells a %s who the identity headers say they are', async (role) => {
      const res = await app.call('GET', '/api/v1/me', { as: as[role] });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ user: as[role].user, role, identified_by: 'headers' });
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('answers 401 without identity headers, offering them (how the page learns no proxy sets them)', async () => {
      const res = await app.call('GET', '/api/v1/me', { as: null });
      expectProblem(res, 401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="infra-action-tracker", X-User realm="infra-action-tracker"');
    });
  });

  // ----------------------------------------------------------------- list

  describe('GET /api/v1/actions', () => {
    it('answers {items, next_cursor} with whole actions', async () => {
      const tag = uniqueWord('t');
      const action = await createAction(app, { tags: [tag] });
      const res = await list(`tag=${tag}`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['items', 'next_cursor']);
      expect(res.body).toEqual({ items: [action], next_cursor: null });
    });

    it('orders by priority (critical first), then updated_at newest first, then id descending', async () => {
      const tag = uniqueWord('t');
      const mk = (priority: string) => createAction(app, { priority, tags: [tag] });
      const low = await mk('low');
      const critOld = await mk('critical');
      const medA = await mk('medium');
      const high = await mk('high');
      const critNew = await mk('critical');
      const medB = await mk('medium');
      const at = (id: number, time: string) => app.db.query('UPDATE actions SET updated_at = $2 WHERE id = $1', [id, time]);
      await at(low.id, '2030-01-01T00:00:09.000Z');
      await at(critOld.id, '2030-01-01T00:00:01.000Z');
      await at(critNew.id, '2030-01-01T00:00:02.000Z');
      await at(high.id, '2030-01-01T00:00:00.000Z');
      await at(medA.id, '2030-01-01T00:00:05.000Z');
      await at(medB.id, '2030-01-01T00:00:05.000Z');
      expect(await listIds(`tag=${tag}`)).toEqual([critNew.id, critOld.id, high.id, medB.id, medA.id, low.id]);
    });

    it('moves an edited action ahead of older updates of the same priority', async () => {
      const tag = uniqueWord('t');
      const a = await createAction(app, { tags: [tag] });
      const b = await createAction(app, { tags: [tag] });
      expect(await listIds(`tag=${tag}`)).toEqual([b.id, a.id]);
      await pause(5);
      await app.call('PATCH', `/api/v1/actions/${a.id}`, { body: { owner: 'alice' } });
      expect(await listIds(`tag=${tag}`)).toEqual([a.id, b.id]);
    });

    it('filters by status and priority lists, owner, component and tag, combined', async () => {
      const tag = uniqueWord('t');
      const owner = uniqueWord('o');
      const component = uniqueWord('c');
      const a = await createActionIn(app, 'in_progress', { tags: [tag], priority: 'high', owner, component });
      const b = await createActionIn(app, 'blocked', { tags: [tag], priority: 'low', owner });
      const c = await createActionIn(app, 'open', { tags: [tag, 'extra'], priority: 'critical', component });
      const d = await createActionIn(app, 'resolved', { tags: [tag], priority: 'high' });
      const sorted = (ids: number[]) => [...ids].sort((x, y) => x - y);
      const ids = async (q: string) => sorted(await listIds(q));
      expect(await ids(`tag=${tag}`)).toEqual(sorted([a.id, b.id, c.id, d.id]));
      expect(await ids(`tag=${tag}&status=in_progress,blocked`)).toEqual(sorted([a.id, b.id]));
      expect(await ids(`tag=${tag}&status=resolved`)).toEqual([d.id]);
      expect(await ids(`tag=${tag}&priority=high,critical`)).toEqual(sorted([a.id, c.id, d.id]));
      expect(await ids(`owner=${owner}`)).toEqual(sorted([a.id, b.id]));
      expect(await ids(`component=${component}`)).toEqual(sorted([a.id, c.id]));
      expect(await ids(`owner=${owner}&component=${component}`)).toEqual([a.id]);
      expect(await ids(`tag=${tag.toUpperCase()}&priority=high&status=open,in_progress`)).toEqual([a.id]);
      expect(await ids(`tag=${tag}&priority=medium`)).toEqual([]);
    });

    it('searches title, description, resolution notes, owner, component and tags', async () => {
      const words = Array.from({ length: 6 }, () => uniqueWord('q'));
      const byTitle = await createAction(app, { title: `Rotate ${words[0]} keys` });
      const byDescription = await createAction(app, { description: `The ${words[1]} broke` });
      const byNotes = await createAction(app);
      await move(byNotes.id, { status: 'resolved', resolution_notes: `Fixed the ${words[2]}` });
      const byOwner = await createAction(app, { owner: words[3] });
      const byComponent = await createAction(app, { component: words[4] });
      const byTag = await createAction(app, { tags: [words[5]!] });
      const expected = [byTitle, byDescription, byNotes, byOwner, byComponent, byTag];
      for (const [i, word] of words.entries()) {
        expect(await listIds(`q=${word}`), word).toEqual([expected[i]!.id]);
      }
    });

    it('ANDs words, matches "quoted phrases" and excludes -words', async () => {
      const [x, y] = [uniqueWord('q'), uniqueWord('q')];
      const xy = await createAction(app, { title: `${x} ${y} rotation` });
      const yx = await createAction(app, { title: `${y} then ${x}` });
      const onlyX = await createAction(app, { title: `${x} alone` });
      const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
      expect(sorted(await listIds(`q=${x}`))).toEqual(sorted([xy.id, yx.id, onlyX.id]));
      expect(sorted(await listIds(`q=${encodeURIComponent(`${x} ${y}`)}`))).toEqual(sorted([xy.id, yx.id]));
      expect(await listIds(`q=${encodeURIComponent(`"${x} ${y}"`)}`)).toEqual([xy.id]);
      expect(await listIds(`q=${encodeURIComponent(`${x} -${y}`)}`)).toEqual([onlyX.id]);
      expect(await listIds(`q=${encodeURIComponent(`${x} ${uniqueWord('q')}`)}`)).toEqual([]);
    });

    it('combines q with filters', async () => {
      const word = uniqueWord('q');
      const high = await createAction(app, { title: `${word} one`, priority: 'high' });
      await createAction(app, { title: `${word} two`, priority: 'low' });
      expect(await listIds(`q=${word}&priority=high`)).toEqual([high.id]);
    });

    it('hides closed actions unless include_closed=true or status names closed', async () => {
      const tag = uniqueWord('t');
      const open = await createActionIn(app, 'open', { tags: [tag] });
      const resolved = await createActionIn(app, 'resolved', { tags: [tag] });
      const closed = await createActionIn(app, 'closed', { tags: [tag] });
      const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
      const ids = async (q: string) => sorted(await listIds(q));
      expect(await ids(`tag=${tag}`)).toEqual(sorted([open.id, resolved.id]));
      expect(await ids(`tag=${tag}&include_closed=false`)).toEqual(sorted([open.id, resolved.id]));
      expect(await ids(`tag=${tag}&include_closed=true`)).toEqual(sorted([open.id, resolved.id, closed.id]));
      expect(await ids(`tag=${tag}&status=closed`)).toEqual([closed.id]);
      expect(await ids(`tag=${tag}&status=open,closed`)).toEqual(sorted([open.id, closed.id]));
      expect(await ids(`tag=${tag}&status=closed&include_closed=false`)).toEqual([closed.id]);
    });

    it('pages 50 by default and accepts limits from 1 to 200', async () => {
      const tag = uniqueWord('t');
      for (let i = 0; i < 51; i++) await createAction(app, { tags: [tag] });
      const page = await list(`tag=${tag}`);
      expect(page.body.items).toHaveLength(50);
      expect(page.body.next_cursor).toEqual(expect.any(String));
      const one = await list(`tag=${tag}&limit=1`);
      expect(one.body.items).toHaveLength(1);
      const all = await list(`tag=${tag}&limit=200`);
      expect(all.status).toBe(200);
      expect(all.body.items).toHaveLength(51);
      expect(all.body.next_cursor).toBeNull();
    });

    it.each(['0', '201', 'abc'])('refuses limit=%s with 400 naming limit', async (limit) => {
      const problem = expectProblem(await list(`limit=${limit}`), 400);
      expect(problem.errors!.map((e) => e.path)).toContain('limit');
    });

    it('walks every action once through next_cursor, even while new actions arrive', async () => {
      const tag = uniqueWord('t');
      const created = [];
      for (const priority of ['low', 'high', 'medium', 'critical', 'medium', 'high', 'low'])
        created.push(await createAction(app, { tags: [tag], priority }));
      const everything = await listIds(`tag=${tag}&limit=200`);
      expect(everything).toHaveLength(7);
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await list(`tag=${tag}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((a: { id: number }) => a.id));
        cursor = res.body.next_cursor;
        pages++;
        // New actions sort ahead of the walk; they must not shift what comes next.
        if (pages === 1) for (const priority of ['critical', 'high']) await createAction(app, { tags: [tag], priority });
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(everything);
    });

    it('refuses a cursor it did not issue with 400', async () => {
      const problem = expectProblem(await list('cursor=not-a-cursor'), 400);
      expect(problem.errors!.map((e) => e.path)).toContain('cursor');
    });
  });

  // ----------------------------------------------------- paths and methods

  describe('paths, methods and HEAD', () => {
    it.each([
      ['PUT', '/api/v1/actions', ['GET', 'HEAD', 'POST']],
      ['DELETE', '/api/v1/actions', ['GET', 'HEAD', 'POST']],
      ['POST', '/api/v1/actions/1', ['GET', 'HEAD', 'PATCH', 'DELETE']],
      ['PUT', '/api/v1/actions/1', ['GET', 'HEAD', 'PATCH', 'DELETE']],
      ['GET', '/api/v1/actions/1/status', ['POST']],
      ['DELETE', '/api/v1/actions/1/history', ['GET', 'HEAD']],
      ['POST', '/health', ['GET', 'HEAD']],
      ['POST', '/api/v1/openapi.json', ['GET', 'HEAD']],
      ['PATCH', '/api/v1/deletions', ['GET', 'HEAD']],
    ])('answers %s %s with 405 and Allow', async (method, path, allow) => {
      const before = await storedState(app);
      const res = await app.call(method, path, { as: as.admin });
      expectProblem(res, 405);
      const allowed = res.headers
        .get('allow')!
        .split(',')
        .map((m) => m.trim());
      expect(allowed.sort()).toEqual([...allow].sort());
      expect(await storedState(app)).toEqual(before);
    });

    it.each(['/api/v1/nothing', '/api/v1/actions/1/comments', '/api/v2/actions', '/api/v1/action'])('answers %s with 404', async (path) => {
      const res = await app.call('GET', path, { as: as.admin });
      expectProblem(res, 404);
      expect(res.body.instance).toBe(path);
    });

    it('answers HEAD like GET, without a body', async () => {
      const action = await createAction(app);
      for (const path of [
        `/api/v1/actions/${action.id}`,
        '/api/v1/actions',
        `/api/v1/actions/${action.id}/history`,
        '/api/v1/deletions',
        '/health',
        '/api/v1/openapi.json',
      ]) {
        const head = await app.call('HEAD', path, { as: as.viewer });
        const getRes = await app.call('GET', path, { as: as.viewer });
        expect(head.status, path).toBe(200);
        expect(head.text).toBe('');
        expect(head.headers.get('content-type')).toBe(getRes.headers.get('content-type'));
        expect(head.headers.get('x-request-id')).toEqual(expect.any(String));
      }
      expect((await app.call('HEAD', `/api/v1/actions/${action.id}`, { as: as.viewer })).headers.get('etag')).toBe('"1"');
      expect((await app.call('HEAD', '/api/v1/actions/987654321', { as: as.viewer })).status).toBe(404);
      expect((await app.call('HEAD', '/api/v1/actions', { as: null })).status).toBe(401);
    });
  });

  // -------------------------------------------------------------- openapi

  describe('GET /api/v1/openapi.json', () => {
    it('is served without identity and lists every route of the route table with its method', async () => {
      const res = await app.call('GET', '/api/v1/openapi.json', { as: null });
      expect(res.status).toBe(200);
      expect(res.body.openapi).toMatch(/^3\./);
      expect(OPERATIONS.length).toBeGreaterThan(0);
      for (const route of OPERATIONS) {
        const documented = res.body.paths?.[route.spec.path]?.[route.spec.method.toLowerCase()];
        expect(documented, `${route.spec.method} ${route.spec.path}`).toBeDefined();
        expect(Object.keys(documented.responses)).toContain(String(route.spec.success.status));
      }
      const documentedCount = Object.values(res.body.paths as Record<string, object>).reduce((n, ops) => n + Object.keys(ops).length, 0);
      expect(documentedCount).toBe(OPERATIONS.length);
    });

    it('documents the contract routes with their success codes', async () => {
      const doc = (await app.call('GET', '/api/v1/openapi.json', { as: null })).body;
      const contract: [string, string, number][] = [
        ['get', '/health', 200],
        ['get', '/api/v1/actions', 200],
        ['post', '/api/v1/actions', 201],
        ['get', '/api/v1/actions/{id}', 200],
        ['patch', '/api/v1/actions/{id}', 200],
        ['post', '/api/v1/actions/{id}/status', 200],
        ['delete', '/api/v1/actions/{id}', 204],
        ['get', '/api/v1/actions/{id}/history', 200],
      ];
      for (const [method, path, status] of contract) {
        expect(doc.paths[path]?.[method]?.responses?.[status], `${method} ${path}`).toBeDefined();
      }
    });
  });

  // ---------------------------------------------------------- request ids

  describe('X-Request-Id', () => {
    it('echoes a sane caller id on success, client errors and unrouted paths', async () => {
      const action = await createAction(app);
      const cases: [string, string, number, unknown?][] = [
        ['GET', `/api/v1/actions/${action.id}`, 200],
        ['POST', '/api/v1/actions', 201, { title: 'x' }],
        ['POST', '/api/v1/actions', 400, {}],
        ['GET', '/api/v1/actions/987654321', 404],
        ['GET', '/api/v1/nothing', 404],
        ['PUT', '/api/v1/actions', 405],
        ['GET', '/health', 200],
      ];
      for (const [method, path, status, body] of cases) {
        const id = `req-${uniqueWord('r')}`;
        const res = await app.call(method, path, { body, headers: { 'x-request-id': id } });
        expect(res.status, `${method} ${path}`).toBe(status);
        expect(res.headers.get('x-request-id'), `${method} ${path}`).toBe(id);
        if (status >= 400) expect(res.body.request_id).toBe(id);
      }
      const deleted = await app.call('DELETE', `/api/v1/actions/${action.id}`, { as: as.admin, headers: { 'x-request-id': 'delete-1' } });
      expect(deleted.status).toBe(204);
      expect(deleted.headers.get('x-request-id')).toBe('delete-1');
    });

    it.each([
      ['with spaces', 'has spaces in it'],
      ['of 200 characters', 'a'.repeat(200)],
      ['with a quote', 'abc"def'],
    ])('replaces an insane caller id (%s) with its own', async (_, insane) => {
      for (const path of ['/api/v1/actions', '/api/v1/actions/987654321', '/api/v1/nothing']) {
        const res = await app.call('GET', path, { as: as.viewer, headers: { 'x-request-id': insane } });
        const id = res.headers.get('x-request-id');
        expect(id).toEqual(expect.stringMatching(/^[A-Za-z0-9._:@=+/-]{1,128}$/));
        expect(id).not.toBe(insane);
      }
    });

    it('gives every response an id even when the caller sends none, a new one each time', async () => {
      const a = await app.call('GET', '/api/v1/actions', { as: as.viewer });
      const b = await app.call('GET', '/api/v1/actions', { as: as.viewer });
      expect(a.headers.get('x-request-id')).toEqual(expect.any(String));
      expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
    });
  });
});
