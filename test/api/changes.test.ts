// Changes through the adapter on both engines: made by hand (with hosts, and
// with a correlation key that ingestions then use), read, listed with every
// filter and keyset paging, edited conditionally, deleted with their artifact
// objects; each refusal changes nothing.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createAction, ENGINES, expectProblem, startApp, uniqueWord, type TestApp } from '../support/app';

const PLAN = readFileSync(new URL('../fixtures/ingest/plan.json', import.meta.url), 'utf8');
const RECAP = readFileSync(new URL('../fixtures/ingest/recap.json', import.meta.url), 'utf8');

let commits = 0;
const freshCommit = () => (0xdec0000 + ++commits).toString(16).padEnd(40, '0');
const HOUR = 3600_000;
const at = (ms: number) => new Date(ms).toISOString();

describe.each(ENGINES)('changes on %s', (engine) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(engine);
  });
  afterAll(async () => {
    await app?.close();
  });

  const create = (body: Record<string, unknown>, who = as.member) => app.call('POST', '/api/v1/changes', { as: who, body });
  const count = async (table: string) => (await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
  const newHost = async (hostname: string) =>
    (
      await app.db.query<{ id: number }>(`INSERT INTO hosts (hostname, created_by, updated_by) VALUES ($1, 't', 't') RETURNING id`, [
        hostname,
      ])
    ).rows[0]!.id;
  const objects = async () => {
    const keys: string[] = [];
    for await (const object of app.store.list()) keys.push(object.key);
    return keys;
  };

  describe('made by hand', () => {
    it('creates a manual change with its hosts, Location and ETag', async () => {
      const host = await newHost(`db-${uniqueWord()}`);
      const commit = freshCommit();
      const res = await create({
        title: '  Failover of the primary database  ',
        environment: 'prod',
        component: 'rds',
        commit_sha: commit.toUpperCase(),
        started_at: '2026-03-01T10:00:00+01:00',
        finished_at: '2026-03-01T09:30:00Z',
        outcome: 'partial',
        description: 'Line one\nline two',
        host_ids: [host, host],
      });
      expect(res.status, res.text).toBe(201);
      expect(res.headers.get('location')).toBe(`/api/v1/changes/${res.body.id}`);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.body).toEqual({
        id: expect.any(Number),
        title: 'Failover of the primary database',
        source: 'manual',
        environment: 'prod',
        component: 'rds',
        commit_sha: commit,
        build_id: null,
        started_at: '2026-03-01T09:00:00.000Z',
        finished_at: '2026-03-01T09:30:00.000Z',
        outcome: 'partial',
        counts: { create: 0, update: 0, delete: 0, replace: 0 },
        description: 'Line one\nline two',
        created_by: 'mia',
        created_at: expect.any(String),
        updated_by: 'mia',
        updated_at: expect.any(String),
        version: 1,
      });
      const read = await app.call('GET', `/api/v1/changes/${res.body.id}`, { as: as.viewer });
      expect(read.headers.get('etag')).toBe('"1"');
      const { rows } = await app.db.query<{ hostname: string }>('SELECT hostname FROM hosts WHERE id = $1', [host]);
      expect(read.body).toMatchObject({ ...res.body, resources: [], tasks: [], artifacts: [] });
      expect(read.body.hosts).toEqual([{ hostname: rows[0]!.hostname, host_id: host, stats: null }]);
    });

    it('defaults started_at to now and outcome to succeeded', async () => {
      const before = Date.now();
      const res = await create({ title: 'Rotated the TLS certificate' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ outcome: 'succeeded', finished_at: null, environment: null, commit_sha: null });
      expect(Date.parse(res.body.started_at)).toBeGreaterThanOrEqual(before - 1000);
    });

    it('refuses a taken correlation key with 409, and an ingestion with that key goes to the hand-made change', async () => {
      const commit = freshCommit();
      const first = await create({ title: 'Deploy web 1.4', environment: 'prod', component: 'web', commit_sha: commit });
      expect(first.status).toBe(201);
      const changes = await count('changes');
      expectProblem(await create({ title: 'Deploy web 1.4 again', environment: 'prod', component: 'web', commit_sha: commit }), 409);
      expect(await count('changes')).toBe(changes);
      // Another environment is another key; no key at all is never a duplicate.
      expect((await create({ title: 'Deploy web 1.4', environment: 'stage', component: 'web', commit_sha: commit })).status).toBe(201);
      expect((await create({ title: 'Same title' })).status).toBe(201);
      expect((await create({ title: 'Same title' })).status).toBe(201);

      const ingested = await app.call('POST', `/api/v1/ingest/terraform?environment=prod&component=web&commit_sha=${commit}`, {
        body: PLAN,
        headers: { 'content-type': 'application/json' },
      });
      expect(ingested.status, ingested.text).toBe(201);
      expect(ingested.body.change).toMatchObject({ id: first.body.id, source: 'manual', title: 'Deploy web 1.4', version: 2 });
      // And the other way round: a key an ingestion made is taken for a change by hand.
      const build = `ci-${uniqueWord()}`;
      await app.call('POST', `/api/v1/ingest/ansible?build_id=${build}`, { body: RECAP, headers: { 'content-type': 'application/json' } });
      expectProblem(await create({ title: 'By hand', build_id: build }), 409);
    });

    it('refuses unknown hosts, a finish before the start, unknown fields and viewers, storing nothing', async () => {
      const changes = await count('changes');
      const unknown = expectProblem(await create({ title: 'Reboot', host_ids: [987654] }), 400);
      expect(unknown.errors).toEqual([{ path: 'host_ids', message: 'names no host: 987654' }]);
      const early = expectProblem(
        await create({ title: 'Reboot', started_at: '2026-03-01T10:00:00Z', finished_at: '2026-03-01T09:00:00Z' }),
        400,
      );
      expect(early.errors?.[0]?.path).toBe('finished_at');
      expectProblem(await create({ title: 'Reboot', source: 'terraform' }), 400);
      expectProblem(await create({ title: 'Reboot', outcome: 'done' }), 400);
      expectProblem(await create({ title: 'Reboot', started_at: 'yesterday' }), 400);
      expectProblem(await create({ title: 'Reboot', commit_sha: 'xyz' }), 400);
      expectProblem(await create({ title: '' }), 400);
      expectProblem(await create({ title: 'Reboot' }, as.viewer), 403);
      expect(await count('changes')).toBe(changes);
    });
  });

  describe('edited', () => {
    it('edits with If-Match, answers 412 with the current ETag for another version, and writes nothing for no change', async () => {
      const made = (await create({ title: 'Patch kernel', started_at: '2026-04-01T08:00:00.000Z' })).body;
      const feed = async () =>
        (await app.db.query<{ event_id: number }>('SELECT event_id FROM changes WHERE id = $1', [made.id])).rows[0]!.event_id;
      const feedBefore = await feed();

      const edited = await app.call('PATCH', `/api/v1/changes/${made.id}`, {
        body: { title: 'Patch the kernel', outcome: 'failed', finished_at: '2026-04-01T09:00:00Z' },
        headers: { 'if-match': '"1"' },
      });
      expect(edited.status, edited.text).toBe(200);
      expect(edited.headers.get('etag')).toBe('"2"');
      expect(edited.body).toMatchObject({
        title: 'Patch the kernel',
        outcome: 'failed',
        finished_at: '2026-04-01T09:00:00.000Z',
        version: 2,
      });
      // Every write takes a new place in the live feed.
      expect(await feed()).toBeGreaterThan(feedBefore);

      const stale = await app.call('PATCH', `/api/v1/changes/${made.id}`, { body: { title: 'Lost edit' }, headers: { 'if-match': '"1"' } });
      expectProblem(stale, 412);
      expect(stale.headers.get('etag')).toBe('"2"');
      // The same values (an instant written another way included): 200, same version.
      const same = await app.call('PATCH', `/api/v1/changes/${made.id}`, {
        body: { title: 'Patch the kernel', started_at: '2026-04-01T10:00:00+02:00' },
      });
      expect(same.status).toBe(200);
      expect(same.body.version).toBe(2);

      expectProblem(await app.call('PATCH', `/api/v1/changes/${made.id}`, { body: {} }), 400);
      expectProblem(await app.call('PATCH', `/api/v1/changes/${made.id}`, { body: { counts: { create: 1 } } }), 400);
      expectProblem(await app.call('PATCH', `/api/v1/changes/${made.id}`, { body: { started_at: '2026-04-01T09:30:00Z' } }), 400);
      expectProblem(await app.call('PATCH', `/api/v1/changes/${made.id}`, { as: as.viewer, body: { title: 'x' } }), 403);
      expectProblem(await app.call('PATCH', '/api/v1/changes/987654', { body: { title: 'x' } }), 404);
      const read = await app.call('GET', `/api/v1/changes/${made.id}`, { as: as.viewer });
      expect(read.body).toMatchObject({ title: 'Patch the kernel', version: 2 });
    });
  });

  describe('deleted', () => {
    it('deletes a change (admin only), its artifact objects after it, and records the unlink on linked actions', async () => {
      const ingested = await app.call('POST', `/api/v1/ingest/terraform?commit_sha=${freshCommit()}`, {
        body: PLAN,
        headers: { 'content-type': 'application/json' },
      });
      const change = ingested.body.change;
      const { rows } = await app.db.query<{ storage_key: string }>('SELECT storage_key FROM change_artifacts WHERE change_id = $1', [
        change.id,
      ]);
      const key = rows[0]!.storage_key;
      expect(await objects()).toContain(key);
      const action = await createAction(app);
      await app.db.query(`INSERT INTO action_changes (action_id, change_id, linked_by) VALUES ($1, $2, 'mia')`, [action.id, change.id]);

      expectProblem(await app.call('DELETE', `/api/v1/changes/${change.id}`, { as: as.lead }), 403);
      expect(await objects()).toContain(key);
      const res = await app.call('DELETE', `/api/v1/changes/${change.id}`, { as: as.admin });
      expect(res.status).toBe(204);
      expect(await objects()).not.toContain(key);
      expectProblem(await app.call('GET', `/api/v1/changes/${change.id}`, { as: as.viewer }), 404);
      expectProblem(await app.call('GET', change.artifacts[0].href, { as: as.viewer }), 404);
      expectProblem(await app.call('DELETE', `/api/v1/changes/${change.id}`, { as: as.admin }), 404);

      const history = (await app.call('GET', `/api/v1/actions/${action.id}/history`, { as: as.viewer })).body.items;
      expect(history.at(-1)).toMatchObject({
        kind: 'change_unlinked',
        actor: 'ada',
        changes: { change: [`#${change.id} ${change.title}`, null] },
      });
      expect((await app.call('GET', `/api/v1/actions/${action.id}`, { as: as.viewer })).body.version).toBe(2);
    });
  });

  describe('listed', () => {
    let env: string;
    let host: number;
    const ids: Record<string, number> = {};
    const base = Date.parse('2026-05-01T00:00:00.000Z');
    beforeAll(async () => {
      env = uniqueWord('env');
      host = await newHost(`web-${uniqueWord()}`);
      const seed: [string, Record<string, unknown>][] = [
        ['a', { title: 'Scale the ASG', component: 'web', outcome: 'succeeded', started_at: at(base) }],
        ['b', { title: 'Resize the DB', component: 'db', outcome: 'failed', started_at: at(base + HOUR), build_id: 'ci-1' }],
        [
          'c',
          { title: 'Rotate 100% of keys_now', component: 'web', outcome: 'partial', started_at: at(base + 2 * HOUR), host_ids: [host] },
        ],
        [
          'd',
          { title: 'Upgrade nginx', component: 'web', outcome: 'planned', started_at: at(base + 3 * HOUR), commit_sha: 'cafe1234beef' },
        ],
        ['e', { title: 'scale THE asg again', component: 'web', outcome: 'succeeded', started_at: at(base + 3 * HOUR) }],
      ];
      for (const [name, fields] of seed) {
        const res = await create({ environment: env, ...fields });
        if (res.status !== 201) throw new Error(res.text);
        ids[name] = res.body.id;
      }
    });
    const list = async (query: string) => {
      const res = await app.call('GET', `/api/v1/changes?environment=${env}${query}`, { as: as.viewer });
      expect(res.status, res.text).toBe(200);
      return res.body as { items: { id: number }[]; next_cursor: string | null };
    };
    const names = (page: { items: { id: number }[] }) => page.items.map((c) => Object.keys(ids).find((k) => ids[k] === c.id));

    it('lists newest start first (ties: highest id first)', async () => {
      expect(names(await list(''))).toEqual(['e', 'd', 'c', 'b', 'a']);
    });

    it('filters by source, component, outcome, commit, build, host, time and text', async () => {
      expect(names(await list('&component=web'))).toEqual(['e', 'd', 'c', 'a']);
      expect(names(await list('&outcome=failed,partial'))).toEqual(['c', 'b']);
      expect(names(await list('&source=manual&component=db'))).toEqual(['b']);
      expect(names(await list('&source=terraform,ansible'))).toEqual([]);
      expect(names(await list('&commit_sha=CAFE1234BEEF'))).toEqual(['d']);
      expect(names(await list('&build_id=ci-1'))).toEqual(['b']);
      expect(names(await list(`&host_id=${host}`))).toEqual(['c']);
      expect(names(await list(`&since=${encodeURIComponent(at(base + HOUR))}`))).toEqual(['e', 'd', 'c', 'b']);
      expect(names(await list(`&until=${encodeURIComponent(at(base + HOUR))}`))).toEqual(['a']);
      expect(names(await list(`&since=${encodeURIComponent('2026-05-01T02:00:00+01:00')}&until=${at(base + 3 * HOUR)}`))).toEqual([
        'c',
        'b',
      ]);
      expect(names(await list('&q=asg'))).toEqual(['e', 'a']);
      expect(names(await list('&q=cafe12'))).toEqual(['d']);
      // LIKE's wildcards are taken as themselves.
      expect(names(await list('&q=100%25'))).toEqual(['c']);
      expect(names(await list('&q=s_n'))).toEqual(['c']);
      expect(names(await list('&q=%25'))).toEqual(['c']);
    });

    it('pages by keyset without skipping or repeating, and refuses what is not its own cursor', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await list(`&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...(names(page) as string[]));
        cursor = page.next_cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toEqual(['e', 'd', 'c', 'b', 'a']);
      expect(pages).toBe(3);
      for (const bad of [
        'abc',
        Buffer.from('c|2026-02-30T00:00:00.000Z|1').toString('base64url'),
        Buffer.from('high|2026-01-01T00:00:00.000Z|1').toString('base64url'),
      ]) {
        expectProblem(await app.call('GET', `/api/v1/changes?cursor=${bad}`, { as: as.viewer }), 400);
      }
    });

    it('refuses wrong filter values with 400 naming them', async () => {
      for (const [query, path] of [
        ['outcome=done', 'outcome.0'],
        ['source=puppet', 'source.0'],
        ['limit=0', 'limit'],
        ['limit=201', 'limit'],
        ['since=yesterday', 'since'],
        ['host_id=0x1', 'host_id'],
        ['commit_sha=zz', 'commit_sha'],
        ['sort=title', 'sort'],
      ]) {
        const problem = expectProblem(await app.call('GET', `/api/v1/changes?${query}`, { as: as.viewer }), 400);
        expect(
          problem.errors?.map((e) => e.path),
          query,
        ).toContain(path);
      }
      expectProblem(await app.call('GET', '/api/v1/changes', { as: null }), 401);
    });
  });
});
