// The Hosts API and host activity, through HTTP against the real app: CRUD,
// unique names whatever their case, conditional edits, the list's filters and
// both orders paged by keyset, roles, activity, and what a delete takes along.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHostCursor } from '../../lib/db/host-cursor';
import { as, createAction, ENGINES, expectProblem, startApp, uniqueWord, type Caller, type TestApp } from '../support/app';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const HOST_FIELDS = [
  'id',
  'hostname',
  'ip_addresses',
  'os',
  'environment',
  'component',
  'tags',
  'instance_id',
  'source',
  'status',
  'probe_port',
  'last_seen',
  'last_probed_at',
  'created_by',
  'created_at',
  'updated_by',
  'updated_at',
  'version',
].sort();

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe.each(ENGINES)('hosts on %s', (engine) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(engine);
  });
  afterAll(async () => {
    await app?.close();
  });

  const createHost = async (fields: Record<string, unknown> = {}, who: Caller = as.member) => {
    const res = await app.call('POST', '/api/v1/hosts', { as: who, body: { hostname: uniqueWord('h'), ...fields } });
    if (res.status !== 201) throw new Error(`host create failed: ${res.status} ${res.text}`);
    return res.body;
  };
  const hostCount = async () => (await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM hosts')).rows[0]!.n;
  const hostRow = async (id: number) => (await app.db.query('SELECT * FROM hosts WHERE id = $1', [id])).rows[0];
  const list = (query: string, who: Caller = as.viewer) => app.call('GET', `/api/v1/hosts?${query}`, { as: who });
  const names = async (query: string) => {
    const res = await list(query);
    expect(res.status, res.text).toBe(200);
    return (res.body.items as { hostname: string }[]).map((h) => h.hostname);
  };
  const activity = async (id: number, query = '') => {
    const res = await app.call('GET', `/api/v1/hosts/${id}/activity${query}`, { as: as.viewer });
    expect(res.status, res.text).toBe(200);
    return res.body;
  };
  /** Every page of a query, following next_cursor. */
  const allPages = async (query: string, from: string | null = null) => {
    const seen: string[] = [];
    let cursor: string | null = from;
    let pages = 0;
    do {
      const res = await list(`${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, res.text).toBe(200);
      seen.push(...(res.body.items as { hostname: string }[]).map((h) => h.hostname));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor && pages < 50);
    return { seen, pages };
  };

  // ------------------------------------------------------------------ CRUD

  describe('create and read', () => {
    it('creates a host with its defaults, 201, Location and ETag, and reads it back', async () => {
      const hostname = uniqueWord('web');
      const res = await app.call('POST', '/api/v1/hosts', { as: as.member, body: { hostname } });
      expect(res.status, res.text).toBe(201);
      const host = res.body;
      expect(res.headers.get('location')).toBe(`/api/v1/hosts/${host.id}`);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(Object.keys(host).sort()).toEqual(HOST_FIELDS);
      expect(host).toMatchObject({
        hostname,
        ip_addresses: [],
        os: null,
        environment: null,
        component: null,
        tags: [],
        instance_id: null,
        source: 'manual',
        status: 'unknown',
        probe_port: null,
        last_seen: null,
        last_probed_at: null,
        created_by: 'mia',
        updated_by: 'mia',
        version: 1,
      });
      expect(host.created_at).toMatch(ISO);
      const read = await app.call('GET', `/api/v1/hosts/${host.id}`, { as: as.viewer });
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe('"1"');
      expect(read.body).toEqual(host);
    });

    it('keeps every field it is given, tags lower-cased and addresses without repeats', async () => {
      const host = await createHost({
        ip_addresses: ['10.0.0.5', '10.0.0.5', '2001:db8::1'],
        os: 'Ubuntu 24.04',
        environment: 'prod',
        component: 'payments',
        tags: ['DB', 'db', 'primary'],
        instance_id: 'i-0abc123',
        source: 'terraform',
        status: 'healthy',
        probe_port: 5432,
      });
      expect(host).toMatchObject({
        ip_addresses: ['10.0.0.5', '2001:db8::1'],
        os: 'Ubuntu 24.04',
        environment: 'prod',
        component: 'payments',
        tags: ['db', 'primary'],
        instance_id: 'i-0abc123',
        source: 'terraform',
        status: 'healthy',
        probe_port: 5432,
      });
      expect(await hostRow(host.id)).toMatchObject({ instance_id: 'i-0abc123', probe_port: 5432, status: 'healthy' });
    });

    it('refuses a duplicate host name, in the same or another case, with 409 and stores nothing', async () => {
      const hostname = uniqueWord('dup');
      await createHost({ hostname });
      const before = await hostCount();
      for (const again of [hostname, hostname.toUpperCase()]) {
        const problem = expectProblem(await app.call('POST', '/api/v1/hosts', { body: { hostname: again } }), 409);
        expect(problem.type).toMatch(/\/already-exists$/);
      }
      expect(await hostCount()).toBe(before);
    });

    it('refuses wrong fields, naming each, and stores nothing', async () => {
      const before = await hostCount();
      for (const [body, path] of [
        [{}, 'hostname'],
        [{ hostname: 'has space' }, 'hostname'],
        [{ hostname: '-leading' }, 'hostname'],
        [{ hostname: 'a'.repeat(254) }, 'hostname'],
        [{ hostname: uniqueWord(), ip_addresses: ['10.0.0.300'] }, 'ip_addresses.0'],
        [{ hostname: uniqueWord(), source: 'cloud' }, 'source'],
        [{ hostname: uniqueWord(), status: 'down' }, 'status'],
        [{ hostname: uniqueWord(), probe_port: 70000 }, 'probe_port'],
        [{ hostname: uniqueWord(), last_seen: '2026-01-01T00:00:00.000Z' }, 'last_seen'],
      ] as const) {
        const problem = expectProblem(await app.call('POST', '/api/v1/hosts', { body }), 400);
        expect([...new Set(problem.errors?.map((e) => e.path))], JSON.stringify(body)).toEqual([path]);
      }
      expect(await hostCount()).toBe(before);
    });

    it('answers 404 for a host that does not exist, and for an id that names nothing', async () => {
      expectProblem(await app.call('GET', '/api/v1/hosts/987654321', { as: as.viewer }), 404);
      expectProblem(await app.call('GET', '/api/v1/hosts/abc', { as: as.viewer }), 404);
      expectProblem(await app.call('PATCH', '/api/v1/hosts/987654321', { body: { os: 'x' } }), 404);
      expectProblem(await app.call('DELETE', '/api/v1/hosts/987654321', { as: as.admin }), 404);
    });
  });

  describe('update', () => {
    it('writes only what changes: an edit that changes nothing keeps the version', async () => {
      const host = await createHost({ os: 'Debian 12', tags: ['a'] });
      const res = await app.call('PATCH', `/api/v1/hosts/${host.id}`, { as: as.lead, body: { os: 'Debian 13', tags: ['a', 'b'] } });
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.body).toMatchObject({ os: 'Debian 13', tags: ['a', 'b'], version: 2, updated_by: 'lee', created_by: 'mia' });
      const same = await app.call('PATCH', `/api/v1/hosts/${host.id}`, { body: { os: 'Debian 13', tags: ['A', 'b'] } });
      expect(same.status).toBe(200);
      expect(same.body.version).toBe(2);
      expect(same.headers.get('etag')).toBe('"2"');
      // Clearing a field with an empty string or null.
      const cleared = await app.call('PATCH', `/api/v1/hosts/${host.id}`, { body: { os: '', probe_port: null } });
      expect(cleared.body).toMatchObject({ os: null, probe_port: null, version: 3 });
      expect((await hostRow(host.id))!.os).toBeNull();
    });

    it('refuses an empty edit, the source, and unknown fields', async () => {
      const host = await createHost();
      for (const body of [{}, { source: 'ansible' }, { version: 7 }]) {
        expectProblem(await app.call('PATCH', `/api/v1/hosts/${host.id}`, { body }), 400);
      }
      expect((await hostRow(host.id))!.version).toBe(1);
    });

    it('with If-Match, edits only that version: another is 412 with the current ETag and changes nothing', async () => {
      const host = await createHost();
      await app.call('PATCH', `/api/v1/hosts/${host.id}`, { body: { os: 'one' } });
      const stale = expectProblem(
        await app.call('PATCH', `/api/v1/hosts/${host.id}`, { body: { os: 'two' }, headers: { 'if-match': '"1"' } }),
        412,
      );
      expect(stale.type).toMatch(/\/stale-version$/);
      const current = await app.call('GET', `/api/v1/hosts/${host.id}`, { as: as.viewer });
      expect(current.body).toMatchObject({ os: 'one', version: 2 });
      const refused = await app.call('PATCH', `/api/v1/hosts/${host.id}`, { body: { os: 'two' }, headers: { 'if-match': '"1"' } });
      expect(refused.headers.get('etag')).toBe('"2"');
      const ok = await app.call('PATCH', `/api/v1/hosts/${host.id}`, { body: { os: 'two' }, headers: { 'if-match': 'W/"2"' } });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ os: 'two', version: 3 });
      const any = await app.call('PATCH', `/api/v1/hosts/${host.id}`, { body: { os: 'three' }, headers: { 'if-match': '*' } });
      expect(any.body.version).toBe(4);
      expectProblem(await app.call('PATCH', `/api/v1/hosts/${host.id}`, { body: { os: 'x' }, headers: { 'if-match': 'v4' } }), 400);
    });

    it('refuses a rename onto another host’s name in any case with 409; a change of its own case is fine', async () => {
      const taken = await createHost();
      const host = await createHost();
      for (const hostname of [taken.hostname, taken.hostname.toUpperCase()]) {
        const problem = expectProblem(await app.call('PATCH', `/api/v1/hosts/${host.id}`, { body: { hostname, os: 'x' } }), 409);
        expect(problem.type).toMatch(/\/already-exists$/);
      }
      expect(await hostRow(host.id)).toMatchObject({ hostname: host.hostname, os: null, version: 1 });
      const recased = await app.call('PATCH', `/api/v1/hosts/${host.id}`, { body: { hostname: host.hostname.toUpperCase() } });
      expect(recased.status, recased.text).toBe(200);
      expect(recased.body).toMatchObject({ hostname: host.hostname.toUpperCase(), version: 2 });
    });

    it('records a status set by hand as activity, and nothing for other edits', async () => {
      const host = await createHost();
      await app.call('PATCH', `/api/v1/hosts/${host.id}`, { body: { os: 'Alpine' } });
      expect((await activity(host.id)).items).toEqual([]);
      const res = await app.call('PATCH', `/api/v1/hosts/${host.id}`, { as: as.lead, body: { status: 'unhealthy' } });
      expect(res.body).toMatchObject({ status: 'unhealthy', version: 3 });
      const [row] = (await activity(host.id)).items;
      expect(row).toMatchObject({
        host_id: host.id,
        kind: 'other',
        summary: 'Status set to unhealthy by hand',
        outcome: 'succeeded',
        from_status: 'unknown',
        to_status: 'unhealthy',
        action_id: null,
        change_id: null,
        actor: 'lee',
      });
      expect(row.at).toMatch(ISO);
      // The same status again is no change, and no activity.
      await app.call('PATCH', `/api/v1/hosts/${host.id}`, { body: { status: 'unhealthy' } });
      expect((await activity(host.id)).items).toHaveLength(1);
    });
  });

  // --------------------------------------------------------------- filters

  describe('list filters', () => {
    let tag: string;
    let prefix: string;
    let seeded: Record<string, { id: number; hostname: string }>;
    beforeAll(async () => {
      tag = uniqueWord('t');
      prefix = uniqueWord('f');
      const seed: [string, Record<string, unknown>][] = [
        ['web-a', { status: 'healthy', environment: 'prod', component: 'shop', ip_addresses: ['10.1.0.1'] }],
        ['WEB-B', { status: 'unhealthy', environment: 'prod', component: 'shop', instance_id: 'i-0feed' }],
        ['db-a', { status: 'unknown', environment: 'staging', component: 'db', tags: [tag, 'primary'] }],
        ['old-a', { status: 'retired', environment: 'prod', component: 'shop' }],
      ];
      seeded = {};
      for (const [name, fields] of seed) {
        const tags = (fields.tags as string[] | undefined) ?? [tag];
        seeded[name] = await createHost({ ...fields, tags, hostname: `${prefix}-${name}` });
      }
    });
    const q = (query: string) => names(`tag=${tag}&${query}`);
    const short = (list: string[]) => list.map((n) => n.slice(prefix.length + 1));

    it('hides retired hosts unless include_retired is true or status names retired', async () => {
      expect(short(await q(''))).toEqual(['db-a', 'web-a', 'WEB-B']);
      expect(short(await q('include_retired=true'))).toEqual(['db-a', 'old-a', 'web-a', 'WEB-B']);
      expect(short(await q('status=retired'))).toEqual(['old-a']);
      expect(short(await q('include_retired=false&status=retired,healthy'))).toEqual(['old-a', 'web-a']);
    });

    it('filters by status list, environment, component and tag, combined', async () => {
      expect(short(await q('status=healthy,unhealthy'))).toEqual(['web-a', 'WEB-B']);
      expect(short(await q('status=unknown'))).toEqual(['db-a']);
      expect(short(await q('environment=prod'))).toEqual(['web-a', 'WEB-B']);
      expect(short(await q('environment=prod&include_retired=true'))).toEqual(['old-a', 'web-a', 'WEB-B']);
      expect(short(await q('component=db'))).toEqual(['db-a']);
      expect(short(await q('component=shop&status=unhealthy'))).toEqual(['WEB-B']);
      expect(short(await q('environment=Prod'))).toEqual([]);
      expect(short(await names('tag=primary&q=' + prefix))).toEqual(['db-a']);
    });

    it('finds by a piece of the name in any case, or exactly an IP address or an instance id', async () => {
      expect(short(await q(`q=${prefix.toUpperCase()}-WEB`))).toEqual(['web-a', 'WEB-B']);
      expect(short(await q('q=DB-A'))).toEqual(['db-a']);
      expect(short(await q('q=10.1.0.1'))).toEqual(['web-a']);
      // An address matches whole, never in part.
      expect(short(await q('q=10.1.0'))).toEqual([]);
      expect(short(await q('q=i-0feed'))).toEqual(['WEB-B']);
      expect(short(await q('q=i-0fee'))).toEqual([]);
      // Without the tag: the query alone finds them among every host.
      expect(short(await names(`q=${prefix}&include_retired=true`))).toEqual(['db-a', 'old-a', 'web-a', 'WEB-B']);
      // LIKE's wildcards are plain characters here.
      expect(await q('q=%25')).toEqual([]);
      expect(await q('q=_')).toEqual([]);
    });

    it('refuses an unknown status, and other wrong values, naming the parameter', async () => {
      for (const [query, path] of [
        ['status=broken', 'status.0'],
        ['status=healthy,down', 'status.1'],
        ['status=', 'status'],
        ['include_retired=yes', 'include_retired'],
        ['sort=name', 'sort'],
        ['limit=0', 'limit'],
        ['limit=201', 'limit'],
        ['colour=red', 'colour'],
      ] as const) {
        const problem = expectProblem(await list(query), 400);
        expect(
          problem.errors?.map((e) => e.path),
          query,
        ).toEqual([path]);
      }
    });
  });

  // ------------------------------------------------------------ the orders

  describe('both orders, paged by keyset', () => {
    let tag: string;
    let byName: string[];
    let byLastSeen: string[];
    beforeAll(async () => {
      tag = uniqueWord('p');
      const prefix = uniqueWord('s');
      // Names that sort alike in every collation: one prefix, then letters; mixed case.
      const words = ['alpha', 'Bravo', 'charlie', 'Delta', 'echo', 'FOXTROT', 'golf', 'hotel', 'India'];
      const seen = [
        '2026-03-01T10:00:00.000Z',
        null,
        '2026-03-01T12:00:00.000Z',
        '2026-03-01T12:00:00.000Z',
        null,
        '2026-02-01T00:00:00.000Z',
        '2026-03-01T12:00:00.000Z',
        null,
        '2026-03-02T00:00:00.500Z',
      ];
      const made: { id: number; hostname: string; last_seen: string | null }[] = [];
      for (const [i, word] of words.entries()) {
        const host = await createHost({ hostname: `${prefix}-${word}`, tags: [tag] });
        await app.db.query('UPDATE hosts SET last_seen = $2 WHERE id = $1', [host.id, seen[i] ?? null]);
        made.push({ id: host.id, hostname: host.hostname, last_seen: seen[i] ?? null });
      }
      byName = made.map((h) => h.hostname).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
      const seenOnes = made
        .filter((h) => h.last_seen !== null)
        .sort((a, b) => (a.last_seen === b.last_seen ? b.id - a.id : a.last_seen! < b.last_seen! ? 1 : -1));
      const neverSeen = made.filter((h) => h.last_seen === null).sort((a, b) => b.id - a.id);
      byLastSeen = [...seenOnes, ...neverSeen].map((h) => h.hostname);
    });

    it('orders by name, any case, by default; every page joins up without repeats or gaps', async () => {
      expect(await names(`tag=${tag}`)).toEqual(byName);
      for (const limit of [1, 2, 4]) {
        const { seen, pages } = await allPages(`tag=${tag}&limit=${limit}`);
        expect(seen, `limit ${limit}`).toEqual(byName);
        expect(pages).toBe(Math.ceil(byName.length / limit));
      }
    });

    it('orders by last seen, newest first, ties by id, never seen last; paged the same', async () => {
      const res = await list(`tag=${tag}&sort=last_seen`);
      expect(res.body.items.map((h: { hostname: string }) => h.hostname)).toEqual(byLastSeen);
      const seen = res.body.items.map((h: { last_seen: string | null }) => h.last_seen);
      expect(seen.slice(-3)).toEqual([null, null, null]);
      for (const limit of [1, 2, 3, 5]) {
        const pages = await allPages(`tag=${tag}&sort=last_seen&limit=${limit}`);
        expect(pages.seen, `limit ${limit}`).toEqual(byLastSeen);
      }
    });

    it('keeps its place while hosts are added: none seen twice, none skipped that existed', async () => {
      const first = await list(`tag=${tag}&limit=3`);
      // A host that sorts before the page's end comes in meanwhile: not shown, nothing shifts.
      await createHost({ hostname: `a${uniqueWord('early')}`, tags: [tag] });
      const rest = await allPages(`tag=${tag}&limit=3`, first.body.next_cursor);
      const seen = [...first.body.items.map((h: { hostname: string }) => h.hostname), ...rest.seen];
      expect(seen).toEqual(byName);
    });

    it('refuses a cursor of the other order, or one it did not issue, with 400', async () => {
      const byNamePage = await list(`tag=${tag}&limit=2`);
      const lastSeenPage = await list(`tag=${tag}&limit=2&sort=last_seen`);
      expect(byNamePage.body.next_cursor).toEqual(expect.any(String));
      const wrongOrder = expectProblem(await list(`tag=${tag}&sort=last_seen&cursor=${byNamePage.body.next_cursor}`), 400);
      expect(wrongOrder.errors?.map((e) => e.path)).toEqual(['cursor']);
      expectProblem(await list(`tag=${tag}&cursor=${lastSeenPage.body.next_cursor}`), 400);
      const forged = [
        'not a cursor',
        'x'.repeat(500),
        b64('hostname|UPPER-CASE'),
        b64('hostname|has space'),
        b64('hostname|'),
        b64('hostname|a|b'),
        b64('last_seen|2026-02-30T00:00:00.000Z|1'),
        b64('last_seen|0000-01-01T00:00:00.000Z|1'),
        b64('last_seen|2026-01-01T00:00:00Z|1'),
        b64('last_seen|-|0'),
        b64('last_seen|-|01'),
        b64('last_seen|-|99999999999999999'),
        b64('last_seen|-'),
        b64('activity|5'),
        b64('priority|2026-01-01T00:00:00.000Z|1'),
      ];
      for (const cursor of forged) {
        const problem = expectProblem(await list(`sort=last_seen&cursor=${encodeURIComponent(cursor)}`), 400);
        expect(
          problem.errors?.map((e) => e.path),
          cursor,
        ).toEqual(['cursor']);
      }
      // A well-formed cursor the API could have issued is taken, whatever position it names.
      const made = encodeHostCursor({ sort: 'last_seen', lastSeen: '2026-03-01T12:00:00.000Z', id: 1 });
      expect((await list(`tag=${tag}&sort=last_seen&cursor=${made}`)).status).toBe(200);
    });
  });

  // ----------------------------------------------------------------- roles

  describe('roles', () => {
    it('lets viewers read, members write, and only admins delete', async () => {
      const host = await createHost();
      expect((await app.call('GET', `/api/v1/hosts/${host.id}`, { as: as.viewer })).status).toBe(200);
      expect((await list('', as.viewer)).status).toBe(200);
      expectProblem(await app.call('POST', '/api/v1/hosts', { as: as.viewer, body: { hostname: uniqueWord() } }), 403);
      expectProblem(await app.call('PATCH', `/api/v1/hosts/${host.id}`, { as: as.viewer, body: { os: 'x' } }), 403);
      expectProblem(
        await app.call('POST', `/api/v1/hosts/${host.id}/activity`, { as: as.viewer, body: { kind: 'patch', summary: 'x' } }),
        403,
      );
      expectProblem(await app.call('DELETE', `/api/v1/hosts/${host.id}`, { as: as.member }), 403);
      expectProblem(await app.call('DELETE', `/api/v1/hosts/${host.id}`, { as: as.lead }), 403);
      expectProblem(await app.call('GET', `/api/v1/hosts/${host.id}`, { as: null }), 401);
      expect(await hostRow(host.id)).toMatchObject({ version: 1, os: null });
      expect((await activity(host.id)).items).toEqual([]);
      expect((await app.call('DELETE', `/api/v1/hosts/${host.id}`, { as: as.admin })).status).toBe(204);
      expect(await hostRow(host.id)).toBeUndefined();
    });
  });

  // -------------------------------------------------------------- activity

  describe('activity', () => {
    it('records work by hand, linked to an action, and lists it newest first', async () => {
      const host = await createHost();
      const action = await createAction(app);
      const first = await app.call('POST', `/api/v1/hosts/${host.id}/activity`, {
        as: as.lead,
        body: { kind: 'patch', summary: '  Applied kernel 6.8.0-45  ', action_id: action.id },
      });
      expect(first.status, first.text).toBe(201);
      expect(first.body).toEqual({
        id: expect.any(Number),
        host_id: host.id,
        kind: 'patch',
        summary: 'Applied kernel 6.8.0-45',
        outcome: 'succeeded',
        from_status: null,
        to_status: null,
        action_id: action.id,
        change_id: null,
        actor: 'lee',
        at: expect.stringMatching(ISO),
      });
      const second = await app.call('POST', `/api/v1/hosts/${host.id}/activity`, {
        body: { kind: 'reboot', summary: 'Rebooted after the patch', outcome: 'failed' },
      });
      expect(second.body).toMatchObject({ kind: 'reboot', outcome: 'failed', action_id: null, actor: 'mia' });
      const { items, next_cursor } = await activity(host.id);
      expect(items.map((a: { id: number }) => a.id)).toEqual([second.body.id, first.body.id]);
      expect(next_cursor).toBeNull();
      const { rows } = await app.db.query('SELECT role FROM host_activity WHERE id = $1', [first.body.id]);
      expect(rows[0]).toEqual({ role: 'lead' });
    });

    it('links a change that exists', async () => {
      const host = await createHost();
      const { rows } = await app.db.query<{ id: number }>(
        `INSERT INTO changes (title, source, created_by, updated_by) VALUES ('Patch night', 'manual', 'mia', 'mia') RETURNING id`,
      );
      const res = await app.call('POST', `/api/v1/hosts/${host.id}/activity`, {
        body: { kind: 'install', summary: 'nginx 1.27', change_id: rows[0]!.id },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body.change_id).toBe(rows[0]!.id);
    });

    it('refuses an unknown action or change (400 naming it), a kind the service writes, and bad fields; writes nothing', async () => {
      const host = await createHost();
      const unknownAction = expectProblem(
        await app.call('POST', `/api/v1/hosts/${host.id}/activity`, { body: { kind: 'patch', summary: 'x', action_id: 987654321 } }),
        400,
      );
      expect(unknownAction.type).toMatch(/\/validation$/);
      expect(unknownAction.errors).toEqual([{ path: 'action_id', message: expect.any(String) }]);
      const unknownChange = expectProblem(
        await app.call('POST', `/api/v1/hosts/${host.id}/activity`, { body: { kind: 'patch', summary: 'x', change_id: 987654321 } }),
        400,
      );
      expect(unknownChange.errors).toEqual([{ path: 'change_id', message: expect.any(String) }]);
      for (const [body, path] of [
        [{ kind: 'probe', summary: 'x' }, 'kind'],
        [{ kind: 'inventory', summary: 'x' }, 'kind'],
        [{ kind: 'patch', summary: '' }, 'summary'],
        [{ kind: 'patch', summary: 'two\nlines' }, 'summary'],
        [{ kind: 'patch', summary: 'x'.repeat(501) }, 'summary'],
        [{ kind: 'patch', summary: 'x', outcome: 'ok' }, 'outcome'],
        [{ kind: 'patch', summary: 'x', action_id: 0 }, 'action_id'],
        [{ kind: 'patch', summary: 'x', action_id: '5' }, 'action_id'],
        [{ kind: 'patch', summary: 'x', at: '2026-01-01T00:00:00.000Z' }, 'at'],
      ] as const) {
        const problem = expectProblem(await app.call('POST', `/api/v1/hosts/${host.id}/activity`, { body }), 400);
        expect(
          problem.errors?.map((e) => e.path),
          JSON.stringify(body),
        ).toEqual([path]);
      }
      expectProblem(await app.call('POST', '/api/v1/hosts/987654321/activity', { body: { kind: 'patch', summary: 'x' } }), 404);
      expectProblem(await app.call('GET', '/api/v1/hosts/987654321/activity', { as: as.viewer }), 404);
      expect((await activity(host.id)).items).toEqual([]);
    });

    it('pages newest first by keyset, and refuses a cursor it did not issue', async () => {
      const host = await createHost();
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await app.call('POST', `/api/v1/hosts/${host.id}/activity`, { body: { kind: 'config', summary: `step ${i}` } });
        ids.push(res.body.id);
      }
      // Another host's activity in between is never on this host's pages.
      const other = await createHost();
      await app.call('POST', `/api/v1/hosts/${other.id}/activity`, { body: { kind: 'config', summary: 'elsewhere' } });
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await activity(host.id, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((a: { id: number }) => a.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      for (const forged of ['zzz', b64('activity|0'), b64('activity|x'), b64('hostname|web'), b64('activity|1|2')]) {
        const problem = expectProblem(await app.call('GET', `/api/v1/hosts/${host.id}/activity?cursor=${forged}`, { as: as.viewer }), 400);
        expect(problem.errors?.map((e) => e.path)).toEqual(['cursor']);
      }
    });
  });

  // ---------------------------------------------------------------- delete

  describe('delete', () => {
    it('takes the host’s activity and links along, keeps changes with its name, and says so on each action', async () => {
      const host = await createHost();
      const action = await createAction(app);
      await app.call('POST', `/api/v1/hosts/${host.id}/activity`, { body: { kind: 'patch', summary: 'x', action_id: action.id } });
      expect((await app.call('PUT', `/api/v1/actions/${action.id}/hosts/${host.id}`)).status).toBe(200);
      const { rows } = await app.db.query<{ id: number }>(
        `INSERT INTO changes (title, source, created_by, updated_by) VALUES ('Ansible run', 'ansible', 'ci', 'ci') RETURNING id`,
      );
      const changeId = rows[0]!.id;
      await app.db.query('INSERT INTO change_hosts (change_id, hostname, host_id) VALUES ($1, $2, $3)', [changeId, host.hostname, host.id]);
      const versionBefore = (await app.call('GET', `/api/v1/actions/${action.id}`, { as: as.viewer })).body.version;

      const res = await app.call('DELETE', `/api/v1/hosts/${host.id}`, { as: as.admin });

      expect(res.status, res.text).toBe(204);
      expectProblem(await app.call('GET', `/api/v1/hosts/${host.id}`, { as: as.viewer }), 404);
      expectProblem(await app.call('DELETE', `/api/v1/hosts/${host.id}`, { as: as.admin }), 404);
      const count = async (sql: string, params: unknown[]) => (await app.db.query<{ n: number }>(sql, params)).rows[0]!.n;
      expect(await count('SELECT count(*)::int AS n FROM host_activity WHERE host_id = $1', [host.id])).toBe(0);
      expect(await count('SELECT count(*)::int AS n FROM action_hosts WHERE host_id = $1', [host.id])).toBe(0);
      expect((await app.db.query('SELECT hostname, host_id FROM change_hosts WHERE change_id = $1', [changeId])).rows).toEqual([
        { hostname: host.hostname, host_id: null },
      ]);
      expect((await app.call('GET', `/api/v1/actions/${action.id}/hosts`, { as: as.viewer })).body.items).toEqual([]);
      const after = (await app.call('GET', `/api/v1/actions/${action.id}`, { as: as.viewer })).body;
      expect(after).toMatchObject({ version: versionBefore + 1, updated_by: 'ada' });
      const history = (await app.call('GET', `/api/v1/actions/${action.id}/history`, { as: as.viewer })).body.items;
      expect(history.at(-1)).toMatchObject({
        kind: 'host_unlinked',
        actor: 'ada',
        role: 'admin',
        changes: { host: [host.hostname, null] },
        note: expect.any(String),
      });
    });
  });
});
