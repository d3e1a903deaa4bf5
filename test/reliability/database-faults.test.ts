// The real bundled server process (dist/server.mjs) when PostgreSQL
// misbehaves: backends terminated during writes, a network that goes silent,
// a database that is unreachable. The process must stay up, answer every
// request with a 200 or a 503 problem within a bound, heal on its own once
// the database is back, and never write the database password anywhere.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it, onTestFailed } from 'vitest';
import { as, expectProblem, freshDatabase, POSTGRES_URL, type Caller, type FreshDatabase, type Reply } from '../support/app';
import { buildBundle, startServerProcess, type Bundle, freePort } from '../support/build';
import { describePostgres, startFaultProxy, type FaultProxy } from '../support/fault-proxy';

/** Put in every DATABASE_URL (trust auth ignores it); it must never appear in the process's output. */
const SECRET = 'not-a-real-secret';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The URL of `db` with the password set and, optionally, host and port replaced (the proxy). */
function serverUrl(db: FreshDatabase, via?: FaultProxy): string {
  const url = new URL(db.url!);
  url.password = SECRET;
  if (via) {
    url.hostname = '127.0.0.1';
    url.port = String(via.port);
  }
  return url.toString();
}

interface Answer extends Reply {
  /** Milliseconds from sending to the whole body read. */
  ms: number;
}
interface Failure {
  error: string;
  ms: number;
}
type Outcome = Answer | Failure;
const failed = (o: Outcome): o is Failure => 'error' in o;

interface RunningServer {
  base: string;
  child: ReturnType<typeof startServerProcess>['child'];
  stdout(): string;
  stderr(): string;
  /** One HTTP request with its own client-side timeout; never throws. */
  call(method: string, path: string, options?: { body?: unknown; as?: Caller; timeoutMs?: number }): Promise<Outcome>;
}

const show = (o: Outcome) =>
  failed(o) ? `${o.error} after ${Math.round(o.ms)} ms` : `${o.status} after ${Math.round(o.ms)} ms: ${o.text.slice(0, 300)}`;

/** A 503 problem of type …/unavailable that leaks no stack or SQL. */
function expectUnavailable(o: Outcome, what: string) {
  if (failed(o)) throw new Error(`${what}: no answer (${show(o)})`);
  const problem = expectProblem(o, 503);
  expect(problem.type, `${what}: ${o.text}`).toMatch(/\/unavailable$/);
  return problem;
}

