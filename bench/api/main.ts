// `npm run bench:api`: seeds the datasets, starts the app and the baseline
// against each, loads them with autocannon on loopback, prints the table and
// the targets, and writes bench/results/api-latest.json.
// Paths are relative to the repository root (run.mjs changes to it).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { constants, cpus } from 'node:os';
import { dirname } from 'node:path';
import pg from 'pg';
import { OPERATION_TITLES, run, summarize, workload, type Run, type Workload } from './load';
import { ContentionBudget, MAX_FOREIGN_CORES, type OwnProcesses } from './machine';
import { parseOptions, USAGE, UsageError, type BenchOptions, type Operation } from './options';
import { failures, table, targetLines, targets, type Measurement } from './report';
import { COMMON_WORD, prepareDataset, RARE_WORD, withClient, type Dataset } from './seed';
import { killAllServers, startServer, type RunningServer } from './servers';

/** The built programs the benchmark runs (run.mjs builds and snapshots them). */
export interface Entries {
  app: string;
  migrate: string;
  baseline: string;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** A failure with a clear cause: run.mjs prints its message without a stack. */
export class BenchError extends Error {
  override name = 'BenchError';
}

export async function main(argv: string[], entries: Entries): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(argv, process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      log(error.message);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  for (const entry of Object.values(entries)) {
    if (!existsSync(entry)) throw new BenchError(`${entry} is missing: run the benchmark with npm run bench:api (it builds first)`);
  }
  guardChildren();
  await withClient(options.databaseUrl, (c) => c.query('SELECT 1')).catch((error: Error) => {
    throw new BenchError(`PostgreSQL at ${redact(options.databaseUrl)} is not reachable (${error.message}); see BENCH_DATABASE_URL`);
  });

  const started = new Date();
  const code = gitState();
  const plan = options.operations.length * options.servers.length * options.datasets.length;
  const perMeasurement = options.warmup + options.rounds * (options.duration + options.latencyDuration);
  log(`bench:api — ${plan} measurements × ~${perMeasurement} s, ${options.connections} connections for throughput, 1 for latency`);

  const datasets: Dataset[] = [];
  const measurements: Measurement[] = [];
  const budget = new ContentionBudget(options.contentionBudget);
  for (const spec of options.datasets) {
    const dataset = await prepareDataset(spec, options.databaseUrl, options.reseed, entries.migrate, log);
    datasets.push(dataset);
    measurements.push(...(await benchDataset(dataset, options, entries, budget)));
  }

  const labels = datasets.map((d) => d.label);
  const results = targets(measurements, options.operations);
  const out = [
    '',
    `API benchmark — ${cpus().length} cores, node ${process.version}; ${options.rounds} rounds per server in alternating order, each ` +
      `${options.duration} s × ${options.connections} connections for req/s (2xx only) and ${options.latencyDuration} s × 1 connection for p50/p99`,
    `selective search: ?q=${RARE_WORD} (20 matching actions); broad search: ?q=${COMMON_WORD} (~30%); node/pg µs/req: CPU per request of the server process and of PostgreSQL`,
    '',
    table(measurements, options.operations, labels, options.servers),
    '',
    'Targets',
    targetLines(results),
    '',
  ].join('\n');
  process.stdout.write(out);

  await mkdir(dirname(options.resultsFile), { recursive: true });
  const record = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
    code,
    options: { ...options, databaseUrl: redact(options.databaseUrl) },
    datasets: datasets.map(({ url, ...d }) => ({ ...d, url: redact(url) })),
    measurements: measurements.map((m) => ({ ...m, title: OPERATION_TITLES[m.op] })),
    targets: results,
  };
  // Three decimals are more than the measurements can tell apart.
  const round = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value);
  await writeFile(options.resultsFile, `${JSON.stringify(record, round, 2)}\n`);
  log(`results written to ${options.resultsFile} (${((Date.now() - started.getTime()) / 60_000).toFixed(1)} min in all)`);

  // Non-2xx answers mean the benchmark measured something other than the operation.
  const broken = measurements.filter((m) => failures(m) > 0);
  if (broken.length) log(`${broken.length} measurement(s) had non-2xx answers or errors: see the table`);
  return broken.length ? 1 : 0;
}

