// GET /api/v1/events: live updates as Server-Sent Events, on each engine through
// the real adapter, and across two server processes on one PostgreSQL database
// (the fan-out through LISTEN/NOTIFY), including a listening connection that is
// terminated while changes go on.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LiveEvents } from '../../lib/events/live';
import { silentLogger } from '../../lib/log';
import {
  as,
  createAction,
  ENGINES,
  expectProblem,
  freshDatabase,
  POSTGRES_URL,
  startApp,
  storedState,
  uniqueWord,
  type TestApp,
} from '../support/app';
import { buildEntry, freePort, startServerProcess, type Bundle } from '../support/build';
import { describePostgres } from '../support/fault-proxy';
import { albEvent, capturingLogger } from '../support/in-process';
import { openEvents, type SseMessage, type SseStream } from '../support/sse';

const isAction = (id: number, kind: string) => (m: SseMessage) => m.event === 'action' && m.data.action.id === id && m.data.kind === kind;

describe.each(ENGINES)('live events on %s', (engine) => {
  let app: TestApp;
  const open: SseStream[] = [];
  beforeAll(async () => {
    app = await startApp(engine);
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(async () => {
    await app?.close();
  });
  const events = async (options: Parameters<typeof openEvents>[1] = {}) => {
    const s = await openEvents(app.baseUrl, options);
    open.push(s);
    return s;
  };

  it('starts at the feed’s head and hears every kind of change as it commits, in order', async () => {
    const before = await createAction(app);
    const stream = await events({ as: as.viewer });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers.get('cache-control')).toBe('no-store');
    const ready = await stream.next((m) => m.event === 'ready');
    expect(stream.retry).toBe(3000);
    expect(ready.data.last_event_id).toBeGreaterThan(0);
    expect(ready.id).toBe(String(ready.data.last_event_id));

    const created = await createAction(app, { title: 'Fail over the primary', priority: 'critical', owner: 'ana' });
    const c = await stream.next(isAction(created.id, 'created'));
    expect(c.data).toMatchObject({ kind: 'created', actor: 'mia', action: created });
    expect(Number(c.id)).toBe(c.data.event_id);
    expect(c.data.event_id).toBeGreaterThan(ready.data.last_event_id);

    const edited = await app.call('PATCH', `/api/v1/actions/${created.id}`, { body: { owner: 'bo' }, headers: { 'if-match': '"1"' } });
    expect(edited.status).toBe(200);
    const u = await stream.next(isAction(created.id, 'updated'));
    expect(u.data.action).toEqual(edited.body);

    const moved = await app.call('POST', `/api/v1/actions/${created.id}/status`, { body: { status: 'in_progress' } });
    expect(moved.status).toBe(200);
    const s = await stream.next(isAction(created.id, 'status_changed'));
    expect(s.data).toMatchObject({ from_status: 'open', to_status: 'in_progress', note: null });
    expect(s.data.action).toMatchObject({ status: 'in_progress', version: 3 });

    expect((await app.call('DELETE', `/api/v1/actions/${before.id}`, { as: as.admin })).status).toBe(204);
    const d = await stream.next((m) => m.event === 'deleted');
    expect(d.data).toMatchObject({ action_id: before.id, key: `ACT-${before.id}`, actor: 'ada' });

    const ids = stream.messages.filter((m) => m.id !== undefined).map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('hears host activity and changes as they commit, and replays them after Last-Event-ID', async () => {
    const stream = await events();
    const ready = await stream.next((m) => m.event === 'ready');
    const hostname = uniqueWord('host-');
    const host = (
      await app.db.query<{ id: number }>(`INSERT INTO hosts (hostname, created_by, updated_by) VALUES ($1, 'mia', 'mia') RETURNING id`, [
        hostname,
      ])
    ).rows[0]!.id;
    const activity = (
      await app.db.query<{ id: number; at: string }>(
        `INSERT INTO host_activity (host_id, kind, summary, outcome, actor, role)
         VALUES ($1, 'patch', 'Kernel 6.8.0-49 applied', 'succeeded', 'mia', 'member') RETURNING id, at`,
        [host],
      )
    ).rows[0]!;
    const h = await stream.next((m) => m.event === 'host' && m.data.event_id === activity.id);
    expect(h.id).toBe(String(activity.id));
    expect(h.data).toEqual({
      event_id: activity.id,
      activity: {
        id: activity.id,
        host_id: host,
        kind: 'patch',
        summary: 'Kernel 6.8.0-49 applied',
        outcome: 'succeeded',
        from_status: null,
        to_status: null,
        action_id: null,
        change_id: null,
        actor: 'mia',
        at: activity.at,
      },
      host: expect.objectContaining({ id: host, hostname, status: 'unknown', ip_addresses: [], tags: [], last_seen: null, version: 1 }),
    });

    const made = (
      await app.db.query<{ id: number; event_id: number }>(
        `INSERT INTO changes (title, source, environment, component, creates, created_by, updated_by)
         VALUES ('Terraform plan: 2 to add', 'terraform', 'prod', 'network', 2, 'ci', 'ci') RETURNING id, event_id`,
      )
    ).rows[0]!;
    const c = await stream.next((m) => m.event === 'change' && m.data.event_id === made.event_id);
    expect(c.id).toBe(String(made.event_id));
    expect(c.data).toEqual({
      event_id: made.event_id,
      change: expect.objectContaining({
        id: made.id,
        title: 'Terraform plan: 2 to add',
        source: 'terraform',
        environment: 'prod',
        component: 'network',
        counts: { create: 2, update: 0, delete: 0, replace: 0 },
        version: 1,
      }),
    });
    // Written again: a new id, and the change as it is now.
    const again = (
      await app.db.query<{ event_id: number }>(
        `UPDATE changes SET outcome = 'failed', version = version + 1, event_id = DEFAULT WHERE id = $1 RETURNING event_id`,
        [made.id],
      )
    ).rows[0]!.event_id;
    const c2 = await stream.next((m) => m.event === 'change' && m.data.event_id === again);
    expect(c2.data.change).toMatchObject({ id: made.id, outcome: 'failed', version: 2 });

    // A page that comes back hears each once, the change at its last write only; the head counts them.
    const resumed = await events({ lastEventId: String(ready.data.last_event_id) });
    await resumed.next((m) => m.event === 'change' && m.data.event_id === again);
    expect(resumed.messages.filter((m) => m.event === 'host' || m.event === 'change').map((m) => [m.event, m.data.event_id])).toEqual([
      ['host', activity.id],
      ['change', again],
    ]);
    const fresh = await events();
    expect((await fresh.next((m) => m.event === 'ready')).data.last_event_id).toBeGreaterThanOrEqual(again);
  });

  it('resumes after Last-Event-ID with everything it missed, in order', async () => {
    const first = await events();
    const a = await createAction(app, { title: 'Drain node pool a' });
    const seen = await first.next(isAction(a.id, 'created'));
    first.close();

    const b = await createAction(app, { title: 'Drain node pool b' });
    await app.call('POST', `/api/v1/actions/${a.id}/status`, { body: { status: 'blocked' } });
    const c = await createAction(app, { title: 'Drain node pool c' });

    const resumed = await events({ lastEventId: seen.id! });
    const ready = await resumed.next((m) => m.event === 'ready');
    expect(ready.id).toBeUndefined();
    await resumed.next(isAction(c.id, 'created'));
    const after = resumed.messages.filter((m) => m.event === 'action' && m.data.event_id > Number(seen.id));
    expect(after.map((m) => [m.data.action.id, m.data.kind])).toEqual([
      [b.id, 'created'],
      [a.id, 'status_changed'],
      [c.id, 'created'],
    ]);
    // What comes again from before Last-Event-ID is only the recent past a late commit may hide in.
    for (const m of resumed.messages.filter((m) => m.event === 'action' && m.data.event_id <= Number(seen.id)))
      expect(Date.now() - Date.parse(m.data.at)).toBeLessThan(60_000);
    // …and it then goes on live.
    const d = await createAction(app, { title: 'Drain node pool d' });
    await resumed.next(isAction(d.id, 'created'));
  });

  it('says reset when it cannot resume without a gap, and refuses a malformed Last-Event-ID', async () => {
    const ahead = await events({ lastEventId: '999999999999' });
    const ready = await ahead.next((m) => m.event === 'ready');
    const reset = await ahead.next((m) => m.event === 'reset');
    expect(reset.data.reason).toMatch(/not of this feed/);
    expect(reset.id).toBe(String(ready.data.last_event_id));

    const mark = await events();
    const head = (await mark.next((m) => m.event === 'ready')).data.last_event_id as number;
    const action = await createAction(app);
    // 600 audit events at once: more than a stream replays.
    await app.db.query(
      `INSERT INTO action_events (action_id, actor, role, kind, changes)
       SELECT $1, 'bulk', 'member', 'updated', '{}'::jsonb FROM generate_series(1, 600)`,
      [action.id],
    );
    const behind = await events({ lastEventId: String(head) });
    expect((await behind.next((m) => m.event === 'reset')).data.reason).toMatch(/Too much changed/);

    const state = await storedState(app);
    for (const bad of ['abc', '-1', '1e3', '1234567890123456']) {
      const res = await events({ lastEventId: bad });
      expect(res.status, bad).toBe(400);
      const problem = expectProblem({ status: res.status, headers: res.headers, text: res.text!, body: JSON.parse(res.text!) }, 400);
      expect(problem.errors?.map((e) => e.path.toLowerCase())).toEqual(['last-event-id']);
    }
    expect(await storedState(app)).toEqual(state);
  });

  it('as a Lambda, which cannot hold a stream open, answers what there is to replay and ends', async () => {
    const stream = await events();
    const head = (await stream.next((m) => m.event === 'ready')).data.last_event_id as number;
    const action = await createAction(app, { title: 'Seen through a Lambda' });
    const headers = { 'x-user': 'vera', 'x-role': 'viewer' };
    const fresh = await app.router.dispatch(albEvent('GET', '/api/v1/events', { headers }));
    expect(fresh.statusCode).toBe(200);
    const text = Buffer.from(fresh.body ?? '', 'base64').toString();
    expect(text).toMatch(/^retry: 3000\n\nid: \d+\nevent: ready\n/);
    const resumed = await app.router.dispatch(
      albEvent('GET', '/api/v1/events', { headers: { ...headers, 'last-event-id': String(head) } }),
    );
    const replay = Buffer.from(resumed.body ?? '', 'base64').toString();
    expect(replay).toContain(
      `"kind":"created","actor":"mia","at":"${action.created_at}","from_status":null,"to_status":"open","note":null,"action":{"id":${action.id},`,
    );
  });

  it('takes identity like any other route', async () => {
    const res = await events({ as: null });
    expect(res.status).toBe(401);
    expectProblem({ status: res.status, headers: res.headers, text: res.text!, body: JSON.parse(res.text!) }, 401);
  });

  it('ends a stream whose caller is refused later (a revoked token), and logs a page leaving as routine', async () => {
    const log = capturingLogger();
    const other = await startApp(engine, { config: { LIVE_REAUTH_S: 1 }, logger: log.logger });
    try {
      const made = await other.call('POST', '/api/v1/tokens', { as: as.admin, body: { name: 'pipeline', role: 'viewer' } });
      expect(made.status).toBe(201);
      const bearer = { authorization: `Bearer ${made.body.token}` };
      const stream = await openEvents(other.baseUrl, { as: null, headers: bearer });
      await stream.next((m) => m.event === 'ready');
      const kept = await openEvents(other.baseUrl);
      await kept.next((m) => m.event === 'ready');

      expect((await other.call('DELETE', `/api/v1/tokens/${made.body.id}`, { as: as.admin })).status).toBe(204);
      const started = performance.now();
      await stream.ended;
      expect(performance.now() - started).toBeLessThan(3000);
      const again = await openEvents(other.baseUrl, { as: null, headers: bearer });
      expect(again.status).toBe(401);
      // Another caller's stream goes on.
      const action = await createAction(other);
      await kept.next(isAction(action.id, 'created'));

      kept.close();
      await expect.poll(() => other.events.streamCount).toBe(0);
      await expect
        .poll(() => log.lines().some((l) => l.msg === 'the client left before the response was complete' && l.level === 'debug'))
        .toBe(true);
      expect(log.lines().filter((l) => l.msg === 'response body cut short')).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('ends its streams when the app stops, so the drain is not held', async () => {
    const other = await startApp(engine);
    const stream = await openEvents(other.baseUrl);
    await stream.next((m) => m.event === 'ready');
    const started = performance.now();
    await other.close();
    await stream.ended;
    expect(performance.now() - started).toBeLessThan(5000);
    expect(other.events.streamCount).toBe(0);
  });
});

// ------------------------------------------------------------------ announcing only while listened to

const WRITE = `WITH a AS (INSERT INTO actions (title, created_by, updated_by, search) VALUES ('t', 'x', 'x', ''::tsvector) RETURNING id)
  INSERT INTO action_events (action_id, actor, role, kind, to_status) SELECT id, 'x', 'member', 'created', 'open' FROM a RETURNING id`;

describe.each(ENGINES)('writes announce themselves only while a process listens, on %s', (engine) => {
  it('sends no NOTIFY with nobody listening, and reaches a stream whose announcement was missed by the periodic read', async () => {
    const fresh = await freshDatabase(engine);
    const hub = new LiveEvents(fresh.db, silentLogger(), { keepListeningMs: 300 });
    try {
      const heard: string[] = [];
      const stop = await fresh.db.listen('action_events', { notified: (p) => heard.push(p), resumed: () => undefined });
      const write = () => fresh.db.query<{ id: number }>(WRITE);
      await write();
      await new Promise((r) => setTimeout(r, 200));
      expect(heard).toEqual([]);

      const got: number[] = [];
      const unsubscribe = await hub.subscribe({
        send: (items) => got.push(...items.map((i) => i.id)),
        reset: () => undefined,
        end: () => undefined,
      });
      const announced = (await write()).rows[0]!.id;
      await expect.poll(() => got).toContain(announced);
      expect(heard).toContain(String(announced));

      // A write that was not announced (its trigger off, as when it checked live_listeners before
      // this process's row was there): the periodic read still brings it.
      const before = heard.length;
      const silent = await fresh.db.transaction(async (tx) => {
        await tx.exec('SET LOCAL session_replication_role = replica');
        return (await tx.query<{ id: number }>(WRITE)).rows[0]!.id;
      });
      await expect.poll(() => got, { timeout: 3000 }).toContain(silent);
      expect(heard.slice(before)).not.toContain(String(silent));
      expect(got.filter((id) => id === announced)).toHaveLength(1);
      unsubscribe();
      await stop();
    } finally {
      await hub.close();
      await fresh.drop();
    }
  });
});

// ------------------------------------------------------------------ replicas

describePostgres('live events across two server processes on one PostgreSQL database', () => {
  let bundle: Bundle;
  let dataDir: string;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    bundle = await buildEntry('bin/server.ts');
    dataDir = await mkdtemp(join(tmpdir(), 'iat-live-'));
  }, 60_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  afterAll(async () => {
    await bundle?.remove();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function replica(url: string) {
    const port = await freePort();
    const proc = startServerProcess(bundle, {
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    cleanups.push(async () => {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await proc.exited;
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 100) throw new Error(`replica did not start:\n${proc.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const create = async (title: string) => {
      const res = await fetch(`${base}/api/v1/actions`, {
        method: 'POST',
        headers: { 'x-user': 'mia', 'x-role': 'member', 'content-type': 'application/json' },
        body: JSON.stringify({ title, priority: 'critical' }),
      });
      expect(res.status).toBe(201);
      return { action: (await res.json()) as { id: number }, at: performance.now() };
    };
    return { base, proc, create };
  }

  it('a change made on either replica reaches the streams of both within a second', async () => {
    const db = await freshDatabase('postgres');
    cleanups.push(() => db.drop());
    const [a, b] = [await replica(db.url!), await replica(db.url!)];
    const onA = await openEvents(a.base);
    const onB = await openEvents(b.base);
    cleanups.push(async () => (onA.close(), onB.close()));
    await onA.next((m) => m.event === 'ready');
    await onB.next((m) => m.event === 'ready');

    const fromB = await b.create('Page the database team');
    const heardOnA = await onA.next(isAction(fromB.action.id, 'created'), 1000);
    expect(heardOnA.at - fromB.at).toBeLessThan(1000);
    const fromA = await a.create('Raise the connection limit');
    const heardOnB = await onB.next(isAction(fromA.action.id, 'created'), 1000);
    expect(heardOnB.at - fromA.at).toBeLessThan(1000);
    // Each replica's own stream hears its own writes as well.
    await onA.next(isAction(fromA.action.id, 'created'), 1000);
    await onB.next(isAction(fromB.action.id, 'created'), 1000);
  });

  it('a terminated listening connection leaves the replica up and its streams without a gap', async () => {
    const db = await freshDatabase('postgres');
    cleanups.push(() => db.drop());
    const [a, b] = [await replica(db.url!), await replica(db.url!)];
    const onA = await openEvents(a.base);
    cleanups.push(async () => onA.close());
    await onA.next((m) => m.event === 'ready');

    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    cleanups.push(() => admin.end());
    const name = new URL(db.url!).pathname.slice(1);
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'action-tracker-listen'`,
      [name],
    );
    // Only A listens: a replica opens its listening connection with its first stream.
    expect(killed.rowCount).toBe(1);
    // Written while replica A is without its listening connection.
    const during = await b.create('Written while A was not listening');
    await onA.next(isAction(during.action.id, 'created'), 10_000);
    expect((await fetch(`${a.base}/health`)).status).toBe(200);
    expect(a.proc.child.exitCode).toBeNull();
    // And live again afterwards.
    const after = await b.create('Written after A listens again');
    await onA.next(isAction(after.action.id, 'created'), 2000);
  });
});
