// Entry of `npm run bench:limit`: the product against the limit server of
// /work/shared/bench, in one run, as that folder's README describes. The shared
// tools (seed, limit server, replay, load, compare) run as they are from a
// temporary copy; this file only orchestrates them, and adds what they do not
// measure: the product's start → first /health 200, and its one-connection p99
// of list and selective search on a 1M-action database seeded in SQL.
// See bench/README.md.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort, killAll, run, start, waitFor200 } from './children.mjs';
import { migrationsOf, prepareLargeDatabase, SEARCH_WORD, withClient, withDatabase } from './seed-product.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LIMIT_DB = 'bench_limit';
const PRODUCT_DB = 'iat_bench_product';
const LARGE_DB = 'iat_bench_product_1m';

const USAGE = `npm run bench:limit -- [flags]

  --rows=10000           actions seeded into ${LIMIT_DB} and replayed into the product
  --quick                DURATION=3s RUNS=1 WARMUP=1s (development; figures are rougher)
  --duration=10s         load.mjs DURATION of each measured wrk run
  --runs=2               load.mjs RUNS: measured runs per endpoint and side (median)
  --warmup=3s            load.mjs WARMUP before each endpoint's runs
  --log-level=info       the product's LOG_LEVEL (info: access log on, as in production; warn: off)
  --million / --no-million
                         measure the product's 1-connection list and search p99 on
                         ${LARGE_DB} (default on)
  --million-rows=1000000 size of that database
  --reseed               seed ${LARGE_DB} again even if it matches
  --starts=5             product starts timed for start → first /health 200 (median)
  --build / --no-build   build with scripts/build.mjs always / never (default: when
                         dist/server.mjs is missing or older than a source file)
  --product-dir=DIR      the product checkout to build and run (this repository); e.g. an
                         export of another commit with node_modules linked in
  --server-node-args="…" extra node arguments for the product (e.g. --cpu-prof)
  --keep-tmp             keep the temporary directory (tool copy, JSON files, server logs)
  --results=PATH         JSON of all figures (bench/results/limit-latest.json)

  LIMIT_BENCH_DIR        the shared tools (/work/shared/bench)
  PGHOST PGPORT PGUSER PGPASSWORD
                         the PostgreSQL server (127.0.0.1 5432 postgres); it needs CREATE DATABASE

Exit code: compare.mjs's (0 pass, 1 targets missed, 2 bad input); 3 if the run itself failed.
`;

// ---------------------------------------------------------------- options

