// Entry of `npm run bench:evidence`: one large evidence file (1 GiB by
// default) uploaded to and downloaded from the real server, once per storage
// driver (local disk, and S3 against an s3rver on loopback), against a `cp`
// of the same file on the same disk. Prints throughput, the SHA-256 check of
// what came back, and the server's peak RSS; writes the figures to
// bench/results/evidence-<timestamp>.json (not in git). See bench/README.md.
//
// Plain JavaScript on purpose: the only thing built is the server itself,
// with scripts/build.mjs's esbuild options, into
// node_modules/.cache/iat-bench-evidence (dist/ may be rebuilt or deleted by
// others during the run).
import { build } from 'esbuild';
import { common } from '../../scripts/esbuild-options.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomFillSync, randomUUID } from 'node:crypto';
import { closeSync, createReadStream, existsSync, openSync, readFileSync, rmSync, statSync, writeSync, renameSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
process.chdir(ROOT);

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const MAX_EVIDENCE_BYTES = 5 * GiB; // the upper bound of EVIDENCE_MAX_BYTES in lib/config.ts
const RSS_TARGET_MIB = 150;
const CP_RATIO_TARGET = 2;
const SAMPLE_MS = 50;
/** The client reads the file in 1 MiB chunks: with fs's default 64 KiB, each read's thread-pool round trip made the client itself the bottleneck here (~260 MiB/s). */
const CLIENT_READ_BYTES = MiB;
const IDENTITY = { 'x-user': 'bench', 'x-role': 'admin' };
const BUCKET = 'iat-bench-evidence';
const S3_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

const USAGE = `npm run bench:evidence -- [flags]

  --size-mib=1024          size of the test file in MiB (default 1024 = 1 GiB)
  --drivers=local,s3       storage drivers to measure (default both)
  --no-multipart           skip the multipart/form-data upload
  --database-url=URL       use PostgreSQL instead of embedded PGlite: a scratch
                           database iat_bench_evidence is created on that server
                           (needs CREATE DATABASE) and dropped afterwards
  --server-node-args="…"   extra node arguments for the server
  --results=PATH           JSON output (default bench/results/evidence-<timestamp>.json)
  --contention-budget=120  seconds in all to wait for other work on the machine to
                           stop before a measurement (measurements taken anyway
                           while others use > 0.2 cores are flagged "contended")
  --keep-file              (default) the test file stays in ${join(tmpdir(), 'iat-bench-evidence')} for the next run
  --remove-file            delete the test file at the end
`;

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const options = {
    sizeMiB: 1024,
    drivers: ['local', 's3'],
    multipart: true,
    databaseUrl: undefined,
    serverNodeArgs: [],
    results: undefined,
    removeFile: false,
    contentionBudget: 120,
  };
  for (const arg of argv) {
    const [flag, ...rest] = arg.split('=');
    const value = rest.join('=');
    switch (flag) {
      case '--size-mib':
        options.sizeMiB = Number(value);
        if (!Number.isInteger(options.sizeMiB) || options.sizeMiB < 1) usage(`--size-mib must be a positive integer, not ${value}`);
        if (options.sizeMiB * MiB >= MAX_EVIDENCE_BYTES)
          usage(`--size-mib must stay below ${MAX_EVIDENCE_BYTES / MiB} (EVIDENCE_MAX_BYTES allows at most 5 GiB)`);
        break;
      case '--drivers':
        options.drivers = value.split(',').filter(Boolean);
        for (const d of options.drivers) if (d !== 'local' && d !== 's3') usage(`unknown driver ${d}`);
        if (!options.drivers.length) usage('--drivers needs local and/or s3');
        break;
      case '--no-multipart':
        options.multipart = false;
        break;
      case '--database-url':
        if (!/^postgres(ql)?:\/\//.test(value)) usage('--database-url must be a postgres:// URL');
        options.databaseUrl = value;
        break;
      case '--server-node-args':
        options.serverNodeArgs = value.split(/\s+/).filter(Boolean);
        break;
      case '--results':
        options.results = value;
        break;
      case '--contention-budget':
        options.contentionBudget = Number(value);
        if (!(options.contentionBudget >= 0)) usage('--contention-budget must be a number of seconds');
        break;
      case '--keep-file':
        options.removeFile = false;
        break;
      case '--remove-file':
        options.removeFile = true;
        break;
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      default:
        usage(`unknown flag ${arg}`);
    }
  }
  return options;
}

function usage(message) {
  process.stderr.write(`bench:evidence: ${message}\n\n${USAGE}`);
  process.exit(2);
}

// ---------------------------------------------------------------- clean-up of everything we start

const children = new Set();
const scratchDirs = new Set();
function cleanUpSync() {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  scratchDirs.clear();
}
process.on('exit', cleanUpSync);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    process.stderr.write(`\nbench:evidence: ${signal}, stopping\n`);
    cleanUpSync();
    process.exit(130);
  });
}

