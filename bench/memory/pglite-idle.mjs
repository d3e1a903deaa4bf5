#!/usr/bin/env node
// Memory of embedded PGlite (the zero-setup engine of lib/db/database.ts) per
// option set: RSS at each stage of a laptop session, from open to 100k actions.
// This is the harness the product's settings were chosen with; the set
// `product` is what lib/db/database.ts (openPglite) does now, `default` is
// PGlite as it comes. bench/memory/server-idle.mjs measures the built server.
//
//   node bench/memory/pglite-idle.mjs                       default and product, 100k rows
//   node bench/memory/pglite-idle.mjs --sets=all            every set below
//   node bench/memory/pglite-idle.mjs --sets=default,lean   only these sets
//   node bench/memory/pglite-idle.mjs --rows=20000 --idle=3 --no-reopen --json=/tmp/m.json
//
// Each option set runs in a fresh Node process (so RSS is that set's alone) on a
// fresh temporary data directory:
//
//   fresh  open (initdb included) → the product's migrations (lib/db/migrate.ts,
//          bundled on the fly, ledger and checksums included) → idle → 1,000
//          API-like single inserts + bulk to 10k actions (each with its
//          `created` event) → searches → bulk to 100k → searches → idle →
//          REINDEX of the GIN search index, ANALYZE → idle → idle after a forced GC
//   reopen a second process on the same directory (the next start of the tool,
//          100k actions present): open → idle → searches + 1,000 single
//          inserts → idle
//
// Figures: RSS (process.memoryUsage().rss), VmHWM (peak RSS of the process so
// far, from /proc/self/status), the WebAssembly memory's size (what PGlite has
// grown it to; it never shrinks) and how much of it is resident (from
// /proc/self/smaps: the anonymous mappings of the ≥4 GiB reservations V8 makes
// for each wasm memory). Idle means no work and no forced GC, as in the server;
// the extra "idle + gc" stage (the child runs with --expose-gc) shows what was
// garbage nobody collected.
//
// Also: what Node itself costs (bare, with the PGlite module imported, with the
// AWS SDK imported, with the app's other dependencies imported).
//
// Nothing of the product is changed: the option sets are passed to
// PGlite.create here, in this process; a set's `params` become
// `startParams: [...PGlite.defaultStartParams, '-c', 'name=value', ...]`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SELF), '../..');
const MiB = 2 ** 20;

// ------------------------------------------------------------------ option sets

/**
 * The -c settings openPglite (lib/db/database.ts) appends to PGlite.defaultStartParams, read from its
 * source so that the `product` set cannot drift from the product; fails loudly when the source changed shape.
 */
function productSettings() {
  const source = readFileSync(join(ROOT, 'lib/db/database.ts'), 'utf8');
  const list = source.match(/const PGLITE_SETTINGS = \[([^\]]*)\]/)?.[1];
  if (list === undefined || !/\[\.\.\.PGlite\.defaultStartParams, \.\.\.PGLITE_SETTINGS\]/.test(source))
    throw new Error(
      'lib/db/database.ts no longer has `PGLITE_SETTINGS` appended to PGlite.defaultStartParams: update the product set of bench/memory/pglite-idle.mjs',
    );
  if (!/spawn\(/.test(source.slice(source.indexOf('async function initialisePglite'))))
    throw new Error(
      'lib/db/database.ts no longer initialises a new data directory in a child process: update the product set of bench/memory/pglite-idle.mjs',
    );
  const tokens = [...list.matchAll(/'([^']*)'/g)].map((m) => m[1]);
  const params = [];
  for (let i = 0; i < tokens.length; i += 2) {
    if (tokens[i] !== '-c' || tokens[i + 1] === undefined)
      throw new Error(`PGLITE_SETTINGS of lib/db/database.ts is not a list of -c settings: ${list}`);
    params.push(tokens[i + 1]);
  }
  return params;
}