function parseOptions(argv) {
  const o = {
    rows: 10_000,
    duration: process.env.DURATION ?? '10s',
    runs: Number(process.env.RUNS ?? 2),
    warmup: process.env.WARMUP ?? '3s',
    logLevel: 'info',
    million: true,
    millionRows: 1_000_000,
    reseed: false,
    starts: 5,
    build: 'auto',
    serverNodeArgs: [],
    keepTmp: false,
    results: join(ROOT, 'bench/results/limit-latest.json'),
    quick: false,
    productDir: ROOT,
  };
  const value = (arg, i) => {
    const eq = arg.indexOf('=');
    if (eq >= 0) return [arg.slice(eq + 1), i];
    if (i + 1 >= argv.length) usage(`${arg} needs a value`);
    return [argv[i + 1], i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.replace(/=.*$/s, '');
    let v;
    switch (name) {
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      case '--quick':
        o.quick = true;
        o.duration = '3s';
        o.runs = 1;
        o.warmup = '1s';
        break;
      case '--million':
        o.million = true;
        break;
      case '--no-million':
        o.million = false;
        break;
      case '--reseed':
        o.reseed = true;
        break;
      case '--build':
        o.build = 'always';
        break;
      case '--no-build':
        o.build = 'never';
        break;
      case '--keep-tmp':
        o.keepTmp = true;
        break;
      case '--rows':
        [v, i] = value(arg, i);
        o.rows = int(v, name, 40);
        break;
      case '--million-rows':
        [v, i] = value(arg, i);
        o.millionRows = int(v, name, 40);
        break;
      case '--runs':
        [v, i] = value(arg, i);
        o.runs = int(v, name, 1);
        break;
      case '--starts':
        [v, i] = value(arg, i);
        o.starts = int(v, name, 1);
        break;
      case '--duration':
        [v, i] = value(arg, i);
        o.duration = wrkTime(v, name);
        break;
      case '--warmup':
        [v, i] = value(arg, i);
        o.warmup = wrkTime(v, name);
        break;
      case '--log-level':
        [v, i] = value(arg, i);
        if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v)) usage(`--log-level: a pino level, not ${v}`);
        o.logLevel = v;
        break;
      case '--server-node-args':
        [v, i] = value(arg, i);
        o.serverNodeArgs = v.split(/\s+/).filter(Boolean);
        break;
      case '--results':
        [v, i] = value(arg, i);
        o.results = resolve(v);
        break;
      case '--product-dir':
        [v, i] = value(arg, i);
        o.productDir = resolve(v);
        break;
      default:
        usage(`unknown argument ${arg}`);
    }
  }
  return o;
}
function usage(message) {
  process.stderr.write(`bench:limit: ${message}\n\n${USAGE}`);
  process.exit(2);
}
function int(v, name, min) {
  const n = Number(String(v).replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) usage(`${name}: an integer ≥ ${min}, not ${v}`);
  return n;
}
function wrkTime(v, name) {
  if (!/^\d+(\.\d+)?[smh]?$/.test(v)) usage(`${name}: a wrk duration such as 10s, not ${v}`);
  return /[smh]$/.test(v) ? v : `${v}s`;
}

const opts = parseOptions(process.argv.slice(2));
const log = (line) => process.stderr.write(`${line}\n`);
const T0 = performance.now();
const elapsedS = (since = T0) => (performance.now() - since) / 1000;

// ---------------------------------------------------------------- PostgreSQL

const PG = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: process.env.PGPORT ?? '5432',
  user: process.env.PGUSER ?? 'postgres',
  password: process.env.PGPASSWORD,
};
if (!['127.0.0.1', 'localhost', '::1'].includes(PG.host)) usage(`PGHOST=${PG.host}: loopback only`);
const adminUrl = (() => {
  const u = new URL('postgres://127.0.0.1/postgres');
  u.hostname = PG.host === '::1' ? '[::1]' : PG.host;
  u.port = PG.port;
  u.username = PG.user;
  if (PG.password) u.password = PG.password;
  return u.toString();
})();
// The environment of the shared tools: their PG* variables, nothing else of ours.
const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir(), LANG: process.env.LANG ?? 'C.UTF-8' };
const pgEnv = { ...baseEnv, PGHOST: PG.host, PGPORT: PG.port, PGUSER: PG.user, ...(PG.password ? { PGPASSWORD: PG.password } : {}) };
/** The node flags the container starts the server with: the Dockerfile's CMD, `node <flags…> dist/server.mjs`. */
const CONTAINER_NODE_ARGS = (() => {
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const argv = cmd ? JSON.parse(cmd[1]) : [];
  if (argv[0] !== 'node' || argv.at(-1) !== 'dist/server.mjs')
    throw new Error('bench:limit: cannot read `node … dist/server.mjs` from the Dockerfile CMD');
  return argv.slice(1, -1);
})();
const checkpoint = () => withClient(adminUrl, (c) => c.query('CHECKPOINT'));
/** The dead rows and GIN pending lists an earlier run left, cleared, so that no autovacuum lands on the next run. */
const vacuum = (url, analyze = false) => withClient(url, (c) => c.query(`VACUUM ${analyze ? '(ANALYZE) ' : ''}actions, action_events`));

// ---------------------------------------------------------------- lifecycle

