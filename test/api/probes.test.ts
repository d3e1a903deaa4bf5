// Probe rounds against real listeners on loopback, through the adapter on each
// engine: an open port, a closed one, one that answers nothing; retired hosts
// left alone; one round at a time, decided by the lease; and then two server
// processes on one PostgreSQL database, each with its own schedule, one of them
// killed in the middle of a round. Hosts are written with SQL: the probes need
// nothing of the hosts endpoints.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Queryable } from '../../lib/db/database';
import { openPglite } from '../../lib/db/database';
import { migrate } from '../../lib/db/migrate';
import { silentLogger } from '../../lib/log';
import { leaseMs, runProbeRound, type ProbeConfig } from '../../lib/probes/round';
import { offerEveryMs } from '../../lib/probes/schedule';
import { as, ENGINES, expectProblem, freshDatabase, startApp, type TestApp } from '../support/app';
import { buildEntry, freePort, startServerProcess, type Bundle } from '../support/build';
import { describePostgres } from '../support/fault-proxy';
import { capturingLogger } from '../support/in-process';
import { openEvents } from '../support/sse';
import { closedPort, countingListener, silentPort, type CountingListener, type SilentPort } from '../support/tcp-listeners';

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

interface NewHost {
  hostname: string;
  ip?: string[];
  port?: number | null;
  status?: 'healthy' | 'unhealthy' | 'unknown' | 'retired';
  environment?: string | null;
  lastSeen?: string | null;
}

