// npm run bench:facets — what the page's counts (GET /api/v1/actions/facets) and
// its live feed (GET /api/v1/events) cost at 1M actions, on PostgreSQL.
//
// The database is bench:limit's large one (iat_bench_product_1m, seeded by
// bench/limit/seed-product.mjs, reused while its migrations match the build's).
// The product runs as built (dist/server.mjs). Each case is asked REQUESTS times
// in a row on one connection after WARMUP requests; printed per case: latency
// p50/p99 and PostgreSQL CPU per request (the CPU time of every `postgres`
// process over the run, from /proc, divided by the requests).
//
//   npm run bench:facets [-- --rows 1000000 --requests 200 --reseed]
//   BENCH_DATABASE_URL   the server to use (default postgres://postgres@127.0.0.1:5432/postgres)
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { migrationsOf, prepareLargeDatabase, SEARCH_WORD, withClient, withDatabase } from '../limit/seed-product.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const ROWS = Number(arg('rows', 1_000_000));
const REQUESTS = Number(arg('requests', 200));
const WARMUP = 20;
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (line) => process.stderr.write(`# ${line}\n`);

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });

// The migrations the build applies, read off an empty database it migrated.
const probe = 'iat_bench_facets_probe';
await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${probe}`).then(() => c.query(`CREATE DATABASE ${probe}`)));
const migrate = (url) =>
  execFileSync(process.execPath, ['dist/migrate.mjs'], { env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' } });
migrate(withDatabase(adminUrl, probe));
const expected = await migrationsOf(withDatabase(adminUrl, probe));
await withClient(adminUrl, (c) => c.query(`DROP DATABASE ${probe}`));

const large = await prepareLargeDatabase({
  adminUrl,
  database: 'iat_bench_product_1m',
  rows: ROWS,
  expected,
  reseed: process.argv.includes('--reseed'),
  migrate,
  log,
});
await withClient(large.url, (c) => c.query('ANALYZE actions'));

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const server = spawn(process.execPath, ['dist/server.mjs'], {
  env: {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    DATABASE_URL: large.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ALLOW_UNVERIFIED_HEADERS: 'true',
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

async function measure(name, path) {
  let body;
  for (let i = 0; i < WARMUP; i++) body = await (await fetch(base + path, { headers: who })).json();
  if (body.status === undefined) throw new Error(`${path}: ${JSON.stringify(body)}`);
  const times = [];
  const t0 = postgresTicks();
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const res = await fetch(base + path, { headers: who });
    await res.arrayBuffer();
    times.push(performance.now() - started);
  }
  const pgMs = ((postgresTicks() - t0) * 10) / REQUESTS;
  times.sort((a, b) => a - b);
  return { name, path, total: body.total, approximate: body.approximate, p50: pct(times, 50), p99: pct(times, 99), pgMs };
}

const cases = [
  ['default view (active)', '/api/v1/actions/facets'],
  ['all, closed included', '/api/v1/actions/facets?include_closed=true'],
  ['one status', '/api/v1/actions/facets?status=blocked'],
  [`selective search (${SEARCH_WORD})`, `/api/v1/actions/facets?q=${SEARCH_WORD}`],
  ['common word search (rotate)', '/api/v1/actions/facets?q=rotate'],
  ['one owner ("Mine")', '/api/v1/actions/facets?owner=user150'],
  ['one component', '/api/v1/actions/facets?component=rds'],
  ['one tag + priority', '/api/v1/actions/facets?tag=pci&priority=critical'],
  ['list page (for scale)', '/api/v1/actions'],
];
const results = [];
for (const [name, path] of cases) {
  const r = await measure(name, path).catch(async (e) => {
    if (!name.startsWith('list')) throw e;
    // The list answers items, not counts: measured the same way.
    const times = [];
    const t0 = postgresTicks();
    for (let i = 0; i < REQUESTS; i++) {
      const s = performance.now();
      await (await fetch(base + path, { headers: who })).arrayBuffer();
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    return {
      name,
      path,
      total: '',
      approximate: '',
      p50: pct(times, 50),
      p99: pct(times, 99),
      pgMs: ((postgresTicks() - t0) * 10) / REQUESTS,
    };
  });
  results.push(r);
  log(`${name}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, PG ${r.pgMs.toFixed(2)} ms/req`);
}

// What a page open costs the writes: creates, 16 in flight, with no stream and with one open
// (writes send NOTIFY only while a process listens, and NOTIFY serialises their commits).
async function createBurst(label) {
  const total = 2000;
  let next = 0;
  const t0 = postgresTicks();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        next++;
        const res = await fetch(`${base}/api/v1/actions`, {
          method: 'POST',
          headers: { ...who, 'content-type': 'application/json' },
          body: JSON.stringify({ title: `bench burst ${label}`, tags: ['bench-live'] }),
        });
        await res.arrayBuffer();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { label, rps: total / seconds, pgMs: ((postgresTicks() - t0) * 10) / total };
}
const bursts = [await createBurst('no page open')];

// The live feed: a create on this server to its arrival on an open stream.
const stream = await fetch(`${base}/api/v1/events`, { headers: who });
const reader = stream.body.pipeThrough(new TextDecoderStream()).getReader();
let buffer = '';
const arrivals = new Map();
void (async () => {
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (const m of buffer.matchAll(/"kind":"created","actor":"user150",[^{]*"action":\{"id":(\d+)/g))
      arrivals.set(Number(m[1]), performance.now());
    buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
  }
})();
await new Promise((r) => setTimeout(r, 500));
bursts.push(await createBurst('a page open'));
const lags = [];
for (let i = 0; i < 100; i++) {
  const sent = performance.now();
  const res = await fetch(`${base}/api/v1/actions`, {
    method: 'POST',
    headers: { ...who, 'content-type': 'application/json' },
    body: JSON.stringify({ title: `bench live ${i}`, tags: ['bench-live'] }),
  });
  const { id } = await res.json();
  for (let w = 0; !arrivals.has(id) && w < 2000; w++) await new Promise((r) => setTimeout(r, 1));
  if (!arrivals.has(id)) throw new Error(`action ${id} never arrived on the stream`);
  lags.push(arrivals.get(id) - sent);
}
lags.sort((a, b) => a - b);
await reader.cancel();
await withClient(large.url, (c) => c.query(`DELETE FROM actions WHERE tags @> ARRAY['bench-live']`));
server.kill('SIGTERM');

console.log(
  `\nfacets at ${ROWS.toLocaleString('en')} actions (${large.reused ? 'reused' : 'seeded'} ${large.database}), ${REQUESTS} requests each on one connection\n`,
);
console.log('| case | total | approximate | p50 ms | p99 ms | PostgreSQL CPU ms/req |');
console.log('|---|---:|:---:|---:|---:|---:|');
for (const r of results)
  console.log(
    `| ${r.name} | ${r.total} | ${r.approximate === '' ? '' : r.approximate ? 'yes' : 'no'} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.pgMs.toFixed(2)} |`,
  );
console.log('\n| creates, 16 in flight, 2000 each | req/s | PostgreSQL CPU ms/req |\n|---|---:|---:|');
for (const b of bursts) console.log(`| ${b.label} | ${b.rps.toFixed(0)} | ${b.pgMs.toFixed(3)} |`);
console.log(
  `\nlive feed: create answered → event read on an open stream, 100 creates: p50 ${pct(lags, 50).toFixed(1)} ms, p99 ${pct(lags, 99).toFixed(1)} ms (goal: within 1 s)`,
);
