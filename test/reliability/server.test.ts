// The container's HTTP server as the ALB and ECS see it: keep-alive above the
// ALB idle timeout, /health for the target group, and a drain on SIGTERM that
// loses no request (PLATFORM.md, "AWS behaviour the code and the Terraform must agree on").
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../app/routes';
import { openPostgres, type Database } from '../../lib/db/database';
import { HEAD, migrate } from '../../lib/db/migrate';
import { Health } from '../../lib/health';
import { createApp } from '../../lib/http/router';
import { createHttpServer, type HttpServer } from '../../lib/http/server';
import { silentLogger } from '../../lib/log';
import { operation, type Operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';
import { freshDatabase, POSTGRES_URL, postgresOptions, testConfig, type Engine, type FreshDatabase } from '../support/app';
import { inProcessDeps } from '../support/in-process';
import { buildBundle, startServerProcess, type Bundle, freePort } from '../support/build';

// One engine is enough here: these tests are about the server, not SQL.
const ENGINE: Engine = POSTGRES_URL ? 'postgres' : 'pglite';
const VIEWER = { 'x-user': 'vera', 'x-role': 'viewer' };

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: any;
}

/** GET over node:http (optionally through a keep-alive agent); the body parsed when it is JSON. */
function get(port: number, path: string, options: { agent?: Agent; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: options.agent ?? false, headers: options.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', reject);
      res.on('end', () => {
        try {
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: /json/.test(res.headers['content-type'] ?? '') && text ? JSON.parse(text) : text,
          });
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const HEALTH_TIMEOUT_MS = testConfig().HEALTH_TIMEOUT_MS;

/** The app over `db` (the file's database by default), with extra operations, on a server not yet listening. */
function serve(extra: Operation[] = [], db: Database = fresh.db): HttpServer {
  const deps = inProcessDeps({ db, logger: silentLogger() });
  return createHttpServer({
    app: createApp({ operations: [...OPERATIONS, ...extra], deps }),
    health: deps.health,
    logger: deps.logger,
    albIdleTimeoutS: 60,
  });
}

/** A server answering `/health` over `db`, listening on a loopback port. */
async function healthOver(db: Database): Promise<{ http: HttpServer; port: number }> {
  const http = serve([], db);
  const { port } = await http.listen(0, '127.0.0.1');
  return { http, port };
}

/** A test-only operation that answers when the test opens its gate: a request held in flight. */
function heldOperation() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let entered!: () => void;
  const arrived = new Promise<void>((resolve) => (entered = resolve));
  const handler = operation(
    { method: 'GET', path: '/test/held', summary: 'held', success: { status: 200, description: 'ok' }, problems: [] },
    async () => {
      entered();
      await gate;
      return json(200, { held: true });
    },
  );
  return { handler, arrived, release: () => open() };
}

/** A TCP port that accepts connections and never says a word: a database that hangs. */
async function silentPort(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// One database for the file (PGlite opens in ~5 s), fresh and not migrated.
let fresh: FreshDatabase;
beforeAll(async () => {
  fresh = await freshDatabase(ENGINE, { migrate: false });
});
afterAll(async () => {
  await fresh?.drop();
});

// ------------------------------------------------------------------ keep-alive

describe('keep-alive against the ALB idle timeout', () => {
  it('keeps idle connections 5 s longer than the ALB idle timeout; headers are bound on their own (HEADERS_TIMEOUT_MS)', () => {
    const at60 = createHttpServer({
      app: createApp({ operations: OPERATIONS, deps: inProcessDeps() }),
      health: new Health(),
      logger: silentLogger(),
      albIdleTimeoutS: 60,
    }).server;
    expect(at60.keepAliveTimeout).toBe(65_000);
    expect(at60.headersTimeout).toBe(testConfig().HEADERS_TIMEOUT_MS);
    expect(at60.requestTimeout).toBe(0);

    const at350 = createHttpServer({
      app: createApp({ operations: OPERATIONS, deps: inProcessDeps() }),
      health: new Health(),
      logger: silentLogger(),
      albIdleTimeoutS: 350,
    }).server;
    expect(at350.keepAliveTimeout).toBe(355_000);
    expect(at350.headersTimeout).toBe(testConfig().HEADERS_TIMEOUT_MS);
  });

  it('advertises keep-alive with timeout=65 on a real response and reuses the connection', async () => {
    const http = serve();
    const { port } = await http.listen(0, '127.0.0.1');
    let connections = 0;
    http.server.on('connection', () => connections++);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(port, '/api/v1/openapi.json', { agent });
      const second = await get(port, '/api/v1/openapi.json', { agent });

      expect(first.status).toBe(200);
      expect(first.headers.connection).toBe('keep-alive');
      expect(first.headers['keep-alive']).toBe('timeout=65');
      expect(second.status).toBe(200);
      expect(connections).toBe(1);
    } finally {
      agent.destroy();
      await http.shutdown(1000);
    }
  });
});

// ---------------------------------------------------------------------- health

describe(`/health on ${ENGINE}`, () => {
  const servers: HttpServer[] = [];
  afterEach(async () => {
    for (const http of servers.splice(0)) await http.shutdown(1000);
  });
  const over = async (db: Database) => {
    const { http, port } = await healthOver(db);
    servers.push(http);
    return port;
  };

  it('answers 503 while migrations are behind head, and 200 once they are applied', async () => {
    const port = await over(fresh.db);
    const behind = await get(port, '/health');
    expect(behind.status).toBe(503);
    expect(behind.body).toMatchObject({
      status: 'error',
      draining: false,
      database: { engine: ENGINE, reachable: true },
      migrations: { applied: 0, head: HEAD },
    });

    await migrate(fresh.db);

    const ready = await get(port, '/health');
    expect(ready.status).toBe(200);
    expect(ready.headers['cache-control']).toBe('no-store');
    expect(ready.body).toMatchObject({
      status: 'ok',
      draining: false,
      database: { engine: ENGINE, reachable: true },
      migrations: { applied: HEAD, head: HEAD },
    });
    expect(ready.body.database.error).toBeUndefined();
  });

  it('answers 503 at once when nothing listens on the database port', async () => {
    const dead = openPostgres(
      'postgres://postgres:secret-pw@127.0.0.1:1/x',
      postgresOptions({ DB_POOL_MAX: 2, DB_STATEMENT_TIMEOUT_MS: 1000 }),
      silentLogger(),
    );
    const port = await over(dead);
    try {
      const started = performance.now();
      const res = await get(port, '/health');
      const took = performance.now() - started;

      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        status: 'error',
        database: { engine: 'postgres', reachable: false, error: 'unreachable' },
        migrations: { applied: null, head: HEAD },
      });
      expect(JSON.stringify(res.body)).not.toContain('secret-pw');
      expect(took).toBeLessThan(HEALTH_TIMEOUT_MS + 500);
    } finally {
      await dead.close();
    }
  });

  it('answers 503 within HEALTH_TIMEOUT_MS when the database accepts but never answers', async () => {
    const silent = await silentPort();
    const hung = openPostgres(
      `postgres://postgres@127.0.0.1:${silent.port}/x`,
      postgresOptions({ DB_POOL_MAX: 2, DB_STATEMENT_TIMEOUT_MS: 1000 }),
      silentLogger(),
    );
    const port = await over(hung);
    const limit = HEALTH_TIMEOUT_MS;
    try {
      const started = performance.now();
      const res = await get(port, '/health');
      const took = performance.now() - started;

      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'error', database: { reachable: false, error: `no answer within ${limit} ms` } });
      expect(took).toBeGreaterThanOrEqual(limit - 50);
      expect(took).toBeLessThan(limit + 750);
    } finally {
      await silent.close();
      await hung.close();
    }
  });

  it('answers 503, and stays up, when its database handle has been closed', async () => {
    const closed = openPostgres(
      'postgres://postgres@127.0.0.1:1/x',
      postgresOptions({ DB_POOL_MAX: 1, DB_STATEMENT_TIMEOUT_MS: 1000 }),
      silentLogger(),
    );
    await closed.close();
    const port = await over(closed);

    const down = await get(port, '/health');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'error', database: { reachable: false } });
    expect((await get(port, '/api/v1/openapi.json')).status).toBe(200);
  });
});