async function insertHost(db: Queryable, host: NewHost): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO hosts (hostname, ip_addresses, probe_port, status, environment, last_seen, created_by, updated_by)
     VALUES ($1, $2::text[], $3, $4::host_status, $5, $6, 'test', 'test') RETURNING id`,
    [host.hostname, host.ip ?? [], host.port ?? null, host.status ?? 'unknown', host.environment ?? null, host.lastSeen ?? null],
  );
  return rows[0]!.id;
}

interface HostRow {
  id: number;
  status: string;
  last_seen: string | null;
  last_probed_at: string | null;
  probed_round: number | null;
  version: number;
  updated_by: string;
}

async function hostRow(db: Queryable, id: number): Promise<HostRow> {
  const { rows } = await db.query<HostRow>(
    'SELECT id, status, last_seen, last_probed_at, probed_round, version, updated_by FROM hosts WHERE id = $1',
    [id],
  );
  return rows[0]!;
}

const activityOf = async (db: Queryable, hostId: number) =>
  (await db.query<Record<string, unknown>>('SELECT * FROM host_activity WHERE host_id = $1 ORDER BY id', [hostId])).rows;

interface LeaseRow {
  round: number;
  holder: string | null;
  until: string | null;
  started_at: string | null;
  finished_at: string | null;
}

const leaseRow = async (db: Queryable) =>
  (await db.query<LeaseRow>('SELECT round, holder, until, started_at, finished_at FROM probe_lease')).rows[0]!;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(ENGINES)('probe rounds on %s', (engine) => {
  let app: TestApp;
  /** What PROBE_PORT names: hosts without a port of their own are probed here. */
  let byDefault: CountingListener;
  let silent: SilentPort;
  const closing: (() => Promise<unknown>)[] = [];
  const listener = async () => {
    const l = await countingListener();
    closing.push(() => l.close());
    return l;
  };
  beforeAll(async () => {
    byDefault = await countingListener();
    silent = await silentPort();
    app = await startApp(engine, { config: { PROBE_TIMEOUT_MS: 300, PROBE_PORT: byDefault.port } });
  });
  beforeEach(async () => {
    // Each test's round probes its own hosts only.
    await app.db.query('DELETE FROM hosts');
    byDefault.connections.length = 0;
  });
  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
  });
  afterAll(async () => {
    await app?.close();
    await byDefault?.close();
    await silent?.close();
  });
  const runRound = () => app.call('POST', '/api/v1/probes/rounds', { as: as.member });
  const config = (overrides: Partial<ProbeConfig> = {}): ProbeConfig => ({ ...app.config, ...overrides });

  it('an open port goes to healthy: last_seen set, the change in host activity and on the live stream', async () => {
    const open = await listener();
    const stream = await openEvents(app.baseUrl);
    closing.push(async () => stream.close());
    await stream.next((m) => m.event === 'ready');
    const id = await insertHost(app.db, { hostname: 'web-1', ip: ['127.0.0.1'], port: open.port, environment: 'prod' });

    const res = await runRound();

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      round: expect.any(Number),
      ran: true,
      started_at: ISO,
      finished_at: ISO,
      probed: 1,
      healthy: 1,
      unhealthy: 0,
      transitions: 1,
    });
    expect(open.connections).toHaveLength(1);
    const host = await hostRow(app.db, id);
    expect(host).toMatchObject({ status: 'healthy', probed_round: res.body.round, version: 2, updated_by: 'probe' });
    expect(host.last_seen).toBe(host.last_probed_at);
    expect(host.last_seen! >= res.body.started_at && host.last_seen! <= res.body.finished_at).toBe(true);
    const activity = await activityOf(app.db, id);
    expect(activity).toEqual([
      expect.objectContaining({
        kind: 'probe',
        outcome: 'succeeded',
        from_status: 'unknown',
        to_status: 'healthy',
        actor: 'probe',
        role: null,
        summary: expect.stringMatching(new RegExp(`^TCP ${open.port} answered in \\d+ ms$`)),
      }),
    ]);
    // On the live stream as a 'host' event: the activity, and the host as it is now.
    const event = await stream.next((m) => m.event === 'host' && m.data.host.id === id);
    expect(event.id).toBe(String(activity[0]!.id));
    expect(event.data).toEqual({
      event_id: activity[0]!.id,
      activity: {
        id: activity[0]!.id,
        host_id: id,
        kind: 'probe',
        summary: activity[0]!.summary,
        outcome: 'succeeded',
        from_status: 'unknown',
        to_status: 'healthy',
        action_id: null,
        change_id: null,
        actor: 'probe',
        at: ISO,
      },
      host: expect.objectContaining({ id, hostname: 'web-1', status: 'healthy', last_seen: host.last_seen, version: 2 }),
    });
    const state = await app.call('GET', '/api/v1/probes', { as: as.viewer });
    expect(state.status).toBe(200);
    expect(state.body).toEqual({ interval_s: app.config.PROBE_INTERVAL_S, last_round: res.body, in_progress: false });
  });

  it('a closed port goes to unhealthy, and the host keeps when it was last seen', async () => {
    const port = await closedPort();
    const seen = '2026-11-30T08:00:00.000Z';
    const id = await insertHost(app.db, { hostname: 'db-1', ip: ['127.0.0.1'], port, status: 'healthy', lastSeen: seen });

    const res = await runRound();

    expect(res.body).toMatchObject({ ran: true, probed: 1, healthy: 0, unhealthy: 1, transitions: 1 });
    const host = await hostRow(app.db, id);
    expect(host).toMatchObject({ status: 'unhealthy', last_seen: seen, last_probed_at: ISO, version: 2 });
    expect(await activityOf(app.db, id)).toEqual([
      expect.objectContaining({
        kind: 'probe',
        outcome: 'failed',
        from_status: 'healthy',
        to_status: 'unhealthy',
        summary: `TCP ${port}: connection refused`,
      }),
    ]);
  });

  it('a port that accepts nothing within PROBE_TIMEOUT_MS goes to unhealthy', async () => {
    const id = await insertHost(app.db, { hostname: 'lb-1', ip: ['127.0.0.1'], port: silent.port });
    const started = performance.now();

    const res = await runRound();

    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.body).toMatchObject({ ran: true, probed: 1, unhealthy: 1, transitions: 1 });
    expect(await hostRow(app.db, id)).toMatchObject({ status: 'unhealthy', last_seen: null, last_probed_at: ISO });
    expect((await activityOf(app.db, id)).map((a) => a.summary)).toEqual([`TCP ${silent.port}: no answer within 300 ms`]);
  });

  it('probes PROBE_PORT when the host names no port, by name when it has no address, and writes activity only for a change', async () => {
    const id = await insertHost(app.db, { hostname: 'localhost', status: 'healthy', lastSeen: '2026-11-30T08:00:00.000Z' });

    const res = await runRound();

    expect(res.body).toMatchObject({ ran: true, probed: 1, healthy: 1, transitions: 0 });
    expect(byDefault.connections).toHaveLength(1);
    const host = await hostRow(app.db, id);
    expect(host).toMatchObject({ status: 'healthy', version: 1, updated_by: 'test' });
    expect(host.last_seen! > '2026-11-30T08:00:00.000Z').toBe(true);
    expect(await activityOf(app.db, id)).toEqual([]);
  });

  it('leaves retired hosts alone', async () => {
    const open = await listener();
    const retired = await insertHost(app.db, { hostname: 'old-1', ip: ['127.0.0.1'], port: open.port, status: 'retired' });
    const other = await insertHost(app.db, { hostname: 'new-1', ip: ['127.0.0.1'], port: await closedPort() });

    const res = await runRound();

    expect(res.body).toMatchObject({ ran: true, probed: 1, unhealthy: 1 });
    expect(open.connections).toEqual([]);
    expect(await hostRow(app.db, retired)).toMatchObject({ status: 'retired', last_probed_at: null, probed_round: null, version: 1 });
    expect(await activityOf(app.db, retired)).toEqual([]);
    expect((await hostRow(app.db, other)).probed_round).toBe(res.body.round);
  });

  it('runs one round at a time: a round asked for meanwhile answers ran: false at once, in one process or through the API', async () => {
    const open = await listener();
    await insertHost(app.db, { hostname: 'slow-1', ip: ['127.0.0.1'], port: silent.port });
    await insertHost(app.db, { hostname: 'fast-1', ip: ['127.0.0.1'], port: open.port });

    const first = runRound();
    await expect.poll(async () => (await app.call('GET', '/api/v1/probes', { as: as.viewer })).body.in_progress).toBe(true);
    const state = (await app.call('GET', '/api/v1/probes', { as: as.viewer })).body;
    const started = performance.now();
    const second = await runRound();
    expect(performance.now() - started).toBeLessThan(250);
    expect(second.body).toEqual({ ...state.last_round, ran: false, finished_at: null });
    expect((await first).body).toMatchObject({ round: state.last_round.round, ran: true, probed: 2 });
    expect(open.connections).toHaveLength(1);

    // Two at once from the same process, neither waiting for the other to start.
    const options = { db: app.db, config: config(), logger: silentLogger() };
    const both = await Promise.all([runProbeRound(options), runProbeRound(options)]);
    expect(both.map((r) => r.ran).sort()).toEqual([false, true]);
    expect(open.connections).toHaveLength(2);
  });

  it('a scheduled offer runs only when the interval has passed since the last round started, or that round never finished', async () => {
    await insertHost(app.db, { hostname: 'sched-1', ip: ['127.0.0.1'], port: (await listener()).port });
    const options = { db: app.db, config: config({ PROBE_INTERVAL_S: 3600 }), logger: silentLogger() };
    const offer = async () => (await runProbeRound({ ...options, scheduled: true })).ran;
    const now = async () => (await runProbeRound(options)).ran;
    const lease = (set: string) => app.db.query(`UPDATE probe_lease SET ${set}`);

    // Just finished: not due for a schedule, but a round asked for now runs.
    await lease(`until = NULL, started_at = now() - interval '1 minute', finished_at = now()`);
    expect(await offer()).toBe(false);
    expect(await now()).toBe(true);
    // The interval has passed since it started.
    await lease(`until = NULL, started_at = now() - interval '3601 seconds', finished_at = now() - interval '3599 seconds'`);
    expect(await offer()).toBe(true);
    // Its holder died a moment ago, and its lease has lapsed: due at once.
    await lease(`until = now() - interval '1 millisecond', started_at = now() - interval '2 seconds', finished_at = NULL`);
    expect(await offer()).toBe(true);
    // Held: by nobody else's decision.
    await lease(`until = now() + interval '1 minute', started_at = now() - interval '2 hours', finished_at = NULL`);
    expect(await offer()).toBe(false);
    expect(await now()).toBe(false);
    await lease(`until = NULL, finished_at = now()`);
  });

  it('renews its lease while it probes, and stops when another holder took it (it had stalled past it)', async () => {
    const open = await listener();
    await insertHost(app.db, { hostname: 'slow-2', ip: ['127.0.0.1'], port: silent.port });
    await insertHost(app.db, { hostname: 'fast-2', ip: ['127.0.0.1'], port: open.port });
    const log = capturingLogger();
    // A 1 s lease, renewed every 333 ms; one probe at a time, the first one silent for 5 s.
    const probing = runProbeRound({
      db: app.db,
      config: config({ PROBE_INTERVAL_S: 1, PROBE_TIMEOUT_MS: 5000, PROBE_CONCURRENCY: 1 }),
      logger: log.logger,
    });
    await expect.poll(async () => (await leaseRow(app.db)).until !== null).toBe(true);
    const { round, until } = await leaseRow(app.db);
    await sleep(700);
    expect((await leaseRow(app.db)).until! > until!).toBe(true);

    await app.db.query(`UPDATE probe_lease SET round = round + 1, holder = 'elsewhere', until = now() + interval '1 minute'`);
    const started = performance.now();
    const result = await probing;

    expect(performance.now() - started).toBeLessThan(2000);
    expect(result).toMatchObject({ round, ran: true, finished_at: null, probed: 0 });
    expect(open.connections).toEqual([]);
    expect(await leaseRow(app.db)).toMatchObject({ round: round + 1, holder: 'elsewhere' });
    expect(log.lines()).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/taken by another replica/) }));
    await app.db.query(`UPDATE probe_lease SET until = NULL, finished_at = now()`);
  });

  it('stopped by its process (a drain), drops the probes in flight and gives the lease back unfinished, due at once', async () => {
    await insertHost(app.db, { hostname: 'slow-3', ip: ['127.0.0.1'], port: silent.port });
    const stop = new AbortController();
    const options = { db: app.db, config: config({ PROBE_TIMEOUT_MS: 5000, PROBE_INTERVAL_S: 3600 }), logger: silentLogger() };
    const probing = runProbeRound({ ...options, signal: stop.signal });
    await expect.poll(async () => (await leaseRow(app.db)).until !== null).toBe(true);
    await sleep(100);
    const started = performance.now();
    stop.abort();
    const result = await probing;

    expect(performance.now() - started).toBeLessThan(1000);
    expect(result).toMatchObject({ ran: true, finished_at: null, probed: 0 });
    expect(await leaseRow(app.db)).toMatchObject({ round: result.round, until: null, finished_at: null });
    const state = (await app.call('GET', '/api/v1/probes', { as: as.viewer })).body;
    expect(state).toMatchObject({ in_progress: false, last_round: { round: result.round, finished_at: null } });
    // The next scheduled offer anywhere does not wait for the interval.
    await app.db.query('DELETE FROM hosts');
    expect((await runProbeRound({ ...options, scheduled: true })).ran).toBe(true);
  });

  it('is read by viewers and run by members; a refused round changes nothing', async () => {
    const before = await leaseRow(app.db);
    expectProblem(await app.call('POST', '/api/v1/probes/rounds', { as: as.viewer }), 403);
    expectProblem(await app.call('POST', '/api/v1/probes/rounds', { as: null }), 401);
    expectProblem(await app.call('GET', '/api/v1/probes', { as: null }), 401);
    expect(await leaseRow(app.db)).toEqual(before);
    expectProblem(await app.call('GET', '/api/v1/probes?verbose=1', { as: as.viewer }), 400);
  });
});

// ------------------------------------------------------------------ the command

describe.each(ENGINES)('dist/probe-round.mjs on %s', (engine) => {
  let bundle: Bundle;
  beforeAll(async () => {
    bundle = await buildEntry('bin/probe-round.ts');
  }, 60_000);
  afterAll(async () => {
    await bundle?.remove();
  });

  it('runs one round and exits 0, prints it, and is skipped (still 0) while a round is in progress elsewhere', async () => {
    const open = await countingListener();
    const dataDir = await mkdtemp(join(tmpdir(), 'iat-probe-cli-'));
    const fresh = engine === 'postgres' ? await freshDatabase('postgres') : undefined;
    // The embedded database is one process's: prepared here, closed, then opened by the command.
    const prepare = async (work: (db: Queryable) => Promise<unknown>) => {
      if (fresh) return work(fresh.db);
      const db = await openPglite(join(dataDir, 'pglite'));
      try {
        await migrate(db);
        return await work(db);
      } finally {
        await db.close();
      }
    };
    const env: Record<string, string> = { DATA_DIR: dataDir, LOG_LEVEL: 'info', PROBE_TIMEOUT_MS: '500' };
    if (fresh) env.DATABASE_URL = fresh.url!;
    try {
      await prepare((db) => insertHost(db, { hostname: 'cli-1', ip: ['127.0.0.1'], port: open.port }));
      const ran = await startServerProcess(bundle, env).exited;
      expect(ran.code, ran.stderr).toBe(0);
      expect(JSON.parse(ran.stdout)).toMatchObject({ round: 1, ran: true, probed: 1, healthy: 1, transitions: 1, finished_at: ISO });
      expect(open.connections).toHaveLength(1);
      expect(ran.stderr).toMatch(/"msg":"probe round finished"/);

      await prepare((db) => db.query(`UPDATE probe_lease SET until = now() + interval '1 minute', holder = 'elsewhere'`));
      const skipped = await startServerProcess(bundle, env).exited;
      expect(skipped.code, skipped.stderr).toBe(0);
      expect(JSON.parse(skipped.stdout)).toMatchObject({ round: 1, ran: false });
      expect(open.connections).toHaveLength(1);
    } finally {
      await fresh?.drop();
      await open.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

// ------------------------------------------------------------------ replicas

describePostgres('probe rounds across two server processes on one PostgreSQL database', () => {
  let bundle: Bundle;
  let dataDir: string;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    bundle = await buildEntry('bin/server.ts');
    dataDir = await mkdtemp(join(tmpdir(), 'iat-probes-'));
  }, 60_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  afterAll(async () => {
    await bundle?.remove();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function replica(url: string, env: Record<string, string>) {
    const port = await freePort();
    const proc = startServerProcess(bundle, {
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...env,
    });
    cleanups.push(async () => {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await proc.exited;
    });
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 100) throw new Error(`replica did not start:\n${proc.output()}`);
      await sleep(100);
    }
    return { proc, pid: proc.child.pid!, holds: (holder: string | null) => holder?.split(':')[1] === String(proc.child.pid) };
  }

  /** The lease as the test sees it change: each round, who took it, when it was first seen and whether it finished. */
  function watchLease(db: Queryable) {
    const rounds = new Map<number, { holder: string | null; seenAt: number; finished: boolean }>();
    let current: LeaseRow | undefined;
    let stopped = false;
    const done = (async () => {
      while (!stopped) {
        const row = await leaseRow(db);
        current = row;
        const known = rounds.get(row.round);
        if (!known) rounds.set(row.round, { holder: row.holder, seenAt: Date.now(), finished: row.finished_at !== null });
        else if (row.finished_at !== null) known.finished = true;
        await sleep(20);
      }
    })();
    return {
      rounds,
      get current() {
        return current;
      },
      stop: async () => {
        stopped = true;
        await done;
      },
    };
  }

  it('both offer rounds on their schedules: every host is probed once in every round, never twice', async () => {
    const db = await freshDatabase('postgres');
    cleanups.push(() => db.drop());
    const listeners = await Promise.all(Array.from({ length: 24 }, () => countingListener()));
    cleanups.push(() => Promise.all(listeners.map((l) => l.close())));
    for (const [i, l] of listeners.entries()) await insertHost(db.db, { hostname: `node-${i}`, ip: ['127.0.0.1'], port: l.port });
    const env = { PROBE_INTERVAL_S: '1', PROBE_TIMEOUT_MS: '500', PROBE_CONCURRENCY: '4' };
    const started = performance.now();
    const [a, b] = [await replica(db.url!, env), await replica(db.url!, env)];
    const watch = watchLease(db.db);
    cleanups.push(() => watch.stop());

    // Ten rounds, then both stop just after one finished: the next could not start for most of a second.
    await expect
      .poll(() => watch.current && watch.current.round >= 10 && watch.current.until === null && watch.current.finished_at !== null, {
        timeout: 30_000,
        interval: 10,
      })
      .toBe(true);
    a.proc.child.kill('SIGTERM');
    b.proc.child.kill('SIGTERM');
    expect((await a.proc.exited).code).toBe(0);
    expect((await b.proc.exited).code).toBe(0);
    await watch.stop();
    const elapsed = performance.now() - started;

    const last = await leaseRow(db.db);
    expect(last.finished_at).not.toBeNull();
    for (const [i, l] of listeners.entries()) expect(l.connections.length, `node-${i}`).toBe(last.round);
    const hosts = await db.db.query<{ probed_round: number; status: string }>('SELECT probed_round, status FROM hosts');
    expect(new Set(hosts.rows.map((h) => `${h.probed_round} ${h.status}`))).toEqual(new Set([`${last.round} healthy`]));
    // Both replicas took rounds: the lease, not a replica, decided which.
    const holders = [...watch.rounds.values()].map((r) => r.holder);
    expect(holders.some(a.holds)).toBe(true);
    expect(holders.some(b.holds)).toBe(true);
    console.info(
      `two replicas: ${last.round} rounds of 24 hosts in ${(elapsed / 1000).toFixed(1)} s; ` +
        `rounds taken: ${holders.filter(a.holds).length} and ${holders.filter(b.holds).length}`,
    );
  }, 60_000);

  it('a replica killed in the middle of a round: the other takes over once its lease lapses, and probes every host', async () => {
    const db = await freshDatabase('postgres');
    cleanups.push(() => db.drop());
    // Silent hosts first: the round's two probes wait on them for PROBE_TIMEOUT_MS while the fast ones queue.
    const silents = await Promise.all(Array.from({ length: 4 }, () => silentPort()));
    const listeners = await Promise.all(Array.from({ length: 8 }, () => countingListener()));
    cleanups.push(() => Promise.all([...silents, ...listeners].map((l) => l.close())));
    for (const [i, s] of silents.entries()) await insertHost(db.db, { hostname: `slow-${i}`, ip: ['127.0.0.1'], port: s.port });
    for (const [i, l] of listeners.entries()) await insertHost(db.db, { hostname: `fast-${i}`, ip: ['127.0.0.1'], port: l.port });
    const config = { PROBE_INTERVAL_S: 3, PROBE_TIMEOUT_MS: 1500 };
    const lease = leaseMs(config); // 3 s: the interval caps max(30 s, 3 × 1.5 s)
    const offer = offerEveryMs({ ...config, PROBE_PORT: 22, PROBE_CONCURRENCY: 2 }); // 1 s
    const env = { PROBE_INTERVAL_S: '3', PROBE_TIMEOUT_MS: '1500', PROBE_CONCURRENCY: '2' };
    const replicas = [await replica(db.url!, env), await replica(db.url!, env)];
    const watch = watchLease(db.db);
    cleanups.push(() => watch.stop());

    // The first round is held, and its probes wait on the silent hosts.
    await expect.poll(() => watch.current?.round === 1 && watch.current.until !== null, { timeout: 10_000, interval: 10 }).toBe(true);
    await sleep(500);
    const holder = replicas.find((r) => r.holds(watch.current!.holder))!;
    const other = replicas.find((r) => r !== holder)!;
    expect(listeners.every((l) => l.connections.length === 0)).toBe(true);
    holder.proc.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await holder.proc.exited).signal).toBe('SIGKILL');

    // The other replica takes round 2 once the lease lapses, at its next offer.
    await expect.poll(() => watch.rounds.get(2)?.holder ?? null, { timeout: lease + offer + 5000, interval: 10 }).not.toBeNull();
    const takeover = watch.rounds.get(2)!;
    expect(other.holds(takeover.holder)).toBe(true);
    expect(watch.rounds.get(1)!.finished).toBe(false);
    const waited = takeover.seenAt - killedAt;
    expect(waited).toBeLessThanOrEqual(lease + offer + 500);
    // …and probes every host in it.
    await expect.poll(() => watch.rounds.get(2)?.finished, { timeout: 10_000, interval: 20 }).toBe(true);
    const hosts = await db.db.query<{ hostname: string; probed_round: number; last_probed_at: string }>(
      'SELECT hostname, probed_round, last_probed_at FROM hosts ORDER BY id',
    );
    for (const h of hosts.rows) {
      expect(h.probed_round, h.hostname).toBeGreaterThanOrEqual(2);
      expect(Date.parse(h.last_probed_at), h.hostname).toBeGreaterThan(killedAt - 1000);
    }
    for (const l of listeners) expect(l.connections.filter((at) => at > killedAt).length).toBeGreaterThanOrEqual(1);
    // The most a fast host waited past the kill: the lapse, an offer, and the silent hosts ahead of it in the round.
    const slowest = Math.max(...listeners.map((l) => l.connections.find((at) => at > killedAt)! - killedAt));
    expect(slowest).toBeLessThanOrEqual(lease + offer + 2 * config.PROBE_TIMEOUT_MS + 1000);
    console.info(
      `killed mid-round: round 2 taken ${waited} ms after the kill (lease ${lease} ms, offers every ${offer} ms); ` +
        `every fast host probed again within ${slowest} ms`,
    );
  }, 60_000);

  it('a replica that drains gives its lease back at once: the other takes over at its next offer, not when the lease would lapse', async () => {
    const db = await freshDatabase('postgres');
    cleanups.push(() => db.drop());
    const silents = await Promise.all(Array.from({ length: 2 }, () => silentPort()));
    const open = await countingListener();
    cleanups.push(() => Promise.all([...silents, open].map((l) => l.close())));
    for (const [i, s] of silents.entries()) await insertHost(db.db, { hostname: `slow-${i}`, ip: ['127.0.0.1'], port: s.port });
    await insertHost(db.db, { hostname: 'fast-0', ip: ['127.0.0.1'], port: open.port });
    // The replica that drains: a 6 s lease (the interval caps 3 × 10 s), renewed every 2 s, while a probe waits 10 s.
    const draining = await replica(db.url!, { PROBE_INTERVAL_S: '6', PROBE_TIMEOUT_MS: '10000', PROBE_CONCURRENCY: '1' });
    const watch = watchLease(db.db);
    cleanups.push(() => watch.stop());
    await expect.poll(() => watch.current?.round === 1 && watch.current.until !== null, { timeout: 15_000, interval: 10 }).toBe(true);
    expect(draining.holds(watch.current!.holder)).toBe(true);
    const other = await replica(db.url!, { PROBE_INTERVAL_S: '3', PROBE_TIMEOUT_MS: '300', PROBE_CONCURRENCY: '4' });

    const stoppedAt = Date.now();
    draining.proc.child.kill('SIGTERM');
    const exit = await draining.proc.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(3000);
    const given = await leaseRow(db.db);
    expect(given).toMatchObject({ round: 1, until: null, finished_at: null });

    // Taken over at the other's next offer (every second): sooner than the 4 s or more the lease still had to run.
    await expect.poll(() => watch.rounds.get(2)?.finished, { timeout: 10_000, interval: 20 }).toBe(true);
    expect(other.holds(watch.rounds.get(2)!.holder)).toBe(true);
    expect(watch.rounds.get(2)!.seenAt - stoppedAt).toBeLessThan(3000);
    expect(open.connections).toHaveLength(1);
  }, 60_000);
});
