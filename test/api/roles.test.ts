// The role × route matrix of the contract: every route (evidence aside) ×
// every kind of caller, with the expected answer derived from the contract's
// tables written out below — not from lib/domain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createAction, createActionIn, ENGINES, expectProblem, startApp, storedState, type TestApp } from '../support/app';

// ------------------------------------------------- the contract, written out

type Role = 'viewer' | 'member' | 'lead' | 'admin';
const LADDER: Role[] = ['viewer', 'member', 'lead', 'admin'];

/** One request of the contract's endpoint table; `who` is the lowest role that may make it, or anyone. */
interface RouteCase {
  name: string;
  method: string;
  path: string;
  who: Role | 'anyone';
  success: number;
  /** Builds the request against fresh data. */
  prepare(app: TestApp): Promise<{ path: string; body?: unknown }>;
}

const fresh = async (app: TestApp, status = 'open') => (await createActionIn(app, status)).id;

const ROUTES: RouteCase[] = [
  { name: 'health', method: 'GET', path: '/health', who: 'anyone', success: 200, prepare: async () => ({ path: '/health' }) },
  {
    name: 'OpenAPI document',
    method: 'GET',
    path: '/api/v1/openapi.json',
    who: 'anyone',
    success: 200,
    prepare: async () => ({ path: '/api/v1/openapi.json' }),
  },
  {
    name: 'list actions',
    method: 'GET',
    path: '/api/v1/actions',
    who: 'viewer',
    success: 200,
    prepare: async () => ({ path: '/api/v1/actions' }),
  },
  {
    name: 'create an action',
    method: 'POST',
    path: '/api/v1/actions',
    who: 'member',
    success: 201,
    prepare: async () => ({ path: '/api/v1/actions', body: { title: 'Rotate keys' } }),
  },
  {
    name: 'read an action',
    method: 'GET',
    path: '/api/v1/actions/{id}',
    who: 'viewer',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}` }),
  },
  {
    name: 'edit an action',
    method: 'PATCH',
    path: '/api/v1/actions/{id}',
    who: 'member',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}`, body: { owner: 'alice' } }),
  },
  {
    name: 'move open → in_progress',
    method: 'POST',
    path: '/api/v1/actions/{id}/status',
    who: 'member',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}/status`, body: { status: 'in_progress' } }),
  },
  {
    name: 'resolve with notes',
    method: 'POST',
    path: '/api/v1/actions/{id}/status',
    who: 'member',
    success: 200,
    prepare: async (app) => ({
      path: `/api/v1/actions/${await fresh(app, 'blocked')}/status`,
      body: { status: 'resolved', resolution_notes: 'Done' },
    }),
  },
  {
    name: 'reopen a resolved action',
    method: 'POST',
    path: '/api/v1/actions/{id}/status',
    who: 'member',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app, 'resolved')}/status`, body: { status: 'open' } }),
  },
  {
    name: 'close a resolved action',
    method: 'POST',
    path: '/api/v1/actions/{id}/status',
    who: 'lead',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app, 'resolved')}/status`, body: { status: 'closed' } }),
  },
  {
    name: 'close an open action with notes',
    method: 'POST',
    path: '/api/v1/actions/{id}/status',
    who: 'lead',
    success: 200,
    prepare: async (app) => ({
      path: `/api/v1/actions/${await fresh(app)}/status`,
      body: { status: 'closed', resolution_notes: 'Won’t fix' },
    }),
  },
  {
    name: 'reopen a closed action',
    method: 'POST',
    path: '/api/v1/actions/{id}/status',
    who: 'lead',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app, 'closed')}/status`, body: { status: 'open' } }),
  },
  {
    name: 'delete an action',
    method: 'DELETE',
    path: '/api/v1/actions/{id}',
    who: 'admin',
    success: 204,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}` }),
  },
  {
    name: 'read the history',
    method: 'GET',
    path: '/api/v1/actions/{id}/history',
    who: 'viewer',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}/history` }),
  },
  {
    name: 'list deletions',
    method: 'GET',
    path: '/api/v1/deletions',
    who: 'viewer',
    success: 200,
    prepare: async () => ({ path: '/api/v1/deletions' }),
  },
];

/** The identity headers a caller sends, and the role they prove (none when missing or malformed). */
interface CallerCase {
  name: string;
  headers: Record<string, string>;
  role?: Role;
}

const CALLERS: CallerCase[] = [
  { name: 'no identity headers', headers: {} },
  { name: 'X-User without X-Role', headers: { 'x-user': 'mia' } },
  { name: 'X-Role without X-User', headers: { 'x-role': 'admin' } },
  { name: 'X-User "bad user!"', headers: { 'x-user': 'bad user!', 'x-role': 'admin' } },
  { name: 'X-User of 65 characters', headers: { 'x-user': 'a'.repeat(65), 'x-role': 'admin' } },
  { name: 'an empty X-User', headers: { 'x-user': '', 'x-role': 'admin' } },
  { name: 'X-User with a slash', headers: { 'x-user': 'mia/admin', 'x-role': 'admin' } },
  { name: 'the unknown role "superuser"', headers: { 'x-user': 'mia', 'x-role': 'superuser' } },
  { name: 'the role "Admin" in another case', headers: { 'x-user': 'mia', 'x-role': 'Admin' } },
  { name: 'an empty X-Role', headers: { 'x-user': 'mia', 'x-role': '' } },
  ...LADDER.map((role) => ({ name: role, headers: { 'x-user': `${role}.user`, 'x-role': role }, role })),
];

function expectedStatus(route: RouteCase, caller: CallerCase): number {
  if (route.who === 'anyone') return route.success;
  if (!caller.role) return 401;
  return LADDER.indexOf(caller.role) >= LADDER.indexOf(route.who) ? route.success : 403;
}

