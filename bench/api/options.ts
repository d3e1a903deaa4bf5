// Benchmark settings: defaults, overridden by environment variables, overridden
// by --flags. Kept apart from lib/config.ts on purpose: the service's settings
// and the benchmark's must not leak into each other.

export const OPERATIONS = ['list', 'search_rare', 'search_common', 'create', 'status'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const SERVERS = ['app', 'baseline'] as const;
export type ServerKind = (typeof SERVERS)[number];

export interface DatasetSpec {
  /** As typed and as shown in the table: 10k, 1m. */
  label: string;
  rows: number;
}

export interface BenchOptions {
  databaseUrl: string;
  datasets: DatasetSpec[];
  operations: Operation[];
  servers: ServerKind[];
  reseed: boolean;
  /** Seconds of each throughput run (many connections). */
  duration: number;
  /** Seconds of each latency run (one connection). */
  latencyDuration: number;
  /** Rounds per operation; the servers take turns in alternating order (app, baseline, baseline, app, …). */
  rounds: number;
  /** Seconds of unmeasured load before a server's first throughput run of an operation. */
  warmup: number;
  connections: number;
  poolMax: number;
  /** Extra node arguments for both server processes, e.g. --cpu-prof. */
  serverNodeArgs: string[];
  /** Seconds the whole run may spend waiting out, or repeating runs disturbed by, other work on the machine. */
  contentionBudget: number;
  resultsFile: string;
}

export const USAGE = `npm run bench:api -- [flags]

  --reseed                 drop and re-create the benchmark databases   BENCH_RESEED=1
  --datasets=10k,1m        dataset sizes (k/m suffixes)                 BENCH_DATASETS
  --ops=list,search_rare,search_common,create,status                    BENCH_OPS
  --servers=app,baseline                                                BENCH_SERVERS
  --duration=2             seconds per throughput run                   BENCH_DURATION
  --latency-duration=2     seconds per latency run (1 connection)       BENCH_LATENCY_DURATION
  --rounds=4               runs per server and operation, ABBA order    BENCH_ROUNDS
  --warmup=1               seconds of warm-up before the first round    BENCH_WARMUP
  --connections=50         connections of the throughput run            BENCH_CONNECTIONS
  --pool-max=10            DB_POOL_MAX of both servers                  BENCH_POOL_MAX
  --server-node-args="..." extra node arguments for both servers        BENCH_SERVER_NODE_ARGS
  --contention-budget=120  seconds in all to wait out other work        BENCH_CONTENTION_BUDGET
  --results=path           JSON output (bench/results/api-latest.json)  BENCH_RESULTS

  BENCH_DATABASE_URL       server to seed and use (postgres://postgres@127.0.0.1:5432/postgres)
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

const FLAG_TO_ENV: Record<string, string> = {
  reseed: 'BENCH_RESEED',
  datasets: 'BENCH_DATASETS',
  ops: 'BENCH_OPS',
  servers: 'BENCH_SERVERS',
  duration: 'BENCH_DURATION',
  'latency-duration': 'BENCH_LATENCY_DURATION',
  rounds: 'BENCH_ROUNDS',
  warmup: 'BENCH_WARMUP',
  connections: 'BENCH_CONNECTIONS',
  'pool-max': 'BENCH_POOL_MAX',
  'server-node-args': 'BENCH_SERVER_NODE_ARGS',
  'contention-budget': 'BENCH_CONTENTION_BUDGET',
  results: 'BENCH_RESULTS',
};

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  // Flags are folded into one env-shaped record so each setting is read once.
  const settings: Record<string, string | undefined> = { ...env };
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') return 'help';
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const name = match && FLAG_TO_ENV[match[1]!];
    if (!match || !name) throw new UsageError(`unknown argument ${arg}\n\n${USAGE}`);
    settings[name] = match[2] ?? 'true';
  }
  const get = (name: string) => (settings[name] === '' ? undefined : settings[name]);
  return {
    databaseUrl: get('BENCH_DATABASE_URL') ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    datasets: list(get('BENCH_DATASETS') ?? '10k,1m').map(parseDataset),
    operations: choices(get('BENCH_OPS'), OPERATIONS, 'BENCH_OPS / --ops'),
    servers: choices(get('BENCH_SERVERS'), SERVERS, 'BENCH_SERVERS / --servers'),
    reseed: ['1', 'true', 'yes'].includes(get('BENCH_RESEED') ?? 'false'),
    duration: number(get('BENCH_DURATION') ?? '2', 'BENCH_DURATION', 1),
    latencyDuration: number(get('BENCH_LATENCY_DURATION') ?? '2', 'BENCH_LATENCY_DURATION', 1),
    rounds: Math.round(number(get('BENCH_ROUNDS') ?? '4', 'BENCH_ROUNDS', 1)),
    warmup: number(get('BENCH_WARMUP') ?? '1', 'BENCH_WARMUP', 0),
    connections: number(get('BENCH_CONNECTIONS') ?? '50', 'BENCH_CONNECTIONS', 1),
    poolMax: number(get('BENCH_POOL_MAX') ?? '10', 'BENCH_POOL_MAX', 1),
    serverNodeArgs: (get('BENCH_SERVER_NODE_ARGS') ?? '').split(/\s+/).filter(Boolean),
    contentionBudget: number(get('BENCH_CONTENTION_BUDGET') ?? '120', 'BENCH_CONTENTION_BUDGET', 0),
    resultsFile: get('BENCH_RESULTS') ?? 'bench/results/api-latest.json',
  };
}

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

function parseDataset(label: string): DatasetSpec {
  const match = /^(\d+)([km]?)$/i.exec(label);
  if (!match) throw new UsageError(`dataset ${label}: expected a row count such as 10000, 10k or 1m`);
  const unit = match[2]!.toLowerCase() === 'm' ? 1_000_000 : match[2] ? 1_000 : 1;
  const rows = Number(match[1]) * unit;
  // The rare search word is placed in exactly 20 rows, spaced evenly.
  if (rows < 40) throw new UsageError(`dataset ${label}: at least 40 rows`);
  // The label also names the database (iat_bench_<label>), hence the strict pattern above.
  return { label: label.toLowerCase(), rows };
}

function choices<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T[] {
  if (value === undefined) return [...allowed];
  const picked = list(value);
  const wrong = picked.filter((v) => !(allowed as readonly string[]).includes(v));
  if (wrong.length || picked.length === 0) throw new UsageError(`${name}: expected some of ${allowed.join(', ')}`);
  return picked as T[];
}

function number(value: string, name: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${name}: expected a number ≥ ${min} (got ${JSON.stringify(value)})`);
  return n;
}