// -------------------------------------------------------------------- shutdown

// The load balancer's side: keep-alive clients on their own thread (the ALB is its
// own machine, so a busy server event loop does not hold its requests back). Each
// client is one connection, firing back to back; it stops when an answer says
// `connection: close`, so its next request is never sent to this server.
const LOAD_CLIENTS = `
const { workerData, parentPort } = require('node:worker_threads');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const now = () => performance.timeOrigin + performance.now();
const { port, clients, headers, stopAt, waiting } = workerData;
// Per client: 1 while a request is on the wire and unanswered; the last slot counts answers.
const flags = new Int32Array(waiting);
const get = (i, agent, path) => new Promise((resolve, reject) => {
  const req = http.request({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
    Atomics.store(flags, i, 0);
    res.on('data', () => undefined);
    res.on('error', reject);
    res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection }));
  });
  req.on('finish', () => Atomics.store(flags, i, 1));
  req.on('error', reject);
  req.end();
});
async function client(i) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const path = i % 2 === 0 ? '/health' : '/api/v1/actions?limit=5';
  const outcomes = [];
  try {
    while (now() < stopAt) {
      const sentAt = now();
      try {
        const res = await get(i, agent, path);
        outcomes.push({ client: i, path, sentAt, answeredAt: now(), ...res });
        Atomics.add(flags, clients, 1);
        if (res.connection === 'close') break;
      } catch (error) {
        outcomes.push({ client: i, path, sentAt, error: (error.code || '') + ' ' + error.message });
        break;
      }
    }
  } finally {
    agent.destroy();
  }
  return outcomes;
}
Promise.all(Array.from({ length: clients }, (_, i) => client(i))).then((all) => parentPort.postMessage(all.flat()));
`;

