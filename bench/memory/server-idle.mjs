#!/usr/bin/env node
// RSS of the zero-setup server as built: `node dist/server.mjs` with embedded
// PGlite under DATA_DIR, nothing shimmed, nothing of the product changed. The
// PGlite settings measured are the ones lib/db/database.ts (openPglite) applies.
//
//   node bench/memory/server-idle.mjs                    build, seed 100k actions, measure (~2.5 min)
//   node bench/memory/server-idle.mjs --no-build --rows=20000 --idle=3 --max-idle-mb=280
//
// 1. `node scripts/build.mjs --start` (dist/server.mjs, dist/migrate.mjs, dist/chunks/,
//    dist/web; it does nothing when dist/ is current), unless --no-build.
// 2. Seeds a DATA_DIR with --rows actions, once: `node dist/migrate.mjs` on an empty
//    DATA_DIR (the product's own initdb and migrations), then a bulk insert (1,000
//    actions a statement, each with its `created` event; pglite-idle.mjs's data) in a
//    child process that opens the directory with the product's own openPglite,
//    bundled from lib/db/database.ts — so the start parameters are the product's,
//    not a copy of them.
// 3. Starts `node dist/server.mjs` (DATA_DIR=<tmp> PORT=<free> HOST=127.0.0.1
//    LOG_LEVEL=warn, the caller's environment otherwise) three times:
//      empty         an empty DATA_DIR: the first start (initdb in a child, migrations)
//      empty, again  the same DATA_DIR once more: the second start
//      seeded        a copy of the seeded DATA_DIR
//    and samples VmRSS / VmHWM of the server process from /proc/<pid>/status when
//    /health first answers 200, after --idle seconds idle, after the HTTP work (5
//    searches, 5 list pages following next_cursor, --creates creates), and after
//    --idle seconds idle again. "start → /health" is from the spawn to the first 200
//    (polled every 20 ms).
// 4. Prints one table (MiB, "RSS / VmHWM" per cell) and exits 1 when an idle sample of
//    any run is above --max-idle-mb (default 300): the target, not just figures.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { argOf, insertBulk, prng } from './pglite-idle.mjs';

const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SELF), '../..');
const MiB = 2 ** 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ build and seed

function build() {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['scripts/build.mjs', '--start'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`node scripts/build.mjs --start failed (exit ${r.status})`);
  return (performance.now() - t) / 1000;
}

/** lib/db/database.ts bundled (openPglite as the product has it), under node_modules/ so that its external @electric-sql/pglite resolves. */
async function bundleDatabase(dir) {
  const { build: esbuild } = await import('esbuild');
  const { common } = await import(pathToFileURL(join(ROOT, 'scripts/esbuild-options.mjs')).href);
  const out = join(dir, 'database.mjs');
  await esbuild({ ...common, sourcemap: false, absWorkingDir: ROOT, entryPoints: [join(ROOT, 'lib/db/database.ts')], outfile: out });
  return out;
}

function run(args, env) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

async function seed(dataDir, rows, bundle) {
  const t = performance.now();
  const migrated = run([join(ROOT, 'dist/migrate.mjs')], { DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const migrateS = (performance.now() - t) / 1000;
  const out = run([SELF, '--seed-child', dataDir, String(rows), bundle]);
  return { migrated, migrateS, insertS: (performance.now() - t) / 1000 - migrateS, count: Number(out.split('\n').pop()) };
}

/** In a child: the bulk insert, through the product's openPglite on an already migrated DATA_DIR. */
async function seedChild(dataDir, rows, bundle) {
  const { openPglite } = await import(pathToFileURL(bundle).href);
  const db = await openPglite(resolve(dataDir, 'pglite')); // as openDatabase does
  await insertBulk(db, 0, rows, prng(42));
  const { rows: counted } = await db.query('SELECT count(*)::int AS n FROM actions');
  await db.close();
  console.log(counted[0].n);
}

// ------------------------------------------------------------------ a server

const freePort = () =>
  new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });

function sample(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))[1]) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

