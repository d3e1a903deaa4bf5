// GET /metrics, scraped after known traffic and read as the Prometheus text format
// (test/support/prometheus.ts refuses what a Prometheus server would), on both
// engines; and the request log the same requests wrote.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../app/routes';
import type { Database } from '../../lib/db/database';
import { createApp } from '../../lib/http/router';
import { Metrics } from '../../lib/metrics';
import { responseMismatches } from '../../lib/operation/response-check';
import { as, createAction, ENGINES, expectProblem, freshDatabase, startApp, uniqueWord, type Reply, type TestApp } from '../support/app';
import { albEvent, capturingLogger, inProcessDeps } from '../support/in-process';
import { labelKey, parseExposition, valueOf, type Exposition } from '../support/prometheus';
import { openEvents } from '../support/sse';

const STATUSES = ['open', 'in_progress', 'blocked', 'resolved', 'closed'];
const PRIORITIES = ['critical', 'high', 'medium', 'low'];
const TOKEN = 'scrape-secret-0123456789abcdef';

/** A database whose queries the test can slow down, fail or count, over a real one. */
function steerable(db: Database) {
  const state = { mode: 'pass' as 'pass' | 'hang' | 'fail', queries: 0 };
  const steered: Database = Object.create(db) as Database;
  steered.query = ((statement: Parameters<Database['query']>[0], params?: readonly unknown[]) => {
    state.queries++;
    if (state.mode === 'hang') return new Promise(() => {});
    if (state.mode === 'fail') return Promise.reject(new Error('connection terminated unexpectedly'));
    return db.query(statement, params);
  }) as Database['query'];
  return { db: steered, state };
}

/** A transaction held open until released: one pool connection busy (PGlite: its one session). */
function holdConnection(db: Database) {
  let release!: () => void;
  const released = new Promise<void>((done) => (release = done));
  let started!: () => void;
  const running = new Promise<void>((done) => (started = done));
  const finished = db.transaction(async (tx) => {
    await tx.query('SELECT 1');
    started();
    await released;
  });
  return { running, release: async () => (release(), await finished) };
}