interface Outcome {
  client: number;
  path: string;
  sentAt: number;
  answeredAt?: number;
  status?: number;
  connection?: string;
  error?: string;
}

const now = () => performance.timeOrigin + performance.now();

function keepAliveLoad(port: number, clients: number) {
  const waiting = new Int32Array(new SharedArrayBuffer((clients + 1) * Int32Array.BYTES_PER_ELEMENT));
  const worker = new Worker(LOAD_CLIENTS, {
    eval: true,
    workerData: { port, clients, headers: VIEWER, stopAt: now() + 15_000, waiting: waiting.buffer },
  });
  const outcomes = new Promise<Outcome[]>((resolve, reject) => {
    worker.once('message', (all: Outcome[]) => void worker.terminate().then(() => resolve(all)));
    worker.once('error', reject);
  });
  /** Whether every client has a request on the wire that is not answered yet. */
  const allWaiting = () => waiting.subarray(0, clients).every((_, i) => Atomics.load(waiting, i) === 1);
  /** Resolves once the clients have had `count` answers: the load is running. */
  const answered = async (count: number) => {
    for (const deadline = performance.now() + 10_000; Atomics.load(waiting, clients) < count;) {
      if (performance.now() > deadline) throw new Error('the load did not start');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return { outcomes, allWaiting, answered };
}

/** Blocks the event loop (a long synchronous job, a CPU-starved container) for at least `ms` and until `until()` holds. */
function stall(ms: number, until: () => boolean): void {
  const start = performance.now();
  while (performance.now() - start < ms || (!until() && performance.now() - start < 5_000));
}

describe(`graceful shutdown under keep-alive load on ${ENGINE}`, () => {
  const CLIENTS = 16;
  beforeAll(async () => {
    await migrate(fresh.db);
  });

  it('loses no request, asks every client to leave, fails /health and finishes well inside its timeout', async () => {
    const held = heldOperation();
    const http = serve([held.handler]);
    const { port } = await http.listen(0, '127.0.0.1');
    let connections = 0;
    http.server.on('connection', () => connections++);
    const load = keepAliveLoad(port, CLIENTS);
    const heldAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    const inFlight = get(port, '/test/held', { agent: heldAgent, headers: VIEWER }).finally(() => heldAgent.destroy());
    await held.arrived;
    await load.answered(CLIENTS * 4);
    // A connection the load balancer probes /health on; used just now, so not idle.
    const probe = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(port, '/health', { agent: probe })).status).toBe(200);

    const drainStartedAt = now();
    const done = http.shutdown(10_000).then(now);
    const healthWhileDraining = get(port, '/health', { agent: probe }).finally(() => probe.destroy());
    await new Promise((resolve) => setTimeout(resolve, 100));
    held.release();
    const [held200, health, outcomes, shutdownAt] = await Promise.all([inFlight, healthWhileDraining, load.outcomes, done]);

    const failed = outcomes.filter((o) => o.error);
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    // The load was real, on reused keep-alive connections.
    const before = outcomes.filter((o) => o.answeredAt! < drainStartedAt);
    expect(before.length).toBeGreaterThanOrEqual(CLIENTS * 4);
    expect(before.every((o) => o.status === 200 && o.connection === 'keep-alive')).toBe(true);
    expect(connections).toBe(CLIENTS + 2);
    // Every client was told to leave; no answer to a request sent while draining forgot to say so.
    expect(new Set(outcomes.filter((o) => o.connection === 'close').map((o) => o.client)).size).toBe(CLIENTS);
    expect(outcomes.filter((o) => o.sentAt >= drainStartedAt && o.connection !== 'close')).toEqual([]);
    // /health fails from the moment draining starts, so the target group lets go.
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'error', draining: true, database: { reachable: true } });
    expect(health.headers.connection).toBe('close');
    // The request in flight when draining began completed, and was told to leave too.
    expect(held200.status).toBe(200);
    expect(held200.body).toEqual({ held: true });
    expect(held200.headers.connection).toBe('close');
    // Done well inside the timeout, and no longer listening.
    expect(shutdownAt - drainStartedAt).toBeLessThan(2_000);
    expect(http.server.listening).toBe(false);
    await expect(get(port, '/health')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('loses no request already sent when the event loop stalls as draining starts', async () => {
    const http = serve();
    const { port } = await http.listen(0, '127.0.0.1');
    const load = keepAliveLoad(port, CLIENTS);
    await load.answered(CLIENTS * 4);

    // Draining starts, then the loop is blocked for longer than the idle grace and
    // until every client's next request waits in a socket buffer; the next loop turn
    // runs timers (the sweep) before it reads any socket, so every connection looks idle.
    const { drainStartedAt, done } = await new Promise<{ drainStartedAt: number; done: Promise<number> }>((resolve) =>
      setImmediate(() => {
        const drainStartedAt = now();
        const done = http.shutdown(10_000).then(now);
        stall(400, load.allWaiting);
        resolve({ drainStartedAt, done });
      }),
    );
    const [outcomes, shutdownAt] = await Promise.all([load.outcomes, done]);

    const failed = outcomes.filter((o) => o.error);
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    expect(outcomes.filter((o) => o.answeredAt! < drainStartedAt).length).toBeGreaterThanOrEqual(CLIENTS * 4);
    expect(new Set(outcomes.filter((o) => o.connection === 'close').map((o) => o.client)).size).toBe(CLIENTS);
    expect(shutdownAt - drainStartedAt).toBeLessThan(2_500);
  });

  it('closes a keep-alive connection left idle, without waiting for the timeout', async () => {
    const http = serve();
    const { port } = await http.listen(0, '127.0.0.1');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await get(port, '/health', { agent })).status).toBe(200);
      const [socket] = Object.values(agent.freeSockets).flat();
      expect(socket).toBeDefined();
      let closed = false;
      socket!.once('close', () => (closed = true));

      const started = performance.now();
      await http.shutdown(10_000);

      expect(performance.now() - started).toBeLessThan(1_500);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(closed).toBe(true);
    } finally {
      agent.destroy();
    }
  });
});

