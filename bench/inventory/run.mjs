// npm run bench:inventory — what the estate costs at scale, on PostgreSQL: "what
// changed before this?" (GET /api/v1/actions/{id}/related-changes) at 1M actions
// and 100k changes, the hosts and changes lists, ingesting a large Terraform plan
// (time, and the server's peak memory), and a probe round over many hosts.
//
// The database is bench:limit's large one (iat_bench_product_1m, seeded by
// bench/limit/seed-product.mjs), brought to this build's migrations, with an estate
// seeded beside its actions: HOSTS hosts, CHANGES changes over the last year across
// the actions' 40 components, 0–4 hosts per change, and a tenth of the actions
// linked to a host. The product runs as built (dist/server.mjs). Each read is asked
// REQUESTS times on one connection after WARMUP; printed: p50/p99 latency and
// PostgreSQL CPU per request (the CPU time of every `postgres` process, from /proc).
//
//   npm run bench:inventory [-- --requests 200 --changes 100000 --hosts 5000 --plan-mb 45]
//   BENCH_DATABASE_URL   the server to use (default postgres://postgres@127.0.0.1:5432/postgres)
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { migrationsOf, prepareLargeDatabase, withClient, withDatabase } from '../limit/seed-product.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const ROWS = 1_000_000;
const REQUESTS = Number(arg('requests', 200));
const CHANGES = Number(arg('changes', 100_000));
const HOSTS = Number(arg('hosts', 5_000));
const PLAN_MB = Number(arg('plan-mb', 45));
const WARMUP = 20;
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (line) => process.stderr.write(`# ${line}\n`);

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const migrate = (url) =>
  execFileSync(process.execPath, ['dist/migrate.mjs'], { env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' } });

// The 1M database: bench:limit's, migrated to this build (the estate's tables are new and
// empty there, so bringing it forward is cheaper than seeding a million actions again).
const database = 'iat_bench_product_1m';
const url = withDatabase(adminUrl, database);
const exists = await withClient(
  adminUrl,
  async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount,
);
if (exists) migrate(url);
const probe = 'iat_bench_inventory_probe';
await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${probe}`).then(() => c.query(`CREATE DATABASE ${probe}`)));
migrate(withDatabase(adminUrl, probe));
const expected = await migrationsOf(withDatabase(adminUrl, probe));
await withClient(adminUrl, (c) => c.query(`DROP DATABASE ${probe}`));
const large = await prepareLargeDatabase({ adminUrl, database, rows: ROWS, expected, reseed: false, migrate, log });

// ------------------------------------------------------------------ the estate

const seeded = performance.now();
await withClient(large.url, async (c) => {
  await c.query(
    'TRUNCATE hosts, changes, action_hosts, action_changes, change_hosts, change_resources, change_tasks, change_artifacts, host_activity RESTART IDENTITY CASCADE',
  );
  const components = `(SELECT array_agg(DISTINCT component) AS c FROM actions WHERE component IS NOT NULL) k`;
  await c.query(
    `INSERT INTO hosts (hostname, ip_addresses, environment, component, instance_id, source, status, created_by, updated_by, last_seen)
     SELECT 'host-' || i, ARRAY['127.0.0.1'], (ARRAY['prod','staging','dev'])[1 + i % 3], k.c[1 + i % array_length(k.c, 1)],
            'i-' || lpad(to_hex(i), 17, '0'), 'terraform', 'unknown', 'bench', 'bench', now() - random() * interval '1 day'
     FROM generate_series(1, $1::int) i, ${components}`,
    [HOSTS],
  );
  await c.query(
    `INSERT INTO changes (title, source, environment, component, commit_sha, build_id, started_at, finished_at, outcome,
                          creates, updates, deletes, replaces, created_by, updated_by)
     SELECT 'Change ' || i, (ARRAY['terraform','ansible','manual'])[1 + i % 3]::inventory_source,
            (ARRAY['prod','staging','dev'])[1 + i % 3], k.c[1 + floor(random() * array_length(k.c, 1))::int],
            md5(i::text), 'build-' || i, t, t + interval '4 minutes', 'succeeded',
            floor(random() * 5)::int, floor(random() * 5)::int, floor(random() * 2)::int, floor(random() * 2)::int, 'bench', 'bench'
     FROM generate_series(1, $1::int) i, ${components}, LATERAL (SELECT now() - random() * interval '365 days' + i * interval '0 s' AS t) x`,
    [CHANGES],
  );
  await c.query(
    `INSERT INTO change_hosts (change_id, hostname, host_id)
     SELECT DISTINCT ON (ch.id, h) ch.id, 'host-' || h, h
     FROM changes ch, LATERAL (SELECT 1 + floor(random() * $1::int)::int AS h, g FROM generate_series(1, (ch.id % 5)::int) g) x`,
    [HOSTS],
  );
  await c.query(
    `INSERT INTO action_hosts (action_id, host_id, linked_by)
     SELECT id, 1 + floor(random() * $1::int)::int, 'bench' FROM actions WHERE id % 10 = 0`,
    [HOSTS],
  );
  await c.query('ANALYZE');
});
log(`estate: ${HOSTS} hosts, ${CHANGES} changes seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

// ------------------------------------------------------------------ the product

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
// One listener the probes reach: every host's address is 127.0.0.1 on its port.
const target = createServer((socket) => socket.destroy()).listen(0, '127.0.0.1');
await new Promise((r) => target.once('listening', r));
const port = await freePort();
const server = spawn(process.execPath, ['--max-semi-space-size=32', 'dist/server.mjs'], {
  env: {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    DATABASE_URL: large.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ALLOW_UNVERIFIED_HEADERS: 'true',
    PROBE_INTERVAL_S: '0',
    PROBE_PORT: String(target.address().port),
    DATA_DIR: `/tmp/iat-bench-inventory-${process.pid}`,
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
const who = { 'x-user': 'user150', 'x-role': 'member' };
for (let i = 0; ; i++) {
  if (
    await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    )
  )
    break;
  if (i > 600) throw new Error('the product did not start');
  await new Promise((r) => setTimeout(r, 100));
}

function postgresTicks() {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = s.lastIndexOf(')');
      if (s.slice(s.indexOf('(') + 1, close) !== 'postgres') continue;
      const f = s.slice(close + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return ticks;
}
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const memory = (field) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024;

/** `paths(i)` gives the i-th request's path, so that a case can walk many actions. */
async function measure(name, paths) {
  let items = 0;
  for (let i = 0; i < WARMUP; i++) {
    const res = await fetch(base + paths(i), { headers: who });
    if (!res.ok) throw new Error(`${paths(i)}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
  const times = [];
  const t0 = postgresTicks();
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const res = await fetch(base + paths(WARMUP + i), { headers: who });
    const body = await res.json();
    times.push(performance.now() - started);
    if (!res.ok) throw new Error(`${paths(WARMUP + i)}: ${res.status}`);
    items += body.items?.length ?? 0;
  }
  const pgMs = ((postgresTicks() - t0) * 10) / REQUESTS;
  times.sort((a, b) => a - b);
  const r = { name, p50: pct(times, 50), p99: pct(times, 99), pgMs, items: items / REQUESTS };
  log(`${name}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, PG ${r.pgMs.toFixed(2)} ms/req, ${r.items.toFixed(1)} items`);
  return r;
}

// Actions opened within the year the changes cover, with a component or a host: what an on-call asks about.
const sample = await withClient(large.url, async (c) =>
  (
    await c.query(
      `SELECT id FROM actions WHERE created_at > now() - interval '360 days' AND (component IS NOT NULL OR id % 10 = 0)
       ORDER BY random() LIMIT 2000`,
    )
  ).rows.map((r) => Number(r.id)),
);
const someChange = Math.ceil(CHANGES / 2);
const results = [
  await measure('related changes, 24 h (default)', (i) => `/api/v1/actions/${sample[i % sample.length]}/related-changes`),
  await measure('related changes, 7 days', (i) => `/api/v1/actions/${sample[i % sample.length]}/related-changes?window_hours=168`),
  await measure('related changes, 30 days', (i) => `/api/v1/actions/${sample[i % sample.length]}/related-changes?window_hours=720`),
  await measure('changes, first page', () => '/api/v1/changes'),
  await measure('changes of one component', () => '/api/v1/changes?component=rds'),
  await measure('one change with its detail', (i) => `/api/v1/changes/${1 + ((someChange + i) % CHANGES)}`),
  await measure('hosts, first page', () => '/api/v1/hosts'),
  await measure('hosts by last seen', () => '/api/v1/hosts?sort=last_seen'),
  await measure('one host’s activity', (i) => `/api/v1/hosts/${1 + (i % HOSTS)}/activity`),
];

// ------------------------------------------------------------------ a large plan

/** A `terraform show -json` plan of about `mb` MB: aws_instance changes of every kind. */
function largePlan(mb) {
  const kinds = [['create'], ['update'], ['delete'], ['delete', 'create'], ['no-op'], ['read']];
  const changes = [];
  let bytes = 0;
  for (let i = 0; bytes < mb * 1024 * 1024; i++) {
    const actions = kinds[i % kinds.length];
    const state = {
      id: `i-${i.toString(16).padStart(17, '0')}`,
      ami: 'ami-0abcdef1234567890',
      instance_type: 't3.micro',
      tags: { Name: `bench-${i}` },
    };
    const rc = {
      address: `module.fleet.aws_instance.node[${i}]`,
      module_address: 'module.fleet',
      mode: actions[0] === 'read' ? 'data' : 'managed',
      type: 'aws_instance',
      name: 'node',
      index: i,
      provider_name: 'registry.terraform.io/hashicorp/aws',
      change: {
        actions,
        before: actions[0] === 'create' ? null : state,
        after: actions[0] === 'delete' && actions.length === 1 ? null : { ...state, instance_type: 't3.small' },
        after_unknown: {},
        before_sensitive: {},
        after_sensitive: {},
      },
    };
    const text = JSON.stringify(rc);
    bytes += text.length + 1;
    changes.push(text);
  }
  return `{"format_version":"1.2","terraform_version":"1.11.4","planned_values":{"root_module":{}},"resource_changes":[${changes.join(',')}],"configuration":{}}`;
}
const plan = Buffer.from(largePlan(PLAN_MB));
const rssBefore = memory('VmRSS');
const ingestStarted = performance.now();
const t0 = postgresTicks();
const ingest = await fetch(`${base}/api/v1/ingest/terraform?environment=prod&component=fleet&commit_sha=${'b'.repeat(40)}`, {
  method: 'POST',
  headers: { ...who, 'content-type': 'application/json' },
  body: plan,
});
const ingested = await ingest.json();
const ingestMs = performance.now() - ingestStarted;
const ingestPgMs = (postgresTicks() - t0) * 10;
if (ingest.status !== 201) throw new Error(`ingest: ${ingest.status} ${JSON.stringify(ingested).slice(0, 500)}`);
const peak = memory('VmHWM');
log(
  `ingest of a ${(plan.length / 1048576).toFixed(1)} MB plan: ${ingestMs.toFixed(0)} ms, PG ${ingestPgMs} ms, RSS ${rssBefore.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB`,
);

// ------------------------------------------------------------------ a probe round

const roundStarted = performance.now();
const round = await (await fetch(`${base}/api/v1/probes/rounds`, { method: 'POST', headers: who })).json();
const roundMs = performance.now() - roundStarted;
log(`probe round: ${JSON.stringify(round)} in ${roundMs.toFixed(0)} ms`);

server.kill('SIGTERM');
target.close();
await withClient(large.url, (c) => c.query('TRUNCATE hosts, changes, action_hosts, action_changes CASCADE'));

console.log(
  `\ninventory at ${ROWS.toLocaleString('en')} actions, ${CHANGES.toLocaleString('en')} changes, ${HOSTS.toLocaleString('en')} hosts; ${REQUESTS} requests each on one connection\n`,
);
console.log('| case | items per answer | p50 ms | p99 ms | PostgreSQL CPU ms/req |');
console.log('|---|---:|---:|---:|---:|');
for (const r of results)
  console.log(`| ${r.name} | ${r.items.toFixed(1)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.pgMs.toFixed(2)} |`);
const counts = ingested.change?.counts;
console.log(
  `\ningest: a ${(plan.length / 1048576).toFixed(1)} MB plan (${counts ? `${counts.create} create, ${counts.update} update, ${counts.delete} delete, ${counts.replace} replace` : '?'}) answered in ${ingestMs.toFixed(0)} ms; PostgreSQL CPU ${ingestPgMs} ms; server RSS ${rssBefore.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB (limit: INGEST_MAX_BYTES ${50} MiB, MAX_CONCURRENT_INGESTS 2)`,
);
console.log(
  `probe round over ${round.probed} hosts (PROBE_CONCURRENCY 32, one loopback listener): ${roundMs.toFixed(0)} ms, ${round.healthy} healthy, ${round.transitions} transitions`,
);
process.exit(0);