/** Option sets: `opts` go to PGlite.create as they are; `params` are -c settings appended to the default start parameters. */
export const SETS = {
  default: { about: 'PGlite.create(dir): PGlite as it comes (what the product did before)', opts: {}, params: [] },
  product: {
    about: `what openPglite of lib/db/database.ts does: ${productSettings().join(', ')} (read from its source), and a new data directory is initialised by a short-lived child process first`,
    opts: {},
    params: productSettings(),
    initdbIn: 'child',
  },
  mem256: { about: 'initialMemory 256 MiB', opts: { initialMemory: 256 * MiB }, params: [] },
  sb32: { about: 'shared_buffers=32MB', opts: {}, params: ['shared_buffers=32MB'] },
  sb16: { about: 'shared_buffers=16MB', opts: {}, params: ['shared_buffers=16MB'] },
  lean: {
    about: 'shared_buffers=16MB, maintenance_work_mem=16MB (initdb in this process)',
    opts: {},
    params: ['shared_buffers=16MB', 'maintenance_work_mem=16MB'],
  },
  'lean+worker-initdb': {
    about:
      'lean, and a new data directory is initialised in a worker thread first (its isolate, wasm memories included, is freed when it ends)',
    opts: {},
    params: ['shared_buffers=16MB', 'maintenance_work_mem=16MB'],
    initdbIn: 'worker',
  },
  mem64: {
    about: 'initialMemory 64 MiB (below the module minimum: expected to fail)',
    opts: { initialMemory: 64 * MiB },
    params: [],
    expectFailure: true,
  },
};
const DEFAULT_SETS = ['default', 'product'];

async function pgliteOptions(set) {
  const { PGlite } = await import('@electric-sql/pglite');
  const options = { ...set.opts };
  if (set.params.length) options.startParams = [...PGlite.defaultStartParams, ...set.params.flatMap((p) => ['-c', p])];
  return options;
}

// ------------------------------------------------------------------ measuring