describePostgres('the bundled server process when PostgreSQL fails', () => {
  let bundle: Bundle;
  let dataDir: string;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    bundle = await buildBundle();
    dataDir = await mkdtemp(join(tmpdir(), 'iat-faults-'));
  }, 60_000);
  afterEach(async () => {
    // Last started, first stopped: the server, then the proxy, then the database.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  afterAll(async () => {
    await bundle?.remove();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function database(): Promise<FreshDatabase & { name: string }> {
    const db = await freshDatabase('postgres');
    cleanups.push(() => db.drop());
    return Object.assign(db, { name: new URL(db.url!).pathname.slice(1) });
  }

  async function proxy(): Promise<FaultProxy> {
    const target = new URL(POSTGRES_URL!);
    const p = await startFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port || 5432) });
    cleanups.push(() => p.close());
    return p;
  }

  /** Starts dist/server.mjs and waits until /health answers 200. */
  async function startServer(databaseUrl: string, env: Record<string, string> = {}): Promise<RunningServer> {
    const port = await freePort();
    const proc = startServerProcess(bundle, {
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...env,
    });
    let stderr = '';
    proc.child.stderr!.on('data', (chunk: string) => (stderr += chunk));
    cleanups.push(async () => {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
      await proc.exited;
    });
    onTestFailed(() => {
      const tail = (text: string) => (text.length > 6_000 ? `…${text.slice(-6_000)}` : text);
      console.error(
        `--- server process (exit code ${proc.child.exitCode}, signal ${proc.child.signalCode}) ---\n` +
          `stderr:\n${tail(stderr) || '(empty)'}\nstdout:\n${tail(proc.output()) || '(empty)'}\n---`,
      );
    });
    const base = `http://127.0.0.1:${port}`;
    const server: RunningServer = {
      base,
      child: proc.child,
      stdout: proc.output,
      stderr: () => stderr,
      async call(method, path, options = {}) {
        const who = options.as ?? as.member;
        const headers: Record<string, string> = { 'x-user': who.user, 'x-role': who.role };
        if (options.body !== undefined) headers['content-type'] = 'application/json';
        const timeoutMs = options.timeoutMs ?? 10_000;
        const started = performance.now();
        try {
          const res = await fetch(base + path, {
            method,
            headers,
            body: options.body === undefined ? undefined : JSON.stringify(options.body),
            signal: AbortSignal.timeout(timeoutMs),
          });
          const text = await res.text();
          const body = /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : undefined;
          return { status: res.status, headers: res.headers, text, body, ms: performance.now() - started };
        } catch (error) {
          const e = error as Error & { cause?: { code?: string; message?: string } };
          const why =
            e.name === 'TimeoutError'
              ? `no answer within ${timeoutMs} ms`
              : `${e.message}${e.cause ? ` (${e.cause.code ?? e.cause.message})` : ''}`;
          return { error: why, ms: performance.now() - started };
        }
      },
    };
    const deadline = performance.now() + 30_000;
    for (;;) {
      if (proc.child.exitCode !== null)
        throw new Error(`the server exited at start (code ${proc.child.exitCode}): ${stderr}${proc.output()}`);
      const health = await server.call('GET', '/health', { timeoutMs: 2_000 });
      if (!failed(health) && health.status === 200) return server;
      if (performance.now() > deadline) throw new Error(`the server did not become healthy within 30 s: ${show(health)}`);
      await sleep(100);
    }
  }

  /** Still the same process, and it still answers. */
  async function expectAlive(server: RunningServer) {
    expect(
      { exitCode: server.child.exitCode, signal: server.child.signalCode },
      `the server process exited; its stderr:\n${server.stderr().slice(-3_000)}`,
    ).toEqual({ exitCode: null, signal: null });
    const res = await server.call('GET', '/api/v1/openapi.json', { timeoutMs: 3_000 });
    expect(failed(res) ? res.error : res.status).toBe(200);
  }

  /** Polls until every request of `probe` answers 200; returns how long that took. */
  async function healsWithin(server: RunningServer, limitMs: number, probe: () => Promise<Outcome>[]): Promise<number> {
    const started = performance.now();
    let last: Outcome[] = [];
    while (performance.now() - started < limitMs) {
      last = await Promise.all(probe());
      if (last.every((o) => !failed(o) && o.status === 200)) return performance.now() - started;
      await sleep(100);
    }
    throw new Error(`not healed within ${limitMs} ms; last answers: ${last.map(show).join(' | ')}`);
  }

  function expectNoSecret(server: RunningServer) {
    expect(server.stdout().includes(SECRET), 'the database password appears in stdout').toBe(false);
    expect(server.stderr().includes(SECRET), 'the database password appears in stderr').toBe(false);
  }

  // ------------------------------------------------------------ a. terminated backends

  it('stays up while backends are terminated during 300 writes: every answer is 200 or a 503 problem, and the pool heals', async () => {
    const db = await database();
    const server = await startServer(serverUrl(db));
    const created = await server.call('POST', '/api/v1/actions', { body: { title: 'Rotate the bastion host key' } });
    if (failed(created) || created.status !== 201) throw new Error(`create failed: ${show(created)}`);
    const id: number = created.body.id;

    // The terminator: every 0.3 s, every backend of this test's database (the server's connections).
    const killer = new pg.Client({ connectionString: POSTGRES_URL });
    killer.on('error', () => undefined);
    await killer.connect();
    cleanups.push(() => killer.end());
    let stop = false;
    let rounds = 0;
    let terminated = 0;
    const terminator = (async () => {
      while (!stop) {
        await sleep(300);
        if (stop) break;
        const { rows } = await killer.query<{ ok: boolean }>(
          'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [db.name],
        );
        rounds++;
        terminated += rows.filter((r) => r.ok).length;
      }
    })();

    const outcomes: Outcome[] = [];
    try {
      for (let i = 1; i <= 300; i++) {
        outcomes.push(await server.call('PATCH', `/api/v1/actions/${id}`, { body: { title: `Rotate the bastion host key, take ${i}` } }));
        if (server.child.exitCode !== null) break; // it died: the rest would only be refused
      }
    } finally {
      stop = true;
      await terminator;
    }

    // The process is still running and answering.
    await expectAlive(server);
    expect(rounds, 'the writes ended before the terminator ran').toBeGreaterThanOrEqual(1);
    expect(terminated, 'the terminator never hit a backend: the test proved nothing').toBeGreaterThan(0);

    // Every answer is a 200 or a 503 problem that leaks nothing.
    const wrong = outcomes.filter((o) => failed(o) || (o.status !== 200 && o.status !== 503));
    expect(wrong.map(show), 'answers other than 200 or 503').toEqual([]);
    for (const o of outcomes.filter((o) => !failed(o) && o.status === 503)) expectUnavailable(o, 'a PATCH during terminations');
    const ok = outcomes.filter((o): o is Answer => !failed(o) && o.status === 200);
    expect(ok.length, 'no write succeeded at all').toBeGreaterThan(0);

    // What was stored is consistent: one version per applied write, each recorded in the history.
    const stored = (
      await db.db.query<{ version: number; updates: number }>(
        `SELECT version, (SELECT count(*)::int FROM action_events e WHERE e.action_id = a.id AND e.kind = 'updated') AS updates FROM actions a WHERE id = $1`,
        [id],
      )
    ).rows[0]!;
    expect(stored.version - 1).toBeGreaterThanOrEqual(ok.length);
    expect(stored.version - 1).toBeLessThanOrEqual(outcomes.length);
    expect(stored.updates).toBe(stored.version - 1);
    const versions = ok.map((o) => o.body.version as number);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    expect(Math.max(...versions)).toBeLessThanOrEqual(stored.version);

    // With the terminator stopped, the pool heals: a write and /health answer 200 within a few seconds.
    await healsWithin(server, 5_000, () => [
      server.call('PATCH', `/api/v1/actions/${id}`, { body: { title: `Healed ${Math.random()}` }, timeoutMs: 3_000 }),
      server.call('GET', '/health', { timeoutMs: 3_000 }),
    ]);
    await expectAlive(server);
    expectNoSecret(server);
  });

  // ------------------------------------------------------------ b. a silent network

  it('does not let a silent network exhaust the pool: in-flight queries end in 503 within DB_QUERY_TIMEOUT_MS, then it recovers without a restart', async () => {
    const QUERY_TIMEOUT_MS = 2_000;
    const db = await database();
    const net = await proxy();
    const server = await startServer(serverUrl(db, net), {
      DB_POOL_MAX: '10',
      DB_STATEMENT_TIMEOUT_MS: '1000',
      DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
    });
    const list = (timeoutMs: number) => server.call('GET', '/api/v1/actions?limit=5', { as: as.viewer, timeoutMs });

    // Warm the pool: all ten connections open (and idle) before the network goes silent.
    for (let burst = 0; burst < 5 && net.connections() < 10; burst++) {
      const warm = await Promise.all(Array.from({ length: 30 }, () => list(10_000)));
      expect(warm.filter((o) => failed(o) || o.status !== 200).map(show)).toEqual([]);
    }
    expect(net.connections(), 'the pool did not fill to DB_POOL_MAX').toBeGreaterThanOrEqual(10);

    await net.mode('freeze');
    const frozenAt = performance.now();
    // Each bounded on the client side, so that a hang fails the test instead of stalling it.
    const inFlight = Promise.all(Array.from({ length: 10 }, () => list(QUERY_TIMEOUT_MS + 3_000)));
    await sleep(2_000);
    const answers = await inFlight; // with the expected behaviour these are in before 2.0 s + a few ms
    await net.mode('pass');
    const backAt = performance.now();

    // Soft, so that one run reports both halves: the requests in flight, and the recovery.
    const late = answers.filter((o) => o.ms > QUERY_TIMEOUT_MS + 1_500);
    expect
      .soft(
        late.map(show),
        `requests that took longer than DB_QUERY_TIMEOUT_MS + 1.5 s (network frozen for ${Math.round(backAt - frozenAt)} ms)`,
      )
      .toEqual([]);
    expect
      .soft(
        answers.map((o) => (failed(o) ? 'no answer' : o.status)),
        'the statuses of the 10 requests in flight',
      )
      .toEqual(Array(10).fill(503));
    answers.forEach((o, i) => {
      if (!failed(o) && o.status === 503) expectUnavailable(o, `in-flight list ${i + 1} of 10`);
    });

    // The network is back: /health and a list answer 200 within ~3 s, from the same process.
    const healed = await healsWithin(server, 3_500, () => [server.call('GET', '/health', { timeoutMs: 2_000 }), list(2_000)]).then(
      () => 'healed',
      (error: Error) => error.message,
    );
    expect(healed, 'after the network came back').toBe('healed');
    await expectAlive(server);
    expectNoSecret(server);
  });

  // ------------------------------------------------------------ c. unreachable

  for (const mode of ['refuse', 'reset'] as const) {
    it(`answers 503 promptly while the database is unreachable (proxy: ${mode}) and 200 again once it is back`, async () => {
      const db = await database();
      const net = await proxy();
      const server = await startServer(serverUrl(db, net));
      const list = () => server.call('GET', '/api/v1/actions', { as: as.viewer, timeoutMs: 10_000 });
      const health = () => server.call('GET', '/health', { timeoutMs: 10_000 });
      const warm = await list();
      expect(failed(warm) ? warm.error : warm.status).toBe(200);

      await net.mode(mode);
      for (let i = 1; i <= 3; i++) {
        const res = await list();
        expectUnavailable(res, `list ${i} while unreachable`);
        expect(res.ms).toBeLessThan(7_000);
      }
      const down = await health();
      if (failed(down)) throw new Error(`/health while unreachable: ${show(down)}`);
      expect(down.status, down.text).toBe(503);
      expect(down.body).toMatchObject({ status: 'error', database: { reachable: false } });
      expect(down.ms).toBeLessThan(7_000);
      expect(down.text).not.toContain(SECRET);

      await net.mode('pass');
      await healsWithin(server, 5_000, () => [list(), health()]);
      await expectAlive(server);
      expectNoSecret(server);
    });
  }
});