const MATRIX = ROUTES.flatMap((route) =>
  CALLERS.map((caller) => ({ route, caller, expected: expectedStatus(route, caller), label: `${route.method} ${route.name}` })),
);

describe.each(ENGINES)('roles on %s', (engine) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(engine);
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('role × route matrix', () => {
    it.each(MATRIX)('$label as $caller.name → $expected', async ({ route, caller, expected }) => {
      const request = await route.prepare(app);
      const before = await storedState(app);
      const res = await app.call(route.method, request.path, { as: null, headers: caller.headers, body: request.body });
      if (expected >= 400) {
        expectProblem(res, expected);
        // A refused request changes nothing.
        expect(await storedState(app)).toEqual(before);
      } else {
        expect(res.status, res.text).toBe(expected);
        if (route.method !== 'GET' && caller.role) {
          expect(await storedState(app)).not.toEqual(before);
        }
      }
    });
  });

  describe('identity', () => {
    it('accepts a 64-character X-User of every allowed character and records it as the actor', async () => {
      const user = `AZaz09._@-${'x'.repeat(54)}`;
      expect(user).toHaveLength(64);
      const res = await app.call('POST', '/api/v1/actions', { as: { user, role: 'member' }, body: { title: 'Rotate keys' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ created_by: user, updated_by: user });
      const events = (await app.call('GET', `/api/v1/actions/${res.body.id}/history`, { as: as.viewer })).body.items;
      expect(events[0]).toMatchObject({ actor: user, role: 'member' });
    });

    it('records the role each event was made with', async () => {
      const action = await createAction(app);
      await app.call('PATCH', `/api/v1/actions/${action.id}`, { as: as.admin, body: { owner: 'alice' } });
      await app.call('POST', `/api/v1/actions/${action.id}/status`, { as: as.lead, body: { status: 'closed', resolution_notes: 'Done' } });
      const events = (await app.call('GET', `/api/v1/actions/${action.id}/history`, { as: as.viewer })).body.items;
      expect(events.map((e: { actor: string; role: string }) => [e.actor, e.role])).toEqual([
        ['mia', 'member'],
        ['ada', 'admin'],
        ['lee', 'lead'],
      ]);
    });
  });

  describe('order of the checks: identity 401, then role 403, then body 415/400, then path 404', () => {
    const malformed = { body: '{"title": ', headers: { 'content-type': 'application/json' } };
    const wrongType = { body: '{"title":"x"}', headers: { 'content-type': 'text/plain' } };

    it('asks for identity before reading a malformed or wrongly typed body', async () => {
      expectProblem(await app.call('POST', '/api/v1/actions', { as: null, ...malformed }), 401);
      expectProblem(await app.call('POST', '/api/v1/actions', { as: null, ...wrongType }), 401);
      expectProblem(await app.call('POST', '/api/v1/actions', { as: { user: 'bad user!', role: 'member' }, ...malformed }), 401);
    });

    it('checks the role before reading the body', async () => {
      expectProblem(await app.call('POST', '/api/v1/actions', { as: as.viewer, ...malformed }), 403);
      expectProblem(await app.call('POST', '/api/v1/actions', { as: as.viewer, ...wrongType }), 403);
      const action = await createAction(app);
      expectProblem(
        await app.call('DELETE', `/api/v1/actions/${action.id}`, {
          as: as.lead,
          body: '{',
          headers: { 'content-type': 'application/json' },
        }),
        403,
      );
    });

    it('checks the content type, then the JSON, then the fields', async () => {
      expectProblem(
        await app.call('POST', '/api/v1/actions', { as: as.member, body: '{"title": ', headers: { 'content-type': 'text/plain' } }),
        415,
      );
      expect(expectProblem(await app.call('POST', '/api/v1/actions', { as: as.member, ...malformed }), 400).type).toMatch(
        /malformed-json$/,
      );
      expect(expectProblem(await app.call('POST', '/api/v1/actions', { as: as.member, body: { title: '' } }), 400).errors).toContainEqual({
        path: 'title',
        message: expect.any(String),
      });
    });

    it('asks for identity and role before looking at the path id', async () => {
      expectProblem(await app.call('GET', '/api/v1/actions/abc', { as: null }), 401);
      expectProblem(await app.call('PATCH', '/api/v1/actions/abc', { as: as.viewer, body: { owner: 'x' } }), 403);
      expectProblem(await app.call('DELETE', '/api/v1/actions/987654321', { as: as.member }), 403);
      expectProblem(await app.call('GET', '/api/v1/actions/abc', { as: as.viewer }), 404);
    });

    it('refuses a member closing with 403 even without notes (role before the notes rule)', async () => {
      const action = await createAction(app);
      expectProblem(await app.call('POST', `/api/v1/actions/${action.id}/status`, { as: as.member, body: { status: 'closed' } }), 403);
    });
  });

  describe('the OpenAPI document', () => {
    it('states the same lowest role as the contract for every route', async () => {
      const doc = (await app.call('GET', '/api/v1/openapi.json', { as: null })).body;
      for (const route of ROUTES) {
        const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
        expect(operation, `${route.method} ${route.path}`).toBeDefined();
        // The status endpoint's lowest role is member; lead+ is for closing and reopening closed actions.
        const lowest = ROUTES.filter((r) => r.method === route.method && r.path === route.path).map((r) => r.who);
        const expected = lowest.includes('anyone') ? undefined : LADDER.find((role) => lowest.includes(role));
        expect(operation['x-min-role'], `${route.method} ${route.path}`).toBe(expected);
      }
    });
  });
});