const kbField = (status, key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+)`, 'm'))?.[1] ?? NaN) * 1024;

/** Resident bytes of the WebAssembly memories: anonymous mappings that are part of a ≥4 GiB contiguous reservation. */
function wasmResident() {
  let text;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return NaN;
  }
  const groups = [];
  let cur;
  for (const line of text.split('\n')) {
    const m = line.match(/^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/);
    if (m) {
      const start = parseInt(m[1], 16),
        end = parseInt(m[2], 16),
        name = m[3];
      const last = groups[groups.length - 1];
      if (last && !name && !last.name && last.end === start) last.end = end;
      else groups.push({ start, end, name, rss: 0 });
      cur = groups[groups.length - 1];
      continue;
    }
    const r = line.match(/^Rss:\s+(\d+) kB/);
    if (r && cur) cur.rss += Number(r[1]) * 1024;
  }
  return groups.filter((g) => !g.name && g.end - g.start >= 4 * 2 ** 30).reduce((sum, g) => sum + g.rss, 0);
}

function sample(db) {
  const status = readFileSync('/proc/self/status', 'utf8');
  let heap = NaN;
  try {
    heap = db?.Module?.wasmMemory?.buffer.byteLength ?? NaN;
  } catch {
    // Not every PGlite build exposes its memory: the heap stays unknown.
  }
  return {
    rss: process.memoryUsage().rss,
    vmRSS: kbField(status, 'VmRSS'),
    vmHWM: kbField(status, 'VmHWM'),
    heap,
    wasmRes: wasmResident(),
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ the data

export function prng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const WORDS = `rotate patch upgrade migrate audit restrict enable document remove replace review tighten certificate
rotation kafka broker postgres replica latency database cluster node pool ingress egress firewall rule subnet
vpc peering route table dns record ttl cache redis eviction memory pressure disk volume snapshot backup restore
terraform state drift module provider lock pipeline runner deploy rollback canary alert pager threshold dashboard
grafana prometheus scrape target exporter logs retention bucket policy encryption key kms iam role permission
secret vault token expiry lambda timeout concurrency queue backlog consumer lag partition topic schema registry
staging production sandbox region failover quorum leader election etcd kubelet pod eviction autoscaler quota`
  .split(/\s+/)
  .filter(Boolean);
const SYL = ['ka', 'lo', 'mir', 'tan', 'vek', 'zu', 'ori', 'pel', 'dra', 'sen', 'qua', 'tho', 'bri', 'nex', 'yul', 'fa'];
const PRIORITIES = ['low', 'medium', 'high', 'critical'];
const STATUSES = ['open', 'in_progress', 'blocked', 'resolved', 'closed'];
const COMPONENTS = [
  'vpc',
  'eks',
  'rds',
  's3',
  'iam',
  'kms',
  'kafka',
  'postgres',
  'redis',
  'dns',
  'vault',
  'terraform',
  'grafana',
  'ci-runners',
];
const TAGS = ['security', 'cost', 'toil', 'postmortem', 'compliance', 'network', 'storage', 'observability', 'oncall', 'debt'];

function makeAction(i, rand) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const host = () => `${pick(SYL)}${pick(SYL)}${pick(SYL)}-${Math.floor(rand() * 97)}`;
  const sentence = (n) => Array.from({ length: n }, () => (rand() < 0.15 ? host() : pick(WORDS))).join(' ');
  const status = STATUSES[Math.min(4, Math.floor(rand() * rand() * 6))];
  const description =
    `${sentence(20 + Math.floor(rand() * 50))}.` +
    (rand() < 0.3 ? ` Raised after incident INC-${10000 + (i % 90000)}.` : '') +
    (i % 5000 === 17 ? ' Seen before on the orthanc cluster.' : '');
  return {
    title: `${pick(WORDS)} ${pick(WORDS)} ${host()} ${pick(WORDS)}`.slice(0, 200),
    description,
    priority: PRIORITIES[Math.floor(rand() * 4)],
    status,
    owner: rand() < 0.9 ? `user${100 + Math.floor(rand() * 300)}` : null,
    component: rand() < 0.95 ? pick(COMPONENTS) : null,
    tags: Array.from(new Set(Array.from({ length: Math.floor(rand() * 4) }, () => pick(TAGS)))),
    resolution_notes: status === 'resolved' || status === 'closed' ? `Done: ${sentence(8)}.` : null,
    created_by: `user${100 + Math.floor(rand() * 300)}`,
  };
}

const INSERT_ONE = `INSERT INTO actions (title, description, priority, status, owner, component, tags, resolution_notes, created_by, updated_by, search)
VALUES ($1, $2, $3::action_priority, $4::action_status, $5, $6, $7::text[], $8, $9, $9, action_search_vector($1, $2, $8, $5, $6, $7::text[])) RETURNING id`;
const INSERT_EVENT = `INSERT INTO action_events (action_id, actor, role, kind, to_status) VALUES ($1, $2, 'member', 'created', $3::action_status)`;
const INSERT_BATCH = `
WITH rows AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(title text, description text, priority action_priority, status action_status,
                                                   owner text, component text, tags text[], resolution_notes text, created_by text)
), ins AS (
  INSERT INTO actions (title, description, priority, status, owner, component, tags, resolution_notes, created_by, updated_by, search)
  SELECT title, description, priority, status, owner, component, tags, resolution_notes, created_by, created_by,
         action_search_vector(title, description, resolution_notes, owner, component, tags) FROM rows
  RETURNING id, created_by, status
)
INSERT INTO action_events (action_id, actor, role, kind, to_status) SELECT id, created_by, 'member', 'created', status FROM ins`;

// The product's list statement with a search word (lib/db/actions.ts), plus a count and a ranked search.
const LIST_SEARCH = `SELECT id, title, priority, status, updated_at FROM actions
WHERE status <> 'closed' AND search @@ websearch_to_tsquery('english', $1)
ORDER BY priority DESC, updated_at DESC, id DESC LIMIT 51`;
const SEARCHES = [
  [LIST_SEARCH, ['orthanc']],
  [LIST_SEARCH, ['incident']],
  [LIST_SEARCH, ['"certificate rotation"']],
  [LIST_SEARCH, ['kafka -staging']],
  [`SELECT count(*) AS n FROM actions WHERE search @@ websearch_to_tsquery('english', $1)`, ['database']],
  [
    `SELECT id, ts_rank(search, q) AS r FROM actions, websearch_to_tsquery('english', $1) q WHERE search @@ q ORDER BY r DESC LIMIT 20`,
    ['latency replica'],
  ],
];

async function searches(db) {
  for (const [sql, params] of SEARCHES) await db.query(sql, params); // the first pass warms the cache; the second is timed
  const t = performance.now();
  let matched = 0;
  for (const [sql, params] of SEARCHES) matched += (await db.query(sql, params)).rows.length;
  return { ms: performance.now() - t, matched };
}

async function insertSingle(db, from, count, rand) {
  for (let i = from; i < from + count; i++) {
    const a = makeAction(i, rand);
    await db.transaction(async (tx) => {
      const { rows } = await tx.query(INSERT_ONE, [
        a.title,
        a.description,
        a.priority,
        a.status,
        a.owner,
        a.component,
        a.tags,
        a.resolution_notes,
        a.created_by,
      ]);
      await tx.query(INSERT_EVENT, [rows[0].id, a.created_by, a.status]);
    });
  }
}

export async function insertBulk(db, from, to, rand, batch = 1000) {
  for (let i = from; i < to; i += batch) {
    const rows = [];
    for (let j = i; j < Math.min(to, i + batch); j++) rows.push(makeAction(j, rand));
    await db.query(INSERT_BATCH, [JSON.stringify(rows)]);
  }
}

// ------------------------------------------------------------------ migrations

/** Bundles the product's migrate() and MIGRATIONS (lib/db/migrate.ts) into a module under `dir`; returns its path. */
export async function bundleMigrations(dir) {
  const { build } = await import('esbuild');
  const out = join(dir, 'migrate.mjs');
  await build({
    entryPoints: [join(ROOT, 'lib/db/migrate.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    logLevel: 'error',
  });
  return out;
}

/** The product's Database interface over a PGlite instance (enough for migrate()). */
export function asDatabase(db) {
  const wrap = (client) => ({
    async query(statement, params) {
      const text = typeof statement === 'string' ? statement : statement.text;
      const result = await client.query(text, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql) {
      await client.exec(sql);
    },
  });
  return { engine: 'pglite', ...wrap(db), transaction: (work) => db.transaction((tx) => work(wrap(tx))), close: () => db.close() };
}

// ------------------------------------------------------------------ child: one option set, one phase

async function child(setName, phase, dir, cfg) {
  const set = SETS[setName];
  const emit = (row) => process.stdout.write(`@@${JSON.stringify(row)}\n`);
  // PGlite.create does not reject on a LinkError of the wasm instantiation: it surfaces as an unhandled rejection.
  process.on('unhandledRejection', (error) => {
    emit({ stage: 'open', error: `unhandled rejection: ${String(error?.message ?? error).split('\n')[0]}` });
    process.exit(1);
  });
  let db;
  const stage = (name, extra = {}) => emit({ stage: name, ...sample(db), ...extra });
  stage('node started');
  const migrations = phase === 'fresh' ? await import(pathToFileURL(cfg.migrations).href) : undefined;
  const { PGlite } = await import('@electric-sql/pglite');
  stage('PGlite imported');
  const options = await pgliteOptions(set);
  let t = performance.now();
  let initdbS;
  if (set.initdbIn && !existsSync(join(dir, 'PG_VERSION'))) {
    if (set.initdbIn === 'child') {
      const r = spawnSync(process.execPath, [SELF, '--initdb', setName, dir], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`initdb child failed with status ${r.status}`);
    } else await initdbInWorker(dir, options);
    initdbS = (performance.now() - t) / 1000;
  }
  try {
    db = await PGlite.create(dir, options);
  } catch (error) {
    emit({ stage: 'open', error: String(error?.message ?? error).split('\n')[0] });
    return;
  }
  const openS = (performance.now() - t) / 1000;
  const settings = (
    await db.query(`SELECT current_setting('shared_buffers') sb, current_setting('shared_memory_size') shm,
    current_setting('work_mem') wm, current_setting('maintenance_work_mem') mwm, current_setting('wal_buffers') wb`)
  ).rows[0];
  stage('open', { s: openS, initdbS, settings });
  const rand = prng(42);
  if (phase === 'fresh') {
    t = performance.now();
    const applied = await migrations.migrate(asDatabase(db), migrations.MIGRATIONS);
    stage('migrated', { s: (performance.now() - t) / 1000, openMigrateS: openS + (performance.now() - t) / 1000, applied: applied.length });
    await sleep(cfg.idle * 1000);
    stage(`idle ${cfg.idle}s`);
    const tenK = Math.min(10_000, cfg.rows);
    const single = Math.min(1_000, tenK);
    t = performance.now();
    await insertSingle(db, 0, single, rand);
    const singleMs = (performance.now() - t) / single;
    await insertBulk(db, single, tenK, rand);
    let s = await searches(db);
    stage(`${tenK / 1000}k actions + search`, { s: (performance.now() - t) / 1000, singleInsertMs: singleMs, searchMs: s.ms });
    if (cfg.rows > tenK) {
      t = performance.now();
      await insertBulk(db, tenK, cfg.rows, rand);
      const insertS = (performance.now() - t) / 1000;
      s = await searches(db);
      stage(`${cfg.rows / 1000}k actions + search`, { s: insertS, searchMs: s.ms });
    }
    await sleep(cfg.idle * 1000);
    stage(`idle ${cfg.idle}s (loaded)`);
    // Not something the product runs today; what an index built on existing rows (a later migration) and a
    // statistics pass (actions.search has STATISTICS 1000) cost on top.
    t = performance.now();
    await db.exec('REINDEX INDEX actions_search');
    stage('REINDEX gin index', { s: (performance.now() - t) / 1000 });
    t = performance.now();
    await db.exec('ANALYZE actions');
    const count = (await db.query('SELECT count(*)::int AS n FROM actions')).rows[0].n;
    stage('ANALYZE actions', { s: (performance.now() - t) / 1000, count });
  } else {
    await sleep(cfg.idle * 1000);
    stage(`idle ${cfg.idle}s`);
    t = performance.now();
    const before = (await db.query('SELECT count(*)::int AS n FROM actions')).rows[0].n;
    const s = await searches(db);
    await insertSingle(db, before, 1_000, rand);
    stage('search + 1k inserts', { s: (performance.now() - t) / 1000, searchMs: s.ms, count: before + 1000 });
  }
  await sleep(cfg.idle * 1000);
  stage(`idle ${cfg.idle}s (end)`);
  if (globalThis.gc) {
    for (let i = 0; i < 3; i++) {
      globalThis.gc();
      await sleep(200);
    }
    stage('idle + forced gc');
  }
  await db.close();
}

/** What a product could do: PGlite.create + close in a worker thread, so initdb's two extra wasm instances die with its isolate. */
async function initdbInWorker(dir, options) {
  const { Worker } = await import('node:worker_threads');
  const url = import.meta.resolve('@electric-sql/pglite');
  const source = `
    const { workerData } = require('node:worker_threads');
    import(workerData.url)
      .then(async ({ PGlite }) => { const db = await PGlite.create(workerData.dir, workerData.options); await db.close(); })
      .then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });`;
  await new Promise((resolvePromise, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { url, dir, options } });
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`initdb worker exited with ${code}`))));
  });
}

async function initdbChild(setName, dir) {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dir, await pgliteOptions(SETS[setName]));
  await db.close();
}

// ------------------------------------------------------------------ parent

function runChild(args, { expose = true } = {}) {
  return new Promise((resolvePromise, reject) => {
    const p = spawn(process.execPath, [...(expose ? ['--expose-gc'] : []), SELF, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const rows = [];
    let buf = '';
    let err = '';
    p.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('@@')) rows.push(JSON.parse(line.slice(2)));
      }
    });
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => resolvePromise({ code, rows, stderr: err.trim() }));
  });
}

/** RSS of Node with only these modules imported (after a 1 s settle). */
async function nodeOnly(label, modules) {
  const code = `
    for (const m of ${JSON.stringify(modules)}) await import(m);
    await new Promise((r) => setTimeout(r, 1000));
    const s = require('node:fs').readFileSync('/proc/self/status', 'utf8');
    console.log(JSON.stringify({ rss: process.memoryUsage().rss, hwm: Number(s.match(/^VmHWM:\\s+(\\d+)/m)[1]) * 1024 }));`;
  const r = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); ${code}`],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) return { label, error: r.stderr.trim().split('\n')[0] };
  return { label, ...JSON.parse(r.stdout.trim().split('\n').pop()) };
}