// ---------------------------------------------------------------- helpers

const mib = (bytes) => bytes / MiB;
const rate = (bytes, seconds) => mib(bytes) / seconds;
/** A figure, with * when other processes took > 0.2 cores while it was measured. */
const cell = (phase, key = 'mib_per_s') => (phase ? `${fmt(phase[key])}${phase.cpu?.contended ? '*' : ''}` : '–');
const fmt = (n, digits = 1) => (n === undefined || n === null || Number.isNaN(n) ? '–' : n.toFixed(digits));
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** The kB fields of /proc/<pid>/status we care about, in MiB. */
function procStatus(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
      return m ? Number(m[1]) / 1024 : undefined;
    };
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return { rss: undefined, hwm: undefined };
  }
}

/** CPU seconds (user + system, and system alone) a process has used so far, all its threads. */
function cpuSeconds(pid) {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const user = Number(fields[11]) / CLK_TCK; // utime, stime: fields 14 and 15 of stat(5)
    const sys = Number(fields[12]) / CLK_TCK;
    return { total: user + sys, sys };
  } catch {
    return undefined;
  }
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

async function run(command, args) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${code}): ${stderr.trim()}`);
}

async function timed(command, args) {
  const started = performance.now();
  await run(command, args);
  return (performance.now() - started) / 1000;
}

// ---------------------------------------------------------------- other work on the machine
// On a shared two-core machine a test suite beside the benchmark halves its
// figures without a trace in them (bench/limit does the same): wait for an idle
// CPU before each measurement, and count what other processes took during it.

const CORES = cpus().length;
const MIN_IDLE = 0.85;
const MAX_FOREIGN_CORES = 0.2;

function systemTicks() {
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

async function idleFraction(ms = 250) {
  const before = systemTicks();
  await new Promise((r) => setTimeout(r, ms));
  const after = systemTicks();
  const total = after.total - before.total;
  return total > 0 ? 1 - (after.busy - before.busy) / total : 1;
}

/** Waits (within what is left of the run's budget) until the CPU is mostly idle. */
async function waitForQuiet(budget) {
  const started = Date.now();
  let idle = await idleFraction();
  if (idle < MIN_IDLE && budget.remainingS > 0)
    process.stdout.write(`  waiting for other work on this machine (${Math.round((1 - idle) * 100)}% CPU busy)…\n`);
  while (idle < MIN_IDLE && budget.remainingS - (Date.now() - started) / 1000 > 0) {
    await new Promise((r) => setTimeout(r, 1_000));
    idle = await idleFraction();
  }
  budget.remainingS -= (Date.now() - started) / 1000;
  if (idle < MIN_IDLE) process.stdout.write(`  measuring anyway: ${Math.round((1 - idle) * 100)}% CPU busy with other work\n`);
}

// ---------------------------------------------------------------- RSS sampler (a worker, so a busy event loop here cannot skip samples)

const SAMPLER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const path = '/proc/' + workerData.pid + '/status';
const started = Date.now();
const series = [];
const phases = {};
let phase = 'start';
let timer;
const tick = () => {
  let kb;
  try {
    const m = /^VmRSS:\\s+(\\d+) kB/m.exec(readFileSync(path, 'utf8'));
    kb = m ? Number(m[1]) : undefined;
  } catch {}
  if (kb !== undefined) {
    series.push([Date.now() - started, kb]);
    const p = (phases[phase] ??= { maxKb: 0, samples: 0 });
    p.samples++;
    if (kb > p.maxKb) p.maxKb = kb;
  }
  timer = setTimeout(tick, workerData.intervalMs);
};
parentPort.on('message', (message) => {
  if (message.phase) phase = message.phase;
  if (message.stop) {
    clearTimeout(timer);
    tick();
    clearTimeout(timer);
    parentPort.postMessage({ series, phases });
    parentPort.close();
  }
});
tick();
`;