async function benchDataset(dataset: Dataset, options: BenchOptions, entries: Entries, budget: ContentionBudget): Promise<Measurement[]> {
  const servers: RunningServer[] = [];
  // PostgreSQL processes that count as the benchmark's own: this database's
  // backends and the background ones (WAL writer, checkpointer, …).
  const monitor = new pg.Client({ connectionString: dataset.url, application_name: 'iat-bench-monitor' });
  await monitor.connect();
  const postgresPids = async () =>
    (await monitor.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL')).rows.map((r) => r.pid);
  const ours = async (server: RunningServer): Promise<OwnProcesses> => ({ server: [server.pid], postgres: await postgresPids(), client: [process.pid] });
  try {
    // Both run for the whole dataset; only one is under load at any time.
    for (const kind of options.servers) {
      servers.push(
        await startServer({ kind, entry: entries[kind], databaseUrl: dataset.url, poolMax: options.poolMax, nodeArgs: options.serverNodeArgs }),
      );
    }
    const out: Measurement[] = [];
    for (const op of options.operations) {
      for (const m of await measureOperation(op, dataset.label, servers, workload(op, dataset.url), ours, options, budget)) {
        out.push(m);
        const bad = failures(m) ? `  !! status codes ${JSON.stringify(m.throughput.statusCodes)} / ${JSON.stringify(m.latency.statusCodes)}` : '';
        log(
          `[${dataset.label}] ${OPERATION_TITLES[op].padEnd(16)} ${m.server.padEnd(8)} ` +
            `${m.throughput.rps.toFixed(0).padStart(6)} req/s   p50 ${m.latency.p50.toFixed(2)} ms   p99 ${m.latency.p99.toFixed(2)} ms${bad}`,
        );
      }
    }
    return out;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await monitor.end();
  }
}

/**
 * One operation on every server: rounds of a throughput run and a latency run
 * each, the servers taking turns in alternating order (A B, B A, …) so that
 * what one run leaves behind (caches, WAL, autovacuum) is not always the other's
 * to pay. A run that other work on the machine disturbed is repeated, within the budget.
 */
async function measureOperation(
  op: Operation,
  dataset: string,
  servers: RunningServer[],
  work: Workload,
  ours: (server: RunningServer) => Promise<OwnProcesses>,
  options: BenchOptions,
  budget: ContentionBudget,
): Promise<Measurement[]> {
  const runs = new Map(servers.map((s) => [s, { throughput: [] as Run[], latency: [] as Run[], idleBefore: 1, attempts: 0 }]));
  for (let round = 0; round < options.rounds; round++) {
    for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
      const mine = runs.get(server)!;
      const spec = { warmup: round === 0 ? options.warmup : 0, ours: () => ours(server) };
      for (;;) {
        const idle = await budget.waitForQuiet(log);
        mine.idleBefore = Math.min(mine.idleBefore, idle);
        mine.attempts++;
        const throughput = await run(server.url, work, { ...spec, connections: options.connections, duration: options.duration });
        const latency = await run(server.url, work, { ...spec, connections: 1, duration: options.latencyDuration, warmup: 0 });
        const foreign = Math.max(throughput.cpu.foreignCores, latency.cpu.foreignCores);
        if (!(foreign > MAX_FOREIGN_CORES) || !budget.allowRepeat(spec.warmup + options.duration + options.latencyDuration)) {
          mine.throughput.push(throughput);
          mine.latency.push(latency);
          break;
        }
        log(`  other processes took ${foreign.toFixed(2)} cores during the ${server.kind} runs; measuring again`);
      }
    }
  }
  return servers.map((server) => {
    const mine = runs.get(server)!;
    return {
      op,
      dataset,
      server: server.kind,
      idleBefore: mine.idleBefore,
      attempts: mine.attempts,
      throughput: summarize(mine.throughput),
      latency: summarize(mine.latency),
    };
  });
}

/** No server outlives the benchmark, however it ends. */
function guardChildren(): void {
  process.on('exit', killAllServers);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      log(`\n${signal}: stopping the servers`);
      killAllServers();
      process.exit(128 + constants.signals[signal]);
    });
  }
}

/** Which code was measured: the commit, and whether the working tree differed from it. */
function gitState(): { commit: string; dirty: boolean } | undefined {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'bin', 'handlers', 'lib', 'scripts'], { encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch {
    return undefined;
  }
}

const redact = (url: string) => url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