const mb = (x) => (x === undefined || Number.isNaN(x) ? '' : String(Math.round(x / MiB)));
const sec = (x) => (x === undefined ? '' : x.toFixed(2));
function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c ?? '').padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The value of `--name=value` in argv, or `dflt`. */
export const argOf = (argv, name, dflt) =>
  argv
    .find((a) => a.startsWith(`--${name}=`))
    ?.split('=')
    .slice(1)
    .join('=') ?? dflt;

async function parent(argv) {
  const arg = (name, dflt) => argOf(argv, name, dflt);
  const cfg = { rows: Number(arg('rows', 100_000)), idle: Number(arg('idle', 5)) };
  const sets = arg('sets', DEFAULT_SETS.join(','));
  const names = (sets === 'all' ? Object.keys(SETS).join(',') : sets).split(',').filter(Boolean);
  for (const n of names) if (!SETS[n]) throw new Error(`unknown set ${n}; known: ${Object.keys(SETS).join(', ')}`);
  const reopen = !argv.includes('--no-reopen');
  const keep = argv.includes('--keep');
  console.log(`PGlite memory bench: ${cfg.rows} actions, idle ${cfg.idle}s, Node ${process.version}, sets: ${names.join(', ')}\n`);

  const nodeRows = [];
  for (const [label, mods] of [
    ['bare node', []],
    ['+ @electric-sql/pglite (import only)', ['@electric-sql/pglite']],
    ['+ @aws-sdk/client-s3', ['@aws-sdk/client-s3']],
    [
      '+ @aws-sdk/client-s3, lib-storage, s3-request-presigner',
      ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', '@aws-sdk/s3-request-presigner'],
    ],
    [
      '+ app deps (pg, pino, zod, middy, busboy, range-parser, content-disposition)',
      ['pg', 'pino', 'zod', '@middy/core', 'busboy', 'range-parser', 'content-disposition'],
    ],
  ])
    nodeRows.push(await nodeOnly(label, mods));
  console.log('Node alone (RSS after 1 s):');
  console.log(
    table(
      ['process', 'RSS MB', 'HWM MB'],
      nodeRows.map((r) => [r.label, r.error ?? mb(r.rss), mb(r.hwm)]),
    ),
  );
  console.log();

  const work = mkdtempSync(join(tmpdir(), 'pglite-idle-'));
  cfg.migrations = await bundleMigrations(work);
  const results = {};
  for (const name of names) {
    const dir = mkdtempSync(join(work, `${name}-`));
    const runs = {};
    try {
      process.stderr.write(`[${name}] fresh …\n`);
      runs.fresh = await runChild(['--child', name, 'fresh', dir, JSON.stringify(cfg)]);
      const opened = runs.fresh.rows.some((r) => r.stage === 'open' && !r.error);
      if (reopen && opened && runs.fresh.code === 0) {
        process.stderr.write(`[${name}] reopen …\n`);
        runs.reopen = await runChild(['--child', name, 'reopen', dir, JSON.stringify(cfg)]);
      }
    } finally {
      if (!keep) rmSync(dir, { recursive: true, force: true });
    }
    results[name] = runs;
    console.log(`## ${name}: ${SETS[name].about}${keep ? ` (data dir ${dir})` : ''}`);
    const rows = [];
    for (const [phase, run] of Object.entries(runs)) {
      for (const r of run.rows)
        rows.push([
          phase,
          r.stage,
          r.error ? `FAILED: ${r.error}` : mb(r.rss),
          mb(r.vmHWM),
          mb(r.heap),
          mb(r.wasmRes),
          sec(r.s) + (r.initdbS !== undefined ? ` (initdb child ${sec(r.initdbS)})` : ''),
          [
            r.settings ? `shared_buffers=${r.settings.sb} shm=${r.settings.shm} mwm=${r.settings.mwm}` : '',
            r.singleInsertMs !== undefined ? `${r.singleInsertMs.toFixed(2)} ms/single insert` : '',
            r.searchMs !== undefined ? `searches ${r.searchMs.toFixed(0)} ms` : '',
            r.applied !== undefined ? `${r.applied} migrations applied` : '',
            r.count !== undefined ? `${r.count} actions` : '',
          ]
            .filter(Boolean)
            .join('; '),
        ]);
      if (run.code !== 0) rows.push([phase, `exit ${run.code}`, run.stderr.split('\n').slice(-3).join(' ⏎ '), '', '', '', '', '']);
    }
    console.log(table(['phase', 'stage', 'RSS MB', 'HWM MB', 'wasm MB', 'wasm res MB', 'seconds', 'notes'], rows));
    console.log();
  }

  // Summary: one line per set.
  const get = (run, pred) => run?.rows.find((r) => pred(r.stage));
  const sum = names.map((name) => {
    const { fresh, reopen: re } = results[name];
    const open = get(fresh, (s) => s === 'open');
    if (!open || open.error) return [name, `FAILED: ${open?.error ?? fresh?.stderr.split('\n').find((l) => /Error/.test(l))}`];
    const mig = get(fresh, (s) => s === 'migrated');
    const idle = get(fresh, (s) => s.startsWith('idle') && !s.includes('end'));
    const loaded = get(fresh, (s) => s.includes('(loaded)'));
    const analyzed = get(fresh, (s) => s.startsWith('ANALYZE'));
    const end = get(fresh, (s) => s.includes('(end)'));
    const gcd = get(fresh, (s) => s.includes('gc'));
    const rOpen = get(re, (s) => s === 'open');
    const rIdle = get(re, (s) => s.startsWith('idle') && !s.includes('end'));
    const rEnd = get(re, (s) => s.includes('(end)'));
    return [
      name,
      sec(mig?.openMigrateS),
      mb(idle?.rss),
      mb(loaded?.rss),
      mb(analyzed?.rss),
      mb(end?.rss),
      mb(gcd?.rss),
      mb(Math.max(...fresh.rows.map((r) => r.vmHWM || 0))),
      mb(end?.heap),
      sec(rOpen?.s),
      mb(rIdle?.rss),
      mb(rEnd?.rss),
      mb(rEnd?.vmHWM),
    ];
  });
  console.log('## Summary (MB; fresh = first start on an empty DATA_DIR, reopen = next start with the data)');
  console.log(
    table(
      [
        'set',
        'open+migrate s',
        'idle after migrate',
        `idle with ${cfg.rows / 1000}k`,
        '+REINDEX+ANALYZE',
        'idle at end',
        'same + forced gc',
        'peak HWM',
        'wasm heap',
        'reopen open s',
        'reopen idle',
        'reopen after work',
        'reopen HWM',
      ],
      sum,
    ),
  );
  if (!keep) rmSync(work, { recursive: true, force: true });
  const json = arg('json');
  if (json) writeFileSync(json, JSON.stringify({ cfg, nodeRows, results }, null, 2));
}

// ------------------------------------------------------------------ entry

// Run only as a script; imported (server-idle.mjs), it is helpers only.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') await child(argv[1], argv[2], argv[3], JSON.parse(argv[4]));
  else if (argv[0] === '--initdb') await initdbChild(argv[1], argv[2]);
  else await parent(argv);
}