async function startServer(dataDir) {
  const port = await freePort();
  const t = performance.now();
  // The node flags `npm start` and the container use (the Dockerfile's CMD).
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const flags = cmd ? JSON.parse(cmd[1]).slice(1, -1) : [];
  const child = spawn(process.execPath, [...flags, join(ROOT, 'dist/server.mjs')], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${stderr}`);
    try {
      const r = await fetch(`${base}/health`);
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      // Not listening yet: try again.
    }
    if (performance.now() - t > 120_000) throw new Error(`no /health 200 within 120 s: ${stderr}`);
    await sleep(20);
  }
  return { child, base, readyS: (performance.now() - t) / 1000, stderr: () => stderr };
}

async function stopServer(server) {
  server.child.kill('SIGTERM');
  await new Promise((r) => (server.child.exitCode !== null ? r() : server.child.once('exit', r)));
  running.delete(server.child);
}

const HEADERS = { 'content-type': 'application/json', 'x-user': 'bench', 'x-role': 'member' };
async function getJson(url) {
  const r = await fetch(url, { headers: HEADERS });
  if (!r.ok) throw new Error(`GET ${url}: ${r.status} ${await r.text()}`);
  return r.json();
}

async function httpWork(base, creates) {
  const t = performance.now();
  let found = 0;
  for (const q of ['orthanc', 'incident', '"certificate rotation"', 'kafka -staging', 'latency replica'])
    found += (await getJson(`${base}/api/v1/actions?q=${encodeURIComponent(q)}`)).items.length;
  let cursor = null;
  for (let i = 0; i < 5; i++) {
    const page = await getJson(`${base}/api/v1/actions?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  const rand = prng(7);
  for (let i = 0; i < creates; i++) {
    const body = {
      title: `bench action ${i} ${Math.floor(rand() * 1e6)}`,
      description: 'Rotate the kafka broker certificate before expiry; incident follow-up.',
      priority: 'high',
      tags: ['toil'],
    };
    const r = await fetch(`${base}/api/v1/actions`, { method: 'POST', headers: HEADERS, body: JSON.stringify(body) });
    if (r.status !== 201) throw new Error(`create: ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  }
  return { s: (performance.now() - t) / 1000, found };
}

async function measure(label, dataDir, cfg) {
  process.stderr.write(`${label} …`);
  const server = await startServer(dataDir);
  const pid = server.child.pid;
  const ready = sample(pid);
  await sleep(cfg.idle * 1000);
  const idle1 = sample(pid);
  const work = await httpWork(server.base, cfg.creates);
  const after = sample(pid);
  await sleep(cfg.idle * 1000);
  const idle2 = sample(pid);
  await stopServer(server);
  process.stderr.write(` searches matched ${work.found}\n`);
  const warnings = server
    .stderr()
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('listening on '))
    .join('\n');
  if (warnings) process.stderr.write(`${label}: server stderr:\n${warnings}\n`);
  return { label, readyS: server.readyS, ready, idle1, after, idle2, work };
}

// ------------------------------------------------------------------ main

async function main(argv) {
  const arg = (name, dflt) => argOf(argv, name, dflt);
  const cfg = {
    rows: Number(arg('rows', 100_000)),
    idle: Number(arg('idle', 5)),
    creates: Number(arg('creates', 500)),
    maxIdleMb: Number(arg('max-idle-mb', 300)),
  };
  const keep = argv.includes('--keep');
  const t0 = performance.now();
  const buildS = argv.includes('--no-build') ? undefined : build();
  for (const f of ['dist/server.mjs', 'dist/migrate.mjs', 'dist/web'])
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: build first (node scripts/build.mjs --start)`);

  const work = mkdtempSync(join(tmpdir(), 'server-idle-'));
  const cache = join(ROOT, 'node_modules/.cache', `iat-bench-memory-${process.pid}`);
  const results = [];
  let seeded;
  try {
    mkdirSync(cache, { recursive: true });
    const bundle = await bundleDatabase(cache);
    process.stderr.write(`seeding ${cfg.rows} actions …\n`);
    const seedDir = join(work, 'seeded');
    seeded = await seed(seedDir, cfg.rows, bundle);
    process.stderr.write(
      `  ${seeded.migrated} (${seeded.migrateS.toFixed(1)} s); ${seeded.count} actions inserted in ${seeded.insertS.toFixed(1)} s\n`,
    );

    const empty = join(work, 'empty');
    mkdirSync(empty);
    results.push(await measure('empty DATA_DIR, first start', empty, cfg));
    results.push(await measure('same DATA_DIR, second start', empty, cfg));
    const copy = join(work, 'seeded-run');
    cpSync(seedDir, copy, { recursive: true });
    results.push(await measure(`${cfg.rows / 1000}k actions`, copy, cfg));
  } finally {
    rmSync(cache, { recursive: true, force: true });
    if (keep) process.stderr.write(`kept ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }

  const mb = (x) => String(Math.round(x / MiB));
  const cell = (s) => `${mb(s.rss)} / ${mb(s.hwm)}`;
  const headers = [
    'run',
    'start → /health s',
    'at /health',
    `idle ${cfg.idle}s`,
    'after HTTP work',
    `idle ${cfg.idle}s again`,
    'HTTP work s',
  ];
  const rows = results.map((r) => [
    r.label,
    r.readyS.toFixed(2),
    cell(r.ready),
    cell(r.idle1),
    cell(r.after),
    cell(r.idle2),
    r.work.s.toFixed(1),
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(
    `node dist/server.mjs, embedded PGlite; MiB, VmRSS / VmHWM; HTTP work = 5 searches, 5 list pages, ${cfg.creates} creates; Node ${process.version}`,
  );
  console.log([line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
  const idleMax = Math.max(...results.flatMap((r) => [r.idle1.rss, r.idle2.rss]));
  const pass = idleMax <= cfg.maxIdleMb * MiB;
  console.log(
    `build ${buildS === undefined ? 'skipped' : `${buildS.toFixed(1)} s`}; seed: migrate ${seeded.migrateS.toFixed(1)} s, ${seeded.count} actions ${seeded.insertS.toFixed(1)} s; whole run ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  console.log(`idle RSS ≤ ${cfg.maxIdleMb} MB: ${pass ? 'PASS' : 'MISS'} (highest idle sample ${mb(idleMax)} MB)`);
  return pass ? 0 : 1;
}

const argv = process.argv.slice(2);
if (argv[0] === '--seed-child') await seedChild(argv[1], Number(argv[2]), argv[3]);
else process.exitCode = await main(argv);
