// The five measured operations as autocannon request specs, and one measured
// run. Latency is recorded here from every response (autocannon's own
// histogram keeps whole milliseconds, too coarse for 1–5 ms answers); only
// 2xx answers count as throughput or latency, everything else is reported.
import autocannon, { type RequestSpec } from 'autocannon';
import pg from 'pg';
import { watchCpu, type CpuUse, type OwnProcesses } from './machine';
import type { Operation } from './options';
import { COMMON_WORD, RARE_WORD } from './seed';

export const OPERATION_TITLES: Record<Operation, string> = {
  list: 'list first page',
  search_rare: 'selective search',
  search_common: 'broad search',
  create: 'create',
  status: 'status change',
};

// A member may list, create and move an action between open and in_progress.
const IDENTITY = { 'x-user': 'bench.user', 'x-role': 'member' };
const JSON_HEADERS = { ...IDENTITY, 'content-type': 'application/json' };

const CREATE_BODY = JSON.stringify({
  title: 'Rotate TLS certificates on the bench cluster',
  description: 'Created by the API benchmark. The certificates expire within 30 days.',
  priority: 'high',
  owner: 'user123',
  component: 'eks',
  tags: ['security', 'bench'],
});

export interface Workload {
  requests: RequestSpec[];
  /** Brings client-side state in line with the database before a run. */
  prepare(): Promise<void>;
}

export function workload(op: Operation, databaseUrl: string): Workload {
  const get = (path: string): Workload => ({ requests: [{ method: 'GET', path, headers: IDENTITY }], prepare: async () => undefined });
  switch (op) {
    case 'list':
      return get('/api/v1/actions');
    case 'search_rare':
      return get(`/api/v1/actions?q=${encodeURIComponent(RARE_WORD)}`);
    case 'search_common':
      return get(`/api/v1/actions?q=${encodeURIComponent(COMMON_WORD)}`);
    case 'create':
      return {
        requests: [{ method: 'POST', path: '/api/v1/actions', headers: JSON_HEADERS, body: CREATE_BODY }],
        prepare: () => withDatabase(databaseUrl, checkpoint),
      };
    case 'status':
      return statusToggle(databaseUrl);
  }
}

const POOL_SIZE = 5_000;
type Toggle = 'open' | 'in_progress';

/**
 * Status changes that are always valid: each request moves one action of a
 * pool between open and in_progress, the opposite of what it is now. An id is
 * never in two requests at once, and its status is only believed once a 2xx
 * says so; before every run the pool is re-read from the database, which
 * settles requests cut off at the end of the previous run.
 */
function statusToggle(databaseUrl: string): Workload {
  let ids: number[] = [];
  const status = new Map<number, Toggle>();
  const inFlight = new Set<number>();
  let cursor = 0;

  const request: RequestSpec = {
    method: 'POST',
    headers: JSON_HEADERS,
    setupRequest(req, context) {
      let id: number | undefined;
      for (let tries = 0; tries < ids.length; tries++) {
        const candidate = ids[cursor++ % ids.length]!;
        if (!inFlight.has(candidate)) {
          id = candidate;
          break;
        }
      }
      if (id === undefined) throw new Error('status pool exhausted: more connections than actions in the pool');
      const to: Toggle = status.get(id) === 'open' ? 'in_progress' : 'open';
      inFlight.add(id);
      context.id = id;
      context.to = to;
      return { ...req, path: `/api/v1/actions/${id}/status`, body: JSON.stringify({ status: to }) };
    },
    onResponse(code, _body, context) {
      const id = context.id as number;
      inFlight.delete(id);
      // A 409 between open and in_progress means the action already had that
      // status; believing it keeps one bad guess from repeating (it is still counted).
      if ((code >= 200 && code < 300) || code === 409) status.set(id, context.to as Toggle);
    },
  };

  return {
    requests: [request],
    async prepare() {
      // Requests cut off when the previous run stopped may still be finishing.
      await new Promise((r) => setTimeout(r, 200));
      await withDatabase(databaseUrl, async (client) => {
        const { rows } = await client.query<{ id: string; status: Toggle }>(
          `SELECT id, status FROM actions WHERE status IN ('open', 'in_progress') ORDER BY id LIMIT $1`,
          [POOL_SIZE],
        );
        ids = rows.map((r) => Number(r.id));
        status.clear();
        for (const r of rows) status.set(Number(r.id), r.status);
        inFlight.clear();
        cursor = 0;
        await checkpoint(client);
      });
    },
  };
}