// ------------------------------------------------------------ the real process

describe(`the bundled server process on ${ENGINE}`, () => {
  let bundle: Bundle;
  let own: FreshDatabase | undefined;
  let dataDir: string;
  beforeAll(async () => {
    bundle = await buildBundle();
    dataDir = await mkdtemp(join(tmpdir(), 'iat-proc-'));
    if (ENGINE === 'postgres') own = await freshDatabase('postgres', { migrate: false });
  }, 60_000);
  afterAll(async () => {
    await own?.drop();
    await bundle?.remove();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('migrates, serves, and exits 0 on SIGTERM even with an idle keep-alive connection open', async () => {
    const port = await freePort();
    const env: Record<string, string> = {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '20000',
    };
    if (own) env.DATABASE_URL = own.url!;
    const proc = startServerProcess(bundle, env);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const deadline = performance.now() + 30_000;
      while (!/"msg":"listening"/.test(proc.output())) {
        if (proc.child.exitCode !== null || performance.now() > deadline) throw new Error(`server did not start: ${proc.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const health = await get(port, '/health', { agent });
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'ok', migrations: { applied: HEAD, head: HEAD } });

      const signalled = performance.now();
      proc.child.kill('SIGTERM');
      const { code, signal, stdout, stderr } = await proc.exited;

      // stderr holds the one line for a person at a terminal, nothing else.
      expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: `listening on http://localhost:${port}\n` });
      expect(performance.now() - signalled).toBeLessThan(5_000);
      const messages = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).msg);
      expect(messages).toEqual(expect.arrayContaining(['listening', 'draining', 'stopped']));
      expect(messages.indexOf('stopped')).toBeGreaterThan(messages.indexOf('draining'));
    } finally {
      agent.destroy();
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    }
  });
});