const tmp = mkdtempSync(join(tmpdir(), 'iat-bench-limit-'));
let cleaned = false;
function cleanupSync() {
  if (cleaned) return;
  cleaned = true;
  killAll('SIGKILL');
  if (opts.keepTmp) log(`bench:limit: kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanupSync);
for (const [signal, n] of [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
]) {
  process.on(signal, () => {
    log(`\nbench:limit: ${signal}, stopping every child process`);
    cleanupSync();
    process.exit(128 + n);
  });
}

const machineBefore = await machineState();
const record = {
  startedAt: new Date().toISOString(),
  machine: { cores: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, before: machineBefore },
  code: gitState(),
  options: {
    ...opts,
    results: relative(ROOT, opts.results),
    productDir: relative(ROOT, opts.productDir) || '.',
    dir: process.env.LIMIT_BENCH_DIR ?? '/work/shared/bench',
  },
  phases: {},
};

let exitCode;
try {
  exitCode = await main();
} catch (error) {
  log(`\nbench:limit failed: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.BENCH_DEBUG && error instanceof Error) log(error.stack ?? '');
  exitCode = 3;
} finally {
  killAll('SIGTERM');
}
cleanupSync();
process.exit(exitCode);

// ---------------------------------------------------------------- the run

async function main() {
  log(
    `bench:limit — rows ${opts.rows}, wrk ${opts.duration} × ${opts.runs} run(s) after ${opts.warmup} warm-up, product LOG_LEVEL=${opts.logLevel}` +
      `${opts.million ? `, ${opts.millionRows} actions for the 1-connection p99` : ''}; temp ${tmp}`,
  );
  log(`machine before: ${machineBefore.summary}`);
  if (machineBefore.busyCores > 0.5) log(`  WARNING: the machine is busy (${machineBefore.top}); figures will be disturbed`);
  await withClient(adminUrl, (c) => c.query('SELECT 1')).catch((e) => {
    throw new Error(`PostgreSQL at ${PG.host}:${PG.port} is not reachable: ${e.message}`);
  });

  // 1. The shared tools, copied (the folder is read-only) and installed.
  let t = performance.now();
  const src = process.env.LIMIT_BENCH_DIR ?? '/work/shared/bench';
  for (const f of ['seed.mjs', 'limit-server.mjs', 'replay.mjs', 'load.mjs', 'compare.mjs', 'package-lock.json']) {
    if (!existsSync(join(src, f))) throw new Error(`${src}/${f} is missing (LIMIT_BENCH_DIR)`);
  }
  const tools = join(tmp, 'tools');
  cpSync(src, tools, { recursive: true });
  makeWritable(tools);
  log(`tools: ${src} copied; npm ci…`);
  await run(['npm', 'ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tools, env: { ...process.env } });
  record.phases.tools_s = elapsedS(t);

  // 2. The product build, snapshot into the temp dir (a rebuild of dist/ by
  // anyone during the run must not pull the server out from under it).
  t = performance.now();
  const app = await snapshotBuild();
  record.phases.build_s = elapsedS(t);

  // 3. The limit database.
  t = performance.now();
  log(`seeding ${LIMIT_DB} with ${opts.rows} actions…`);
  const seeded = await run(['node', 'seed.mjs', String(opts.rows), '--db', LIMIT_DB], { cwd: tools, env: pgEnv });
  record.limitSeed = lastJson(seeded.output);
  record.phases.seed_limit_s = elapsedS(t);

  // 4. The product on a fresh, empty database; the limit's rows replayed into it.
  t = performance.now();
  await withClient(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${PRODUCT_DB} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${PRODUCT_DB}`);
  });
  const productUrl = withDatabase(adminUrl, PRODUCT_DB);
  const limitUrl = withDatabase(adminUrl, LIMIT_DB);
  const product = await startProduct(app, productUrl, 'product');
  log(`product: ${product.base} (pid ${product.pid}), replaying ${LIMIT_DB} into it…`);
  const replay = await run(['node', 'replay.mjs', '--db', LIMIT_DB, '--base', product.base, '--expect-ids'], {
    cwd: tools,
    env: pgEnv,
    echo: (l) => log(`  ${l}`),
  });
  record.replay = {
    lines: replay.output
      .trim()
      .split('\n')
      .filter((l) => /^replay: (?!created .*req\/s, [\d.]+ s, failures)/.test(l)),
  };
  const rl = /(\d+) requests in ([\d.]+) s \((\d+) req\/s\)/.exec(replay.output);
  if (rl) Object.assign(record.replay, { requests: Number(rl[1]), seconds: Number(rl[2]), rps: Number(rl[3]) });
  // The limit's seeder ends with VACUUM ANALYZE; the product's rows came through its API.
  await vacuum(productUrl, true);
  record.phases.replay_s = elapsedS(t);
  const expectedMigrations = await migrationsOf(productUrl);
  record.productMigrations = expectedMigrations.map((m) => `${m.id}:${m.name}`);

  // 5. The limit server.
  const limit = await startLimit(tools);
  log(`limit server: ${limit.base} (pid ${limit.pid})`);

  // 6. Load, endpoint by endpoint, the sides taking turns (L P, P L, …), reads
  // first, the one-connection runs before the writes (which add rows).
  t = performance.now();
  const sides = { limit, product };
  const steps = [['list'], ['search'], ['get'], ['list', '1c'], ['search', '1c'], ['create'], ['status']];
  const files = { limit: [], product: [], 'limit-1c': [], 'product-1c': [] };
  record.loads = {};
  for (const [k, [endpoint, mode]] of steps.entries()) {
    for (const side of k % 2 === 0 ? ['limit', 'product'] : ['product', 'limit']) {
      const key = mode ? `${side}-${mode}` : side;
      const out = join(tmp, `${key}-${endpoint}.json`);
      // What an earlier run left (dead rows, dirty pages) is not this one's to pay.
      await Promise.all([vacuum(limitUrl), vacuum(productUrl)]);
      await checkpoint();
      const t1 = performance.now();
      await load(sides[side].base, [endpoint], {
        label: `${side} ${endpoint}${mode ? ' (1 connection)' : ''}`,
        jsonOut: out,
        n: opts.rows,
        ...(mode ? { threads: 1, conns: 1 } : {}),
      });
      files[key].push(out);
      record.loads[`${key}-${endpoint}`] = JSON.parse(readFileSync(out, 'utf8')).results;
      (record.loadSeconds ??= {})[`${key}-${endpoint}`] = elapsedS(t1);
    }
  }
  record.phases.load_s = elapsedS(t);
  await Promise.all([limit.proc.stop(), product.proc.stop()]);

  // 7. Start → first /health 200 of the product on the migrated database.
  t = performance.now();
  record.startToHealth = await timeStarts(app, productUrl);
  record.phases.starts_s = elapsedS(t);

  // 8. One-connection p99 of list and search on the large database.
  if (opts.million) {
    t = performance.now();
    const large = await prepareLargeDatabase({
      adminUrl,
      database: LARGE_DB,
      rows: opts.millionRows,
      expected: expectedMigrations,
      reseed: opts.reseed,
      log,
      migrate: (url) => run(['node', app.migrate], { env: { ...baseEnv, DATABASE_URL: url, LOG_LEVEL: 'warn' } }),
    });
    record.phases.prepare_large_s = elapsedS(t);
    t = performance.now();
    await checkpoint();
    const big = await startProduct(app, large.url, 'product-1m');
    const out = join(tmp, 'product-1m-1c.json');
    const lines = await load(big.base, ['list', 'search'], {
      label: `product on ${opts.millionRows} actions (1 connection)`,
      jsonOut: out,
      n: opts.millionRows,
      threads: 1,
      conns: 1,
    });
    await big.proc.stop();
    const results = JSON.parse(readFileSync(out, 'utf8')).results;
    record.million = {
      database: LARGE_DB,
      rows: opts.millionRows,
      reused: large.reused,
      prepareSeconds: Number(large.prepareSeconds.toFixed(1)),
      seededAt: large.seededAt,
      seedSeconds: large.seedSeconds,
      size: large.size,
      searchMatches: large.searchMatches,
      probes: lines.filter((l) => /^# \w+: probe /.test(l)),
      list: summarise(results.filter((r) => r.endpoint === 'list')),
      search: summarise(results.filter((r) => r.endpoint === 'search')),
      results,
    };
    record.phases.load_large_s = elapsedS(t);
  }

  // 9. The comparison.
  const args = [
    '--limit',
    ...files.limit,
    '--product',
    ...files.product,
    '--limit-1c',
    ...files['limit-1c'],
    '--product-1c',
    ...files['product-1c'],
  ];
  const compared = await run(['node', 'compare.mjs', ...args], { cwd: tools, env: { ...baseEnv, ...compareEnv() } }, [0, 1, 2]);
  const compareOut = compared.output.trim();
  record.compare = { exitCode: compared.code, output: compareOut.split('\n'), verdict: compareOut.split('\n').at(-1) };
  record.machine.after = await machineState();
  record.machine.foreignDuringLoads = foreignCpu(record);
  record.finishedAt = new Date().toISOString();
  record.phases.total_s = elapsedS();
  for (const k of Object.keys(record.phases)) record.phases[k] = Number(record.phases[k].toFixed(1));

  mkdirSync(dirname(opts.results), { recursive: true });
  writeFileSync(opts.results, `${JSON.stringify(record, roundNumbers, 2)}\n`);
  process.stdout.write(`\n${report(record)}\n\n${compareOut}\n`);
  log(`\nresults: ${relative(process.cwd(), opts.results)}; ${(elapsedS() / 60).toFixed(1)} min in all`);
  return compared.code;
}

// ---------------------------------------------------------------- pieces

async function snapshotBuild() {
  const dist = join(opts.productDir, 'dist');
  const built = ['server.mjs', 'migrate.mjs'].every((f) => existsSync(join(dist, f)));
  const sources = ['app', 'bin', 'lib', 'handlers', 'web', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json'].map((p) =>
    join(opts.productDir, p),
  );
  const stale = built && newestMtime(sources) > statSync(join(dist, 'server.mjs')).mtimeMs;
  const build = opts.build === 'always' || (opts.build === 'auto' && (!built || stale));
  if (build) {
    log(`build: ${!built ? 'dist/ is missing' : stale ? 'dist/ is older than the sources' : '--build'}; node scripts/build.mjs…`);
    await run(['node', 'scripts/build.mjs'], { cwd: opts.productDir, env: { ...process.env } });
  } else if (!built) {
    throw new Error('dist/server.mjs is missing and --no-build was given');
  } else {
    log(`build: dist/ is up to date${stale ? ' (stale, but --no-build)' : ''}`);
  }
  const app = join(tmp, 'app');
  // All of dist/ (the entry points may share chunks) but the Lambda bundles.
  cpSync(dist, app, { recursive: true, filter: (p) => p !== join(dist, 'lambda') });
  for (const f of ['server.mjs', 'migrate.mjs'])
    if (!existsSync(join(app, f))) throw new Error(`dist/${f} vanished during the snapshot (a rebuild?); run again`);
  record.build = { built: build, distMtime: new Date(statSync(join(app, 'server.mjs')).mtimeMs).toISOString() };
  return { server: join(app, 'server.mjs'), migrate: join(app, 'migrate.mjs') };
}

function newestMtime(paths) {
  let newest = 0;
  const walk = (p) => {
    let s;
    try {
      s = statSync(p);
    } catch {
      return;
    }
    if (s.isDirectory()) {
      for (const e of readdirSync(p)) if (e !== 'node_modules') walk(join(p, e));
    } else newest = Math.max(newest, s.mtimeMs);
  };
  for (const p of paths) walk(p);
  return newest;
}

function productEnv(url, port) {
  return {
    ...baseEnv,
    NODE_ENV: 'production', // as the container image sets it
    DATABASE_URL: url,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: opts.logLevel,
    ALLOW_UNVERIFIED_HEADERS: 'true', // identity is X-User / X-Role
  };
}

/** The product, its stdout/stderr (the access log at info) going to a file in the temp dir. */
async function startProduct(app, url, name) {
  const port = await freePort();
  const logFile = join(tmp, `${name}.log`);
  const proc = start(['node', ...CONTAINER_NODE_ARGS, ...opts.serverNodeArgs, app.server], { env: productEnv(url, port), out: logFile });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor200(`${base}/health`, proc, { everyMs: 50, timeoutMs: 120_000 });
  } catch (error) {
    await proc.stop(2_000);
    throw new Error(`${name} did not start: ${error.message}\n${tail(logFile)}`, { cause: error });
  }
  watchUnexpectedExit(proc, name, logFile);
  return { base, pid: proc.pid, proc };
}

async function startLimit(tools) {
  const port = await freePort();
  const logFile = join(tmp, 'limit.log');
  const proc = start(['node', 'limit-server.mjs'], {
    cwd: tools,
    out: logFile,
    env: { ...pgEnv, NODE_ENV: 'production', PGDATABASE: LIMIT_DB, PORT: String(port), HOST: '127.0.0.1' },
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor200(`${base}/health`, proc, { everyMs: 50, timeoutMs: 60_000 });
  } catch (error) {
    await proc.stop(2_000);
    throw new Error(`the limit server did not start: ${error.message}\n${tail(logFile)}`, { cause: error });
  }
  watchUnexpectedExit(proc, 'limit server', logFile);
  return { base, pid: proc.pid, proc };
}

function watchUnexpectedExit(proc, name, logFile) {
  const stop = proc.stop;
  let stopping = false;
  proc.stop = (...a) => {
    stopping = true;
    return stop(...a);
  };
  void proc.exited.then((code) => {
    if (!stopping && !cleaned)
      log(`\n!! ${name} exited unexpectedly (code ${code}); the measurements after this point are void\n${tail(logFile)}`);
  });
}

function tail(file, lines = 20) {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text
      ? text
          .split('\n')
          .slice(-lines)
          .map((l) => `    ${l}`)
          .join('\n')
      : '    (no output)';
  } catch {
    return '    (no log)';
  }
}

/** One load.mjs invocation; resolves its output lines (echoed as they come). */
async function load(base, endpoints, { label, jsonOut, n, threads = 2, conns = 50 }) {
  log(`load: ${label} — wrk -t${threads} -c${conns}`);
  const env = {
    ...pgEnv,
    ...pick(process.env, ['TIMEOUT', 'SETTLE_S', 'STATUS_IDS', 'X_USER', 'X_ROLE']),
    BASE: base,
    N: String(n),
    Q: SEARCH_WORD,
    THREADS: String(threads),
    CONNS: String(conns),
    DURATION: opts.duration,
    WARMUP: opts.warmup,
    RUNS: String(opts.runs),
    LABEL: label,
    JSON_OUT: jsonOut,
  };
  const r = await run(['node', 'load.mjs', ...endpoints], {
    cwd: join(tmp, 'tools'),
    env,
    echo: (l) => {
      if (l.startsWith('# ')) log(`  ${l}`);
    },
  });
  return r.output.split('\n');
}

function compareEnv() {
  return pick(process.env, ['MIN_RATIO', 'MAX_P99_MS', 'MAX_DB_CPU_RATIO']);
}

async function timeStarts(app, url) {
  const ms = [];
  log(`start → /health: ${opts.starts} starts of the product on ${PRODUCT_DB} (migrated), polling every 10 ms`);
  for (let i = 0; i < opts.starts; i++) {
    const port = await freePort();
    const logFile = join(tmp, 'starts.log');
    const t0 = performance.now();
    const proc = start(['node', ...CONTAINER_NODE_ARGS, ...opts.serverNodeArgs, app.server], { env: productEnv(url, port), out: logFile });
    try {
      ms.push(await waitFor200(`http://127.0.0.1:${port}/health`, proc, { since: t0, everyMs: 10, timeoutMs: 60_000 }));
    } catch (error) {
      await proc.stop(2_000);
      throw new Error(`product start ${i + 1} failed: ${error.message}\n${tail(logFile)}`, { cause: error });
    }
    await proc.stop();
    log(`  start ${i + 1}: ${ms.at(-1).toFixed(0)} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return { ms, median: median(ms), min: Math.min(...ms), max: Math.max(...ms), pollMs: 10 };
}

function summarise(rows) {
  if (!rows.length) return undefined;
  return {
    runs: rows.length,
    p50_ms: median(rows.map((r) => r.p50_ms)),
    p99_ms: median(rows.map((r) => r.p99_ms)),
    rps: median(rows.map((r) => r.rps)),
    non2xx: rows.reduce((s, r) => s + r.non2xx, 0),
    errors: rows.reduce((s, r) => s + r.errors, 0),
  };
}

// (function declarations: the run starts above, before any const down here exists)
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function pick(o, keys) {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined && o[k] !== '').map((k) => [k, o[k]]));
}
function roundNumbers(_k, v) {
  return typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v;
}

function lastJson(output) {
  const line = output
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.trim().startsWith('{'));
  try {
    return line ? JSON.parse(line) : undefined;
  } catch {
    return undefined;
  }
}

function makeWritable(dir) {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) makeWritable(p);
    else chmodSync(p, 0o644);
  }
}

// ---------------------------------------------------------------- machine state

function cpuTicks() {
  const t = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: t[3] + t[4], total: t.reduce((s, x) => s + x, 0) };
}
function procTicks() {
  const m = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = s.lastIndexOf(')');
      const f = s.slice(close + 2).split(' ');
      m.set(pid, { comm: s.slice(s.indexOf('(') + 1, close), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      /* gone */
    }
  }
  return m;
}

/** Load average and the cores busy over one second, with the busiest commands. */
async function machineState() {
  const a = cpuTicks();
  const pa = procTicks();
  await new Promise((r) => setTimeout(r, 1_000));
  const b = cpuTicks();
  const pb = procTicks();
  const busyCores = ((b.total - a.total - (b.idle - a.idle)) / (b.total - a.total)) * cpus().length;
  const by = {};
  for (const [pid, p] of pb) {
    const q = pa.get(pid);
    if (q && q.comm === p.comm && p.ticks > q.ticks && Number(pid) !== process.pid)
      by[p.comm] = (by[p.comm] ?? 0) + (p.ticks - q.ticks) / 100;
  }
  const top =
    Object.entries(by)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 4)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ') || 'nothing';
  const la = loadavg().map((x) => x.toFixed(2));
  return {
    loadavg: la.map(Number),
    busyCores: Number(busyCores.toFixed(2)),
    top,
    summary: `load average ${la.join(' ')}, ${busyCores.toFixed(2)} cores busy (${top})`,
  };
}

/**
 * The most CPU, in cores, that a measured run saw go to commands other than
 * postgres, node and wrk (load.mjs lists every command above 0.05 cores), and
 * which. Other node processes (a test suite) cannot be told apart from ours.
 */
function foreignCpu(rec) {
  let max = { cores: 0, what: '' };
  const all = [...Object.values(rec.loads ?? {}).flat(), ...(rec.million?.results ?? [])];
  for (const r of all) {
    const others = String(r.cpu ?? '')
      .split(', ')
      .map((e) => /^(.+) ([\d.]+)$/.exec(e))
      .filter((m) => m && !['postgres', 'node', 'wrk'].includes(m[1]));
    const cores = others.reduce((sum, m) => sum + Number(m[2]), 0);
    if (cores > max.cores)
      max = { cores: Number(cores.toFixed(2)), what: `${r.endpoint} run ${r.run}: ${others.map((m) => m[0]).join(', ')}` };
  }
  return max;
}

function gitState() {
  const git = (...a) => spawnSync('git', ['--no-optional-locks', ...a], { cwd: opts.productDir, encoding: 'utf8' });
  const top = git('rev-parse', '--show-toplevel');
  if (top.status !== 0 || resolve(top.stdout.trim()) !== resolve(opts.productDir)) return { dir: opts.productDir };
  const commit = git('rev-parse', '--short', 'HEAD');
  const dirty = git('status', '--porcelain', '--', 'bin', 'handlers', 'lib', 'scripts').stdout.trim() !== '';
  return { dir: opts.productDir, commit: commit.stdout.trim(), dirty };
}

// ---------------------------------------------------------------- report

function report(r) {
  const ms = (x) => (x === undefined ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(2));
  const rows = [];
  const add = (what, value) => rows.push(`| ${what} | ${value} |`);
  add(
    'machine',
    `${r.machine.cores} cores, node ${r.machine.node}; before: ${r.machine.before.summary}; after: load average ${r.machine.after.loadavg.join(' ')}`,
  );
  const f = r.machine.foreignDuringLoads;
  add(
    'other commands during the loads',
    `${f.cores ? `up to ${f.cores} cores (${f.what})` : 'none seen'} besides postgres/node/wrk` +
      `${r.machine.before.busyCores > 0.5 || f.cores > 0.2 ? ' — BUSY: figures disturbed' : ''}`,
  );
  const where = r.code.commit ? `${r.code.commit}${r.code.dirty ? ' + uncommitted changes in bin/handlers/lib/scripts' : ''}` : r.code.dir;
  add('product code', `${where}; ${r.build.built ? 'built now' : `dist/ of ${r.build.distMtime}`}`);
  add(
    'load',
    `wrk ${opts.duration} × ${opts.runs} run(s) per endpoint and side after ${opts.warmup} warm-up; -t2 -c50 loaded, -t1 -c1 unloaded; product LOG_LEVEL=${opts.logLevel}`,
  );
  add(
    'data',
    `${opts.rows} actions seeded in ${LIMIT_DB} (${r.limitSeed?.load_s ?? '?'} s), replayed into the product: ` +
      (r.replay?.requests ? `${r.replay.requests} requests in ${r.replay.seconds} s (${r.replay.rps} req/s)` : '—'),
  );
  const s = r.startToHealth;
  add(
    `product start → first /health 200, PostgreSQL (median of ${s.ms.length})`,
    `**${s.median.toFixed(0)} ms** (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)}; ${s.ms.map((x) => x.toFixed(0)).join(', ')})`,
  );
  if (r.million) {
    const m = r.million;
    const cell = (x) =>
      x
        ? `**${ms(x.p99_ms)} ms** (p50 ${ms(x.p50_ms)} ms, ${x.rps.toFixed(0)} rps${x.non2xx || x.errors ? `, ${x.non2xx} non-2xx, ${x.errors} errors` : ''})`
        : '—';
    add(`list \`GET /api/v1/actions\` p99, 1 connection, ${m.rows} actions`, cell(m.list));
    add(`selective search \`?q=${SEARCH_WORD}\` p99, 1 connection, ${m.rows} actions`, cell(m.search));
    add(
      `${m.database}`,
      `${m.reused ? 'reused' : `seeded in ${m.seedSeconds} s`}, ${m.size}; ${SEARCH_WORD} in ${m.searchMatches?.all} actions (${m.searchMatches?.visible} not closed)` +
        (m.probes.length ? `; ${m.probes.map((p) => p.replace(/^# /, '')).join('; ')}` : ''),
    );
  } else {
    add('1M-action p99', 'skipped (--no-million)');
  }
  const p = r.phases;
  add(
    'time',
    `${(p.total_s / 60).toFixed(1)} min (tools ${p.tools_s} s, build ${p.build_s} s, seed ${p.seed_limit_s} s, replay ${p.replay_s} s, loads ${p.load_s} s, starts ${p.starts_s} s` +
      `${p.prepare_large_s !== undefined ? `, large database ${p.prepare_large_s} s, its loads ${p.load_large_s} s` : ''})`,
  );
  return [`## bench:limit — ${r.startedAt}`, '', '| measure | value |', '|---|---|', ...rows].join('\n');
}