function startSampler(pid) {
  const worker = new Worker(SAMPLER_SOURCE, { eval: true, workerData: { pid, intervalMs: SAMPLE_MS } });
  return {
    phase(name) {
      worker.postMessage({ phase: name });
    },
    async stop() {
      const answer = once(worker, 'message');
      worker.postMessage({ stop: true });
      const [{ series, phases }] = await answer;
      await worker.terminate();
      const perPhase = Object.fromEntries(
        Object.entries(phases).map(([name, p]) => [name, { peak_rss_mib: p.maxKb / 1024, samples: p.samples }]),
      );
      const peak = Math.max(0, ...series.map(([, kb]) => kb)) / 1024;
      return { peak_rss_mib: peak, samples: series.length, phases: perPhase, series_kb: series };
    },
  };
}

// ---------------------------------------------------------------- the test file

async function prepareFile(sizeMiB) {
  const dir = join(tmpdir(), 'iat-bench-evidence');
  await mkdir(dir, { recursive: true });
  const path = join(dir, sizeMiB === 1024 ? '1g.bin' : `${sizeMiB}m.bin`);
  const size = sizeMiB * MiB;
  if (existsSync(path) && statSync(path).size === size) return { path, size, dir, generated: false };
  process.stdout.write(`generating ${path} (${sizeMiB} MiB of random bytes)… `);
  const started = performance.now();
  const partial = `${path}.${process.pid}.part`;
  const fd = openSync(partial, 'w');
  try {
    const chunk = Buffer.allocUnsafe(MiB);
    for (let i = 0; i < sizeMiB; i++) {
      randomFillSync(chunk);
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(partial, path);
  process.stdout.write(`${fmt((performance.now() - started) / 1000)} s\n`);
  return { path, size, dir, generated: true };
}

/**
 * SHA-256 of the test file, read as a stream before any measurement (so the
 * client does not hash while it uploads); kept beside the file, keyed by its
 * size and mtime, for the next run.
 */
async function fileSha256(file) {
  const { size, mtimeMs } = statSync(file.path);
  const sidecar = `${file.path}.sha256`;
  const stamp = `${size} ${mtimeMs}`;
  if (existsSync(sidecar)) {
    const [seen, hex] = readFileSync(sidecar, 'utf8').trim().split('\t');
    if (seen === stamp && /^[0-9a-f]{64}$/.test(hex ?? '')) return hex;
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file.path, { highWaterMark: CLIENT_READ_BYTES })) hash.update(chunk);
  const hex = hash.digest('hex');
  await writeFile(sidecar, `${stamp}\t${hex}\n`);
  return hex;
}

// ---------------------------------------------------------------- the server build

async function buildServer() {
  const outdir = 'node_modules/.cache/iat-bench-evidence';
  await rm(outdir, { recursive: true, force: true });
  // The options of scripts/build.mjs, for the server entry point only.
  await build({
    ...common,
    entryPoints: { server: 'bin/server.ts' },
    outdir: join(outdir, 'app'),
    outExtension: { '.js': '.mjs' },
  });
  await cp('web', join(outdir, 'app', 'web'), { recursive: true });
  return resolve(outdir, 'app', 'server.mjs');
}

// ---------------------------------------------------------------- s3rver and the server as children

async function startS3rver(directory) {
  const child = spawn(process.execPath, [join(ROOT, 'bench/evidence/s3rver.mjs'), directory, BUCKET], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise((r) => child.once('exit', (code) => r(code)));
  void exited.then(() => children.delete(child));
  const port = await new Promise((resolvePort, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolvePort(JSON.parse(line).port);
    });
    void exited.then((code) => reject(new Error(`s3rver exited (${code}): ${stderr.trim()}`)));
    setTimeout(() => reject(new Error('s3rver did not start within 15 s')), 15_000).unref();
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function startServer(entry, env, nodeArgs) {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    // A clean environment: nothing of the caller's (DATABASE_URL, AWS_*, EVIDENCE_*) leaks in.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  void exited.then(() => children.delete(child));
  let stopping = false;
  void exited.then((code) => {
    if (!stopping) process.stderr.write(`\nserver exited unexpectedly (${code})\n${output.trim()}\n`);
  });

  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  let gone;
  void exited.then((code) => (gone = code));
  for (;;) {
    if (gone !== undefined) throw new Error(`server exited (${gone}) before it was healthy\n${output.trim()}`);
    if (performance.now() - started > 60_000) {
      child.kill('SIGKILL');
      throw new Error(`server not healthy within 60 s\n${output.trim()}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid,
    startSeconds: (performance.now() - started) / 1000,
    output: () => output,
    async stop() {
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- HTTP: JSON, streamed upload, streamed download

function jsonRequest(url, method, body) {
  return new Promise((resolveAnswer, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = request(
      url,
      { method, agent: false, headers: { ...IDENTITY, 'content-type': 'application/json', 'content-length': payload.length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolveAnswer({ status: res.statusCode, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * POSTs `head`, the file, `tail` as one body of a known length; the file is
 * read as a stream, never held in memory.
 */
function streamUpload(url, headers, { head, file, tail }) {
  return new Promise((resolveUpload, reject) => {
    const length = (head?.length ?? 0) + statSync(file).size + (tail?.length ?? 0);
    const started = performance.now();
    let answered = false;
    let source;
    const req = request(url, { method: 'POST', agent: false, headers: { ...IDENTITY, ...headers, 'content-length': length } }, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        const seconds = (performance.now() - started) / 1000;
        source?.destroy();
        resolveUpload({ status: res.statusCode, body: text, seconds, bytes: length });
      });
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    (async () => {
      if (head) req.write(head);
      source = createReadStream(file, { highWaterMark: CLIENT_READ_BYTES });
      for await (const chunk of source) {
        if (answered) return; // an early answer (413, 4xx): stop sending
        if (!req.write(chunk)) await once(req, 'drain');
      }
      req.end(tail);
    })().catch((error) => {
      if (!answered) req.destroy(error);
    });
  });
}

function streamDownload(url) {
  return new Promise((resolveDownload, reject) => {
    const started = performance.now();
    const hash = createHash('sha256');
    let bytes = 0;
    let firstByte;
    const req = request(url, { method: 'GET', agent: false, headers: IDENTITY }, (res) => {
      if (res.statusCode !== 200) {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          resolveDownload({ status: res.statusCode, body: text, bytes: 0, seconds: (performance.now() - started) / 1000 }),
        );
        return;
      }
      res.on('data', (chunk) => {
        firstByte ??= performance.now();
        bytes += chunk.length;
        hash.update(chunk);
      });
      res.on('end', () =>
        resolveDownload({
          status: res.statusCode,
          bytes,
          sha256: hash.digest('hex'),
          declaredLength: Number(res.headers['content-length']),
          seconds: (performance.now() - started) / 1000,
          firstByteSeconds: firstByte === undefined ? undefined : (firstByte - started) / 1000,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

// ---------------------------------------------------------------- PostgreSQL scratch database (only with --database-url)

async function scratchDatabase(adminUrl) {
  const { default: pg } = await import('pg');
  const name = 'iat_bench_evidence';
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

// ---------------------------------------------------------------- one driver

async function measureDriver(driver, ctx) {
  const { options, file, serverEntry, sourceSha } = ctx;
  const work = await mkdtemp(join(file.dir, `run-${driver}-`));
  scratchDirs.add(work);
  const dataDir = join(work, 'data');
  await mkdir(dataDir);
  const result = { driver, phases: {}, checks: {} };
  let s3;
  let db;
  let server;
  let sampler;
  const cpuOf = () => ({ server: cpuSeconds(server?.pid), s3rver: cpuSeconds(s3?.pid), client: process.cpuUsage() });
  const phase = async (name, fn) => {
    await waitForQuiet(ctx.budget);
    sampler.phase(name);
    const before = cpuOf();
    const system0 = systemTicks();
    const outcome = await fn();
    const system1 = systemTicks();
    const after = cpuOf();
    const ours =
      after.server.total -
      before.server.total +
      (s3 ? after.s3rver.total - before.s3rver.total : 0) +
      (after.client.user - before.client.user + after.client.system - before.client.system) / 1e6;
    const elapsed = system1.total - system0.total;
    const foreignCores = elapsed > 0 ? Math.max(0, (system1.busy - system0.busy) / CLK_TCK - ours) / (elapsed / CLK_TCK / CORES) : 0;
    const cpu = {
      other_processes_cores: foreignCores,
      contended: foreignCores > MAX_FOREIGN_CORES,
      server_s: after.server.total - before.server.total,
      server_sys_s: after.server.sys - before.server.sys,
      client_s: (after.client.user - before.client.user + after.client.system - before.client.system) / 1e6,
      ...(s3 ? { s3rver_s: after.s3rver.total - before.s3rver.total } : {}),
    };
    return { ...outcome, cpu };
  };

  try {
    const env = {
      DATA_DIR: dataDir,
      EVIDENCE_MAX_BYTES: String(Math.min(MAX_EVIDENCE_BYTES, Math.max(2 * GiB, file.size + MiB))),
    };
    if (options.databaseUrl) {
      db = await scratchDatabase(options.databaseUrl);
      env.DATABASE_URL = db.url;
    }
    if (driver === 's3') {
      const directory = join(work, 's3rver');
      await mkdir(directory);
      s3 = await startS3rver(directory);
      Object.assign(env, { EVIDENCE_BUCKET: BUCKET, AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_REGION: 'us-east-1', ...S3_CREDENTIALS });
    }
    server = await startServer(serverEntry, env, options.serverNodeArgs);
    sampler = startSampler(server.pid);
    result.server_start_s = server.startSeconds;

    const created = await jsonRequest(`${server.url}/api/v1/actions`, 'POST', { title: `evidence benchmark ${new Date().toISOString()}` });
    if (created.status !== 201) throw new Error(`creating the action answered ${created.status}: ${created.body}`);
    const actionId = JSON.parse(created.body).id;
    await new Promise((r) => setTimeout(r, 300));
    const idle = procStatus(server.pid);
    result.idle_rss_mib = idle.rss;
    result.startup_hwm_mib = idle.hwm;
    process.stdout.write(
      `  server up in ${fmt(server.startSeconds)} s, idle RSS ${fmt(idle.rss)} MiB (VmHWM so far ${fmt(idle.hwm)} MiB)\n`,
    );

    const filename = file.path.split('/').pop();
    const uploadUrl = (q) => `${server.url}/api/v1/actions/${actionId}/evidence${q}`;

    // Raw body.
    const raw = await phase('upload_raw', () =>
      streamUpload(
        uploadUrl(`?filename=${encodeURIComponent(filename)}`),
        { 'content-type': 'application/octet-stream' },
        { file: file.path },
      ),
    );
    const rawItem = raw.status === 201 ? JSON.parse(raw.body).items[0] : undefined;
    result.phases.upload_raw = phaseFigures(raw);
    result.checks.upload_raw = rawItem !== undefined && rawItem.size_bytes === file.size && rawItem.sha256 === sourceSha.hex;
    process.stdout.write(
      `  upload raw        ${line(raw)}  server sha256 ${rawItem ? (rawItem.sha256 === sourceSha.hex ? 'matches' : 'DIFFERS') : `– (${raw.status} ${raw.body.slice(0, 200)})`}\n`,
    );

    // multipart/form-data, one part.
    if (options.multipart) {
      const boundary = `----iat-bench-${randomUUID()}`;
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      );
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const multi = await phase('upload_multipart', () =>
        streamUpload(uploadUrl(''), { 'content-type': `multipart/form-data; boundary=${boundary}` }, { head, file: file.path, tail }),
      );
      const item = multi.status === 201 ? JSON.parse(multi.body).items[0] : undefined;
      result.phases.upload_multipart = { ...phaseFigures(multi), file_bytes: file.size, mib_per_s_file: rate(file.size, multi.seconds) };
      result.checks.upload_multipart = item !== undefined && item.size_bytes === file.size && item.sha256 === sourceSha.hex;
      process.stdout.write(
        `  upload multipart  ${line(multi)}  server sha256 ${item ? (item.sha256 === sourceSha.hex ? 'matches' : 'DIFFERS') : `– (${multi.status} ${multi.body.slice(0, 200)})`}\n`,
      );
    }

    // Download of the raw upload, hashed as it streams (nothing written to disk).
    if (rawItem) {
      const down = await phase('download', () => streamDownload(`${server.url}/api/v1/evidence/${rawItem.id}/content`));
      result.phases.download = { ...phaseFigures(down), first_byte_s: down.firstByteSeconds, sha256: down.sha256 };
      result.checks.download = down.status === 200 && down.bytes === file.size && down.sha256 === sourceSha.hex;
      process.stdout.write(
        `  download          ${line(down)}  sha256 ${down.sha256 === sourceSha.hex ? 'equal to the uploaded bytes' : `DIFFERS (${down.sha256 ?? down.status})`}\n`,
      );
    } else {
      result.checks.download = false;
    }

    sampler.phase('end');
    await new Promise((r) => setTimeout(r, 2 * SAMPLE_MS));
    const final = procStatus(server.pid);
    result.final_rss_mib = final.rss;
    result.vm_hwm_mib = final.hwm;
    const sampled = await sampler.stop();
    sampler = undefined;
    result.sampled_peak_rss_mib = sampled.peak_rss_mib;
    result.rss_samples = sampled.samples;
    for (const [name, p] of Object.entries(sampled.phases)) if (result.phases[name]) result.phases[name].peak_rss_mib = p.peak_rss_mib;
    result.rss_series_kb = sampled.series_kb;
    const transferPeak = Math.max(...['upload_raw', 'upload_multipart', 'download'].map((p) => result.phases[p]?.peak_rss_mib ?? 0));
    result.transfer_rss_above_idle_mib = transferPeak - result.idle_rss_mib;
    process.stdout.write(
      `  server RSS: peak sampled ${fmt(sampled.peak_rss_mib)} MiB (${sampled.samples} samples every ${SAMPLE_MS} ms), VmHWM ${fmt(final.hwm)} MiB, now ${fmt(final.rss)} MiB\n`,
    );
    return result;
  } finally {
    if (sampler) await sampler.stop().catch(() => undefined);
    if (server) await server.stop();
    if (s3) await s3.stop();
    if (db) await db.drop().catch((e) => process.stderr.write(`dropping the scratch database failed: ${e.message}\n`));
    await rm(work, { recursive: true, force: true });
    scratchDirs.delete(work);
  }
}

function phaseFigures(r) {
  return { status: r.status, bytes: r.bytes, seconds: r.seconds, mib_per_s: rate(r.bytes, r.seconds), cpu: r.cpu };
}

function line(r) {
  const cpu = r.cpu
    ? `  cpu: server ${fmt(r.cpu.server_s)} s (sys ${fmt(r.cpu.server_sys_s)})${r.cpu.s3rver_s !== undefined ? `, s3rver ${fmt(r.cpu.s3rver_s)} s` : ''}, client ${fmt(r.cpu.client_s)} s, others ${fmt(r.cpu.other_processes_cores, 2)} cores${r.cpu.contended ? ' CONTENDED' : ''}`
    : '';
  return `${r.status}  ${fmt(r.seconds, 2).padStart(7)} s  ${fmt(rate(r.bytes, r.seconds)).padStart(7)} MiB/s${cpu}`;
}

// ---------------------------------------------------------------- main

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  process.stdout.write(
    `bench:evidence — ${options.sizeMiB} MiB, drivers ${options.drivers.join(', ')}, database ${options.databaseUrl ? 'PostgreSQL (scratch database)' : 'PGlite (fresh DATA_DIR per driver)'}\n`,
  );

  const serverEntry = await buildServer();
  const file = await prepareFile(options.sizeMiB);
  // Nothing dirty from generating the file may be flushed during a measurement.
  await run('sync', ['-f', file.path]);

  // Baseline: cp of the same file on the same disk, then the fsync the local driver also does.
  const copy = join(file.dir, `cp-${process.pid}.bin`);
  scratchDirs.add(copy);
  const budget = { remainingS: options.contentionBudget };
  await waitForQuiet(budget);
  const cpSeconds = await timed('cp', [file.path, copy]);
  const syncSeconds = await timed('sync', [copy]);
  await rm(copy, { force: true });
  scratchDirs.delete(copy);
  await run('sync', ['-f', file.path]);
  const baseline = {
    cp_seconds: cpSeconds,
    cp_mib_per_s: rate(file.size, cpSeconds),
    cp_fsync_seconds: cpSeconds + syncSeconds,
    cp_fsync_mib_per_s: rate(file.size, cpSeconds + syncSeconds),
  };
  process.stdout.write(
    `baseline: cp ${fmt(cpSeconds, 2)} s = ${fmt(baseline.cp_mib_per_s)} MiB/s; cp + fsync ${fmt(cpSeconds + syncSeconds, 2)} s = ${fmt(baseline.cp_fsync_mib_per_s)} MiB/s\n`,
  );

  const sourceSha = { hex: await fileSha256(file) };
  const drivers = [];
  for (const driver of options.drivers) {
    process.stdout.write(`\n[${driver}]\n`);
    drivers.push(await measureDriver(driver, { options, file, serverEntry, sourceSha, budget }));
  }

  // ---- verdicts
  const peak = Math.max(...drivers.map((d) => Math.max(d.vm_hwm_mib ?? 0, d.sampled_peak_rss_mib ?? 0)));
  const local = drivers.find((d) => d.driver === 'local');
  const localUp = local?.phases.upload_raw?.mib_per_s;
  const localDown = local?.phases.download?.mib_per_s;
  const upRatio = localUp ? baseline.cp_mib_per_s / localUp : undefined;
  const downRatio = localDown ? baseline.cp_mib_per_s / localDown : undefined;
  // The local driver fsyncs before it renames; cp does not. The fair comparison, shown beside the target.
  const upFsyncRatio = localUp ? baseline.cp_fsync_mib_per_s / localUp : undefined;
  const allChecks = drivers.every((d) => Object.values(d.checks).every(Boolean));
  const verdicts = {
    peak_rss: {
      target_mib: RSS_TARGET_MIB,
      peak_mib: peak,
      above_idle_mib: Math.max(...drivers.map((d) => d.transfer_rss_above_idle_mib ?? 0)),
      pass: peak <= RSS_TARGET_MIB,
    },
    local_upload_vs_cp:
      upRatio === undefined
        ? { skipped: true }
        : { target_ratio: CP_RATIO_TARGET, ratio: upRatio, pass: upRatio <= CP_RATIO_TARGET, ratio_vs_cp_fsync: upFsyncRatio },
    local_download_vs_cp: downRatio === undefined ? { skipped: true } : { ratio: downRatio },
    sha256: allChecks,
  };

  // ---- table
  const rows = [
    ['driver', 'upload raw', 'upload multipart', 'download', 'sha256', 'idle RSS', 'peak RSS (sampled)', 'above idle', 'VmHWM'],
    ['', 'MiB/s', 'MiB/s', 'MiB/s', '', 'MiB', 'MiB', 'MiB', 'MiB'],
    ...drivers.map((d) => [
      d.driver,
      cell(d.phases.upload_raw),
      cell(d.phases.upload_multipart, 'mib_per_s_file'),
      cell(d.phases.download),
      Object.values(d.checks).every(Boolean) ? 'OK' : 'FAIL',
      fmt(d.idle_rss_mib),
      fmt(d.sampled_peak_rss_mib),
      fmt(d.transfer_rss_above_idle_mib),
      fmt(d.vm_hwm_mib),
    ]),
    ['cp', fmt(baseline.cp_mib_per_s), '', '', '', '', '', '', ''],
    ['cp+fsync', fmt(baseline.cp_fsync_mib_per_s), '', '', '', '', '', '', ''],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  process.stdout.write(`\n${options.sizeMiB} MiB file, MiB = 2^20 bytes (MB below means MiB)\n`);
  for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}\n`);
  if (drivers.some((d) => Object.values(d.phases).some((p) => p.cpu?.contended))) {
    process.stdout.write(`* contended: other processes took > ${MAX_FOREIGN_CORES} cores of ${CORES} during the measurement\n`);
  }
  process.stdout.write('\n');
  const aboveIdle = verdicts.peak_rss.above_idle_mib;
  const idle = Math.max(...drivers.map((d) => d.idle_rss_mib ?? 0));
  const pgliteNote = options.databaseUrl ? '' : `; PGlite: the server idles at ${fmt(idle)} MB before any transfer — see --database-url`;
  process.stdout.write(
    `peak RSS ≤ ${RSS_TARGET_MIB} MB: ${verdicts.peak_rss.pass ? 'PASS' : 'MISS'} (${fmt(peak)} MB; the transfers added at most ${fmt(aboveIdle)} MB above idle${pgliteNote})\n`,
  );
  if (upRatio !== undefined) {
    process.stdout.write(
      `local upload throughput within ${CP_RATIO_TARGET}× of cp: ${verdicts.local_upload_vs_cp.pass ? 'PASS' : 'MISS'} (ratio ${fmt(upRatio, 2)}: cp ${fmt(baseline.cp_mib_per_s)} MB/s, upload ${fmt(localUp)} MB/s; against cp + fsync ${fmt(upFsyncRatio, 2)}; download ratio ${fmt(downRatio, 2)}, ${fmt(localDown)} MB/s)\n`,
    );
  }
  process.stdout.write(`sha256 of every upload and download equals the file's: ${allChecks ? 'PASS' : 'FAIL'} (${sourceSha.hex})\n`);

  // ---- JSON
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const resultsPath = options.results ?? `bench/results/evidence-${stamp}.json`;
  await mkdir(resolve(resultsPath, '..'), { recursive: true });
  await writeFile(
    resultsPath,
    `${JSON.stringify(
      {
        started_at: startedAt.toISOString(),
        node: process.version,
        file: { path: file.path, bytes: file.size, sha256: sourceSha.hex, generated: file.generated },
        database: options.databaseUrl ? 'postgresql' : 'pglite',
        sample_interval_ms: SAMPLE_MS,
        units: 'MiB = 2^20 bytes',
        baseline,
        drivers,
        verdicts,
      },
      null,
      1,
    )}\n`,
  );
  process.stdout.write(`results: ${resultsPath}\n`);
  if (options.removeFile) {
    await rm(file.path, { force: true });
    await rm(`${file.path}.sha256`, { force: true });
  }
  return allChecks ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`bench:evidence failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
cleanUpSync();
process.exit();