describe.each(ENGINES)('GET /metrics on %s', (engine) => {
  let app: TestApp;
  const log = capturingLogger();
  beforeAll(async () => {
    app = await startApp(engine, { config: { METRICS_COUNTS_MAX_AGE_S: 0 }, logger: log.logger });
  });
  afterAll(async () => {
    await app?.close();
  });

  const scrape = async (): Promise<Exposition> => {
    const res = await app.call('GET', '/metrics', { as: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(res.text);
  };
  const series = (e: Exposition, name: string) => {
    const out = new Map<string, number>();
    for (const s of e.get(name)?.samples ?? []) if (s.name === name || s.name === `${name}_count`) out.set(labelKey(s.labels), s.value);
    return out;
  };
  /** The series of a family whose value changed between two scrapes, with the change. */
  const changed = (before: Exposition, after: Exposition, name: string) => {
    const was = series(before, name);
    const out: Record<string, number> = {};
    for (const [key, value] of series(after, name)) if (value !== (was.get(key) ?? 0)) out[key] = value - (was.get(key) ?? 0);
    return out;
  };
  const key = (method: string, route: string, status: number) => labelKey({ method, route, status: String(status) });
  const stored = (e: Exposition, status: string, priority: string) => valueOf(e, 'action_tracker_actions', { status, priority });

  it('counts known traffic by method, route template and status, in the counter and the histogram alike', async () => {
    const before = await scrape();
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createAction(app)).id);
    for (let i = 0; i < 4; i++) expect((await app.call('GET', `/api/v1/actions/${ids[i % 3]}`, { as: as.viewer })).status).toBe(200);
    expect((await app.call('HEAD', `/api/v1/actions/${ids[0]}`, { as: as.viewer })).status).toBe(200);
    expectProblem(await app.call('GET', '/api/v1/actions/987654321', { as: as.viewer }), 404);
    expectProblem(await app.call('GET', '/api/v1/nothing/12345', { as: as.viewer }), 404);
    expectProblem(await app.call('GET', '/api/v1/actions', { as: null }), 401);
    const after = await scrape();

    const expected = {
      [key('POST', '/api/v1/actions', 201)]: 3,
      [key('GET', '/api/v1/actions/{id}', 200)]: 4,
      [key('HEAD', '/api/v1/actions/{id}', 200)]: 1,
      [key('GET', '/api/v1/actions/{id}', 404)]: 1,
      [key('GET', '(unrouted)', 404)]: 1,
      [key('GET', '/api/v1/actions', 401)]: 1,
      // The first scrape: a scrape is recorded once its text is made, so it is in the next one.
      [key('GET', '/metrics', 200)]: 1,
    };
    expect(changed(before, after, 'http_requests_total')).toEqual(expected);
    expect(changed(before, after, 'http_request_duration_seconds')).toEqual(expected);

    const requests = after.get('http_requests_total')!;
    expect(requests.type).toBe('counter');
    const histogram = after.get('http_request_duration_seconds')!;
    expect(histogram.type).toBe('histogram');
    // Route templates only, never a raw path: the spec paths and lib/http's own labels.
    const templates = new Set([...OPERATIONS.map((o) => o.spec.path), '(unrouted)', '(static)']);
    for (const s of [...requests.samples, ...histogram.samples]) {
      expect(
        Object.keys(s.labels)
          .filter((l) => l !== 'le')
          .sort(),
      ).toEqual(['method', 'route', 'status']);
      expect(templates.has(s.labels.route!), s.labels.route).toBe(true);
    }
    const bounds = histogram.samples
      .filter((s) => s.name.endsWith('_bucket') && s.labels.route === '/api/v1/actions' && s.labels.method === 'POST')
      .map((s) => s.labels.le);
    expect(bounds).toEqual([
      '0.001',
      '0.0025',
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '30',
      '60',
      '+Inf',
    ]);
    const seconds = (e: Exposition) =>
      valueOf(e, 'http_request_duration_seconds_sum', { method: 'POST', route: '/api/v1/actions', status: '201' }) ?? 0;
    expect(seconds(after) - seconds(before)).toBeGreaterThan(0);
    expect(seconds(after) - seconds(before)).toBeLessThan(30);
  });

  it('counts actions by status and priority and the evidence stored, recounted by each scrape when the max age is 0', async () => {
    const before = await scrape();
    const a = await createAction(app, { priority: 'critical' });
    const b = await createAction(app, { priority: 'critical' });
    const moved = await app.call('POST', `/api/v1/actions/${b.id}/status`, { as: as.member, body: { status: 'in_progress' } });
    expect(moved.status).toBe(200);
    const upload = await app.call('POST', `/api/v1/actions/${a.id}/evidence?filename=events.log`, {
      body: 'x'.repeat(1234),
      headers: { 'content-type': 'text/plain' },
    });
    expect(upload.status).toBe(201);
    const after = await scrape();

    expect(after.get('action_tracker_actions')!.type).toBe('gauge');
    for (const status of STATUSES)
      for (const priority of PRIORITIES) expect(stored(after, status, priority), `${status} ${priority}`).toBeGreaterThanOrEqual(0);
    expect(after.get('action_tracker_actions')!.samples).toHaveLength(STATUSES.length * PRIORITIES.length);
    expect(stored(after, 'open', 'critical')! - (stored(before, 'open', 'critical') ?? 0)).toBe(1);
    expect(stored(after, 'in_progress', 'critical')! - (stored(before, 'in_progress', 'critical') ?? 0)).toBe(1);
    expect(valueOf(after, 'action_tracker_evidence_files')! - (valueOf(before, 'action_tracker_evidence_files') ?? 0)).toBe(1);
    expect(valueOf(after, 'action_tracker_evidence_bytes')! - (valueOf(before, 'action_tracker_evidence_bytes') ?? 0)).toBe(1234);

    // The gauges add up to what is stored.
    const total = after.get('action_tracker_actions')!.samples.reduce((n, s) => n + s.value, 0);
    const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM actions');
    expect(total).toBe(rows[0]!.n);
    expect(valueOf(after, 'action_tracker_counts_age_seconds')).toBeLessThan(5);
  });

  it('keeps counts for METRICS_COUNTS_MAX_AGE_S, shared by the scrapes in between', async () => {
    const { db, state } = steerable(app.db);
    const metrics = new Metrics({ db, config: { METRICS_COUNTS_MAX_AGE_S: 3600 }, logger: log.logger });
    const first = parseExposition(await metrics.exposition());
    await createAction(app, { priority: 'low' });
    const second = parseExposition(await metrics.exposition());
    expect(state.queries).toBe(1);
    expect(stored(second, 'open', 'low')).toBe(stored(first, 'open', 'low'));
    expect(valueOf(second, 'action_tracker_counts_age_seconds')).toBeGreaterThan(valueOf(first, 'action_tracker_counts_age_seconds')!);
    expect(second.get('action_tracker_actions')!.help).toMatch(/METRICS_COUNTS_MAX_AGE_S \(3600 s\)/);
  });

  it('answers a scrape within its wait when the database is slow, with the last figures, and counts once at a time', async () => {
    const { db, state } = steerable(app.db);
    const metrics = new Metrics({ db, config: { METRICS_COUNTS_MAX_AGE_S: 0 }, logger: log.logger, countWaitMs: 100 });
    const known = parseExposition(await metrics.exposition());
    state.mode = 'hang';
    await createAction(app, { priority: 'low' });
    const started = performance.now();
    const slow = parseExposition(await metrics.exposition());
    expect(performance.now() - started).toBeLessThan(1000);
    expect(stored(slow, 'open', 'low')).toBe(stored(known, 'open', 'low'));
    await metrics.exposition();
    // The hanging count is still the one running: the second scrape started none.
    expect(state.queries).toBe(2);
  });

  it('logs a failed count, keeps nothing it does not know, and does not ask again before the max age', async () => {
    const { db, state } = steerable(app.db);
    state.mode = 'fail';
    const capture = capturingLogger();
    const metrics = new Metrics({ db, config: { METRICS_COUNTS_MAX_AGE_S: 60 }, logger: capture.logger });
    const first = parseExposition(await metrics.exposition());
    expect(first.get('action_tracker_actions')!.samples).toEqual([]);
    expect(valueOf(first, 'action_tracker_evidence_bytes')).toBeNaN();
    expect(valueOf(first, 'action_tracker_counts_age_seconds')).toBe(Infinity);
    expect(capture.lines()).toEqual([
      expect.objectContaining({ level: 'warn', err: expect.objectContaining({ message: 'connection terminated unexpectedly' }) }),
    ]);
    await metrics.exposition();
    expect(state.queries).toBe(1);
  });

  it('reports the database pool: connections, idle ones and requests waiting', async () => {
    const pool = (e: Exposition) =>
      ['connections', 'idle_connections', 'waiting_requests'].map((n) => valueOf(e, `action_tracker_db_pool_${n}`));
    const [total, idle, waiting] = pool(await scrape());
    if (engine === 'pglite') expect([total, idle, waiting]).toEqual([1, 1, 0]);
    else {
      expect(total).toBeGreaterThanOrEqual(1);
      expect(idle).toBeLessThanOrEqual(total!);
      expect(waiting).toBe(0);
    }

    // A pool of two (PGlite: its one session), every connection held, and one query waiting.
    const small = engine === 'postgres' ? await freshDatabase('postgres', { poolMax: 2 }) : undefined;
    const db = small?.db ?? app.db;
    const metrics = new Metrics({ db, config: { METRICS_COUNTS_MAX_AGE_S: 3600 }, logger: log.logger });
    try {
      await metrics.exposition(); // counted now, so the scrapes below ask the database nothing
      const held = engine === 'postgres' ? [holdConnection(db), holdConnection(db)] : [holdConnection(db)];
      await Promise.all(held.map((h) => h.running));
      const waiter = db.query('SELECT 1');
      expect(pool(parseExposition(await metrics.exposition()))).toEqual(engine === 'postgres' ? [2, 0, 1] : [1, 0, 1]);
      for (const h of held) await h.release();
      await waiter;
      expect(pool(parseExposition(await metrics.exposition()))).toEqual(engine === 'postgres' ? [2, 2, 0] : [1, 1, 0]);
    } finally {
      await small?.drop();
    }
  });

  it('reports the live event streams this process holds open', async () => {
    expect(valueOf(await scrape(), 'action_tracker_live_streams')).toBe(0);
    const streams = [await openEvents(app.baseUrl), await openEvents(app.baseUrl)];
    await Promise.all(streams.map((s) => s.next((m) => m.event === 'ready')));
    expect(valueOf(await scrape(), 'action_tracker_live_streams')).toBe(2);
    streams[0]!.close();
    await expect.poll(async () => valueOf(await scrape(), 'action_tracker_live_streams')).toBe(1);
    streams[1]!.close();
    await expect.poll(async () => valueOf(await scrape(), 'action_tracker_live_streams')).toBe(0);
  });

  it('counts hosts by status, and each healthy or unhealthy host while at most METRICS_HOSTS_MAX are not retired', async () => {
    const word = uniqueWord('h');
    const host = (suffix: string, status: string, environment: string | null) =>
      app.db.query(
        `INSERT INTO hosts (hostname, status, environment, created_by, updated_by) VALUES ($1, $2::host_status, $3, 'test', 'test')`,
        [`${word}-${suffix}`, status, environment],
      );
    await host('a', 'healthy', 'prod');
    await host('b', 'unhealthy', 'staging');
    await host('c', 'unknown', 'prod');
    await host('d', 'retired', 'prod');
    await host('e', 'healthy', null);
    const { rows } = await app.db.query<{ status: string; n: number }>(
      'SELECT status::text AS status, count(*)::int AS n FROM hosts GROUP BY status',
    );
    const stored = Object.fromEntries(rows.map((r) => [r.status, r.n]));

    const e = await scrape();

    expect(e.get('hosts_by_status')!.type).toBe('gauge');
    for (const status of ['healthy', 'unhealthy', 'unknown', 'retired'])
      expect(valueOf(e, 'hosts_by_status', { status }), status).toBe(stored[status] ?? 0);
    expect(e.get('host_status')!.type).toBe('gauge');
    expect(valueOf(e, 'host_status', { hostname: `${word}-a`, environment: 'prod' })).toBe(1);
    expect(valueOf(e, 'host_status', { hostname: `${word}-b`, environment: 'staging' })).toBe(0);
    expect(valueOf(e, 'host_status', { hostname: `${word}-e`, environment: '' })).toBe(1);
    // Unknown and retired hosts have no series.
    const named = e.get('host_status')!.samples.map((sample) => sample.labels.hostname);
    expect(named.filter((n) => n?.startsWith(word)).sort()).toEqual([`${word}-a`, `${word}-b`, `${word}-e`]);

    // More hosts than METRICS_HOSTS_MAX: the counts only.
    const capped = new Metrics({ db: app.db, config: { METRICS_COUNTS_MAX_AGE_S: 0, METRICS_HOSTS_MAX: 1 }, logger: log.logger });
    const few = parseExposition(await capped.exposition());
    expect(few.get('host_status')!.samples).toEqual([]);
    expect(few.get('host_status')!.help).toMatch(/METRICS_HOSTS_MAX \(1\)/);
    expect(valueOf(few, 'hosts_by_status', { status: 'healthy' })).toBe(stored.healthy);
  });

  it('observes how long each probe round this process runs takes', async () => {
    await app.db.query('DELETE FROM hosts');
    const before = await scrape();
    const res = await app.call('POST', '/api/v1/probes/rounds', { as: as.member });
    expect(res.body).toMatchObject({ ran: true, probed: 0 });
    const after = await scrape();

    expect(after.get('probe_round_duration_seconds')!.type).toBe('histogram');
    const count = (x: Exposition) => valueOf(x, 'probe_round_duration_seconds_count') ?? 0;
    const sum = (x: Exposition) => valueOf(x, 'probe_round_duration_seconds_sum') ?? 0;
    expect(count(after) - count(before)).toBe(1);
    expect(sum(after) - sum(before)).toBeGreaterThan(0);
    expect(sum(after) - sum(before)).toBeLessThan(5);
    // A round skipped because another holds the lease is not one this process ran.
    await app.db.query(`UPDATE probe_lease SET until = now() + interval '1 minute'`);
    expect((await app.call('POST', '/api/v1/probes/rounds', { as: as.member })).body.ran).toBe(false);
    await app.db.query('UPDATE probe_lease SET until = NULL');
    expect(count(await scrape()) - count(after)).toBe(0);
  });

  it('includes the default process and Node.js metrics', async () => {
    const e = await scrape();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(e.get(name)?.samples.length, name).toBeGreaterThan(0);
    }
    expect(e.get('nodejs_gc_duration_seconds')?.type).toBe('histogram');
  });

  it('refuses a query string it does not take', async () => {
    expectProblem(await app.call('GET', '/metrics?debug=1', { as: null }), 400);
  });

  describe('with METRICS_TOKEN', () => {
    const scrapeWith = async (headers: Record<string, string>, multiValueHeaders?: Record<string, string[]>) => {
      const capture = capturingLogger();
      const router = createApp({
        operations: OPERATIONS,
        deps: inProcessDeps({ db: app.db, logger: capture.logger, config: { METRICS_TOKEN: TOKEN, METRICS_COUNTS_MAX_AGE_S: 60 } }),
      });
      const event = albEvent('GET', '/metrics', { headers });
      if (multiValueHeaders) event.multiValueHeaders = multiValueHeaders;
      const result = await router.dispatch(event);
      const res: Reply = {
        status: result.statusCode,
        headers: new Headers(result.headers as Record<string, string>),
        text: result.body ?? '',
        body: /json/.test(String(result.headers?.['content-type'])) ? JSON.parse(result.body!) : undefined,
      };
      expect(
        responseMismatches(router.match('GET', '/metrics').handler.spec, {
          method: 'GET',
          status: res.status,
          contentType: res.headers.get('content-type'),
          text: res.text,
        }),
      ).toEqual([]);
      return { res, lines: capture.lines() };
    };

    it('answers the right bearer token', async () => {
      const { res } = await scrapeWith({ authorization: `Bearer ${TOKEN}` });
      expect(res.status).toBe(200);
      expect(parseExposition(res.text).get('http_requests_total')).toBeDefined();
      expect((await scrapeWith({ authorization: `bearer ${TOKEN}` })).res.status).toBe(200);
    });

    it.each([
      ['no Authorization', {}, undefined],
      ['another token', { authorization: 'Bearer scrape-secret-0123456789abcdeX' }, undefined],
      ['an API token', { authorization: `Bearer iat_${'a'.repeat(43)}` }, undefined],
      ['another scheme', { authorization: `Basic ${TOKEN}` }, undefined],
      ['the token twice', { authorization: `Bearer ${TOKEN}` }, { authorization: [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`] }],
    ])('refuses %s with 401, and logs why without the value', async (_, headers: Record<string, string>, multi) => {
      const { res, lines } = await scrapeWith(headers, multi);
      expect(expectProblem(res, 401).type).toMatch(/unauthenticated$/);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(res.text).not.toContain('http_requests_total');
      const refusal = lines.find((l) => l.msg === 'metrics scrape refused');
      expect(refusal).toMatchObject({ level: 'info', reason: expect.any(String), route: '/metrics' });
      const text = JSON.stringify(lines);
      expect(text).not.toContain('0123456789abcde');
      expect(text).not.toContain('a'.repeat(43));
    });

    it('is public without it, whatever Authorization says', async () => {
      const res = await app.call('GET', '/metrics', { as: null, headers: { authorization: 'Bearer whatever' } });
      expect(res.status).toBe(200);
    });
  });

  describe('the request log', () => {
    const accessLines = () => log.lines().filter((l) => l.msg === 'request');

    it('writes one line per request with its id, caller, how they were identified, route template, status and duration', async () => {
      const action = await createAction(app);
      const res = await app.call('GET', `/api/v1/actions/${action.id}`, { as: as.lead, headers: { 'x-request-id': 'trace-metrics-1' } });
      expect(res.status).toBe(200);
      const lines = accessLines().filter((l) => l.request_id === 'trace-metrics-1');
      expect(lines).toEqual([
        {
          level: 'info',
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          service: 'action-tracker',
          request_id: 'trace-metrics-1',
          route: '/api/v1/actions/{id}',
          user: 'lee',
          role: 'lead',
          identified_by: 'headers',
          method: 'GET',
          status: 200,
          duration_ms: expect.any(Number),
          msg: 'request',
        },
      ]);
    });

    it('writes the load balancer’s health checks at debug', async () => {
      expect((await app.call('GET', '/health', { as: null, headers: { 'x-request-id': 'health-check-1' } })).status).toBe(200);
      expect(accessLines().filter((l) => l.request_id === 'health-check-1')).toEqual([
        expect.objectContaining({ level: 'debug', route: '/health', status: 200 }),
      ]);
    });

    it('never writes a bearer token it was sent, even one it refused', async () => {
      const secret = `iat_${'Zq9'.repeat(14)}x`;
      expect(secret).toMatch(/^iat_[A-Za-z0-9_-]{43}$/);
      const res = await app.call('GET', '/api/v1/actions', {
        as: null,
        headers: { authorization: `Bearer ${secret}`, 'x-request-id': 'token-refused-1' },
      });
      expectProblem(res, 401);
      const lines = log.lines().filter((l) => l.request_id === 'token-refused-1');
      expect(lines.map((l) => l.msg)).toEqual(['identity refused', 'request']);
      expect(JSON.stringify(log.lines())).not.toContain(secret);
    });
  });
});