/**
 * Writes are measured from a fresh checkpoint: the first change to a page
 * after one writes the whole page to the WAL, so without it whichever server
 * ran first after a checkpoint would pay for both. Needs a superuser (or
 * pg_checkpoint); skipped without.
 */
async function checkpoint(client: pg.Client): Promise<void> {
  await client.query('CHECKPOINT').catch(() => undefined);
}

async function withDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'iat-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** One autocannon run as recorded; rounds of the same kind are merged by summarize(). */
export interface Run {
  connections: number;
  /** Seconds, as autocannon measured the run. */
  duration: number;
  /** Milliseconds of every 2xx answer. */
  latencies: number[];
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  cpu: CpuUse;
}

export interface RunResult {
  connections: number;
  rounds: number;
  /** Seconds measured, all rounds. */
  duration: number;
  ok: number;
  /** 2xx answers per second. */
  rps: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Milliseconds, over 2xx answers. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** CPU microseconds per 2xx answer: the server process, PostgreSQL, the load generator. */
  cpuPerRequestUs: { server: number; postgres: number; client: number };
  /** The most any round saw. */
  foreignCores: number;
  /** Each round alone, to see how much they agree. */
  perRound: { rps: number; p50: number; p99: number }[];
}

export interface RunSpec {
  connections: number;
  /** Seconds. */
  duration: number;
  warmup: number;
  /** The processes doing the benchmark's work, for telling other work apart. */
  ours: () => Promise<OwnProcesses>;
}

export async function run(url: string, work: Workload, spec: RunSpec): Promise<Run> {
  const { connections, duration, warmup } = spec;
  await work.prepare();
  const latencies: number[] = [];
  const instance = autocannon({
    url,
    connections,
    duration,
    pipelining: 1,
    timeout: 10,
    requests: work.requests,
    ...(warmup > 0 ? { warmup: { connections, duration: warmup } } : {}),
  });
  instance.on('response', (_client, statusCode, _bytes, ms) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(ms);
  });
  // 'start' of the measured part, after any warm-up.
  let watching: ReturnType<typeof watchCpu> | undefined;
  instance.once('start', () => (watching = watchCpu(spec.ours)));
  const result = await instance;
  return {
    connections,
    duration: result.duration,
    latencies,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
    cpu: watching ? await (await watching).stop() : { server: Number.NaN, postgres: Number.NaN, client: Number.NaN, foreignCores: Number.NaN },
  };
}

/** Merges the rounds of one kind of run (same server, operation and connections). */
export function summarize(runs: Run[]): RunResult {
  const latencies = runs.flatMap((r) => r.latencies).sort((x, y) => x - y);
  const duration = runs.reduce((sum, r) => sum + r.duration, 0);
  const statusCodes: Record<string, number> = {};
  for (const r of runs) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const sum = (key: 'non2xx' | 'errors' | 'timeouts') => runs.reduce((total, r) => total + r[key], 0);
  const perRequestUs = (role: 'server' | 'postgres' | 'client') => (runs.reduce((total, r) => total + r.cpu[role], 0) / latencies.length) * 1e6;
  return {
    connections: runs[0]?.connections ?? 0,
    rounds: runs.length,
    duration,
    ok: latencies.length,
    rps: latencies.length / duration,
    non2xx: sum('non2xx'),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    statusCodes,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    cpuPerRequestUs: { server: perRequestUs('server'), postgres: perRequestUs('postgres'), client: perRequestUs('client') },
    foreignCores: Math.max(...runs.map((r) => r.cpu.foreignCores)),
    perRound: runs.map((r) => {
      const sorted = [...r.latencies].sort((x, y) => x - y);
      return { rps: sorted.length / r.duration, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    }),
  };
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
