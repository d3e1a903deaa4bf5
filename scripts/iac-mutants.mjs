#!/usr/bin/env node
// npm run iac:mutants [-- --only=id,id] [--concurrency=N] [--list] [--no-baseline] [--keep] [--logs=dir]
//                     [--tests=path,path]   (a subset of test/infra, while writing a test)
//
// Applies each mutation of test/infra/mutants.ts, alone, to a scratch copy of
// the repository (its tracked and untracked-but-not-ignored files, node_modules
// and cdk/node_modules symlinked; the CDK's packages are installed first when
// missing, scripts/cdk-deps.mjs) and runs the IaC suites there:
//   vitest run test/infra --bail=1 --exclude test/infra/container.test.ts
// A mutation is caught when that run fails. It is STALE when its `find` does
// not match its file exactly once (the code moved: update the mutation).
// First, unless --no-baseline, the unmutated copy must pass: otherwise every
// mutation would look caught.
// Exit 0 only when every mutation ran and was caught.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transform } from 'esbuild';
import { ensureCdkDeps } from './cdk-deps.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const MUTANTS_FILE = join(REPO, 'test/infra/mutants.ts');
const suite = (tests) => ['run', ...tests, '--bail=1', '--exclude', 'test/infra/container.test.ts'];
const TIMEOUT_MS = 20 * 60_000;

function parseArgs(argv) {
  const opts = { only: undefined, concurrency: 1, list: false, baseline: true, keep: false, logs: undefined, tests: ['test/infra'] };
  for (const arg of argv) {
    const [key, value] = arg.split(/=(.*)/s);
    if (key === '--only')
      opts.only = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (key === '--concurrency') opts.concurrency = Math.max(1, Number.parseInt(value, 10) || 1);
    else if (key === '--list') opts.list = true;
    else if (key === '--no-baseline') opts.baseline = false;
    else if (key === '--keep') opts.keep = true;
    else if (key === '--logs') opts.logs = value;
    else if (key === '--tests') opts.tests = value.split(',').filter(Boolean);
    else if (key === '--help' || key === '-h') {
      console.log(
        readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(1)
          .filter((l, i, a) => a.slice(0, i + 1).every((x) => x.startsWith('//')))
          .join('\n')
          .replace(/^\/\/ ?/gm, ''),
      );
      process.exit(0);
    } else {
      console.error(`unknown argument ${arg} (see --help)`);
      process.exit(2);
    }
  }
  return opts;
}

async function loadMutants() {
  const { code } = await transform(readFileSync(MUTANTS_FILE, 'utf8'), { loader: 'ts', format: 'esm' });
  const out = join(mkdtempSync(join(tmpdir(), 'iac-mutants-list-')), 'mutants.mjs');
  writeFileSync(out, code);
  const { MUTANTS } = await import(pathToFileURL(out).href);
  rmSync(dirname(out), { recursive: true, force: true });
  const seen = new Set();
  for (const m of MUTANTS) {
    for (const field of ['id', 'target', 'description', 'file', 'find'])
      if (!m[field]) throw new Error(`mutant ${m.id ?? '?'} lacks ${field}`);
    if (typeof m.replace !== 'string') throw new Error(`mutant ${m.id} lacks replace`);
    if (seen.has(m.id)) throw new Error(`mutant id ${m.id} is used twice`);
    seen.add(m.id);
  }
  return MUTANTS;
}

/** How often `find` matches `text`. */
function countMatches(text, find) {
  if (typeof find === 'string') return find === '' ? 0 : text.split(find).length - 1;
  const flags = find.flags.includes('g') ? find.flags : `${find.flags}g`;
  return [...text.matchAll(new RegExp(find.source, flags))].length;
}

/** The mutated text, or why the mutation is stale. */
function mutate(mutant) {
  const path = join(REPO, mutant.file);
  if (!existsSync(path)) return { stale: `${mutant.file} does not exist` };
  const text = readFileSync(path, 'utf8');
  const count = countMatches(text, mutant.find);
  if (count !== 1) return { stale: `find matches ${count} times in ${mutant.file} (must be exactly once)` };
  const mutated =
    typeof mutant.find === 'string' ? text.replace(mutant.find, () => mutant.replace) : text.replace(mutant.find, mutant.replace);
  if (mutated === text) return { stale: 'the replacement changes nothing' };
  return { text: mutated };
}

function repoFiles() {
  const out = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\0').filter((f) => f && existsSync(join(REPO, f)));
}

function scratchCopy(files, label) {
  const dir = mkdtempSync(join(tmpdir(), `iac-mutant-${label}-`));
  for (const file of files) {
    const target = join(dir, file);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(REPO, file), target);
  }
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // The CDK app is a package of its own (cdk/package.json): its packages are shared the same way.
  symlinkSync(join(REPO, 'cdk', 'node_modules'), join(dir, 'cdk', 'node_modules'), 'dir');
  return dir;
}

/** Runs the IaC suites in `dir`; resolves with the outcome and the first failing test's name. */
function runSuites(dir, logFile, tests) {
  const jsonFile = `${logFile}.json`;
  const vitest = join(REPO, 'node_modules/vitest/vitest.mjs');
  const args = [vitest, ...suite(tests), '--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`];
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, args, {
      cwd: dir,
      // No bundle build (the container suite, the one IaC suite that runs it, is excluded).
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', SKIP_BUILD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let log = `$ (cd ${dir} && node ${args.join(' ')})\n`;
    child.stdout.on('data', (c) => (log += c));
    child.stderr.on('data', (c) => (log += c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      writeFileSync(logFile, log);
      done({ code: timedOut ? null : code, timedOut, seconds: (Date.now() - started) / 1000, firstFailure: firstFailure(jsonFile, log) });
    });
  });
}

function firstFailure(jsonFile, log) {
  try {
    const report = JSON.parse(readFileSync(jsonFile, 'utf8'));
    for (const file of report.testResults ?? []) {
      const failed = (file.assertionResults ?? []).find((a) => a.status === 'failed');
      const rel = String(file.name).replace(/^.*?(test\/infra\/)/, '$1');
      if (failed) return `${rel} > ${failed.fullName ?? failed.title}`;
      if (file.status === 'failed') return `${rel}: ${String(file.message ?? 'failed to load').split('\n')[0]}`;
    }
  } catch {
    // no JSON report: vitest did not get that far
  }
  const line = log.split('\n').find((l) => /FAIL|Error:/.test(l));
  return line ? line.trim().slice(0, 200) : '';
}

function limiter(limit) {
  let active = 0;
  const waiting = [];
  return async (task) => {
    if (active >= limit) await new Promise((go) => waiting.push(go));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

function table(rows) {
  const head = ['id', 'target', 'result', 'seconds', 'first failing test / reason'];
  const cells = rows.map((r) => [r.id, r.target, r.result, r.seconds == null ? '' : r.seconds.toFixed(0), r.detail ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (i === 4 ? 0 : String(c[i]).length))));
  const fmt = (c) => c.map((v, i) => (i === 4 ? String(v) : String(v).padEnd(widths[i]))).join(' | ');
  return [fmt(head), widths.map((w, i) => (i === 4 ? '---' : '-'.repeat(w))).join('-|-'), ...cells.map(fmt)].join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const all = await loadMutants();
  if (opts.only) {
    const unknown = opts.only.filter((id) => !all.some((m) => m.id === id));
    if (unknown.length) {
      console.error(`unknown mutant id(s): ${unknown.join(', ')} (see --list)`);
      process.exit(2);
    }
  }
  const selected = opts.only ? all.filter((m) => opts.only.includes(m.id)) : all;

  if (opts.list) {
    for (const m of selected) {
      const { stale } = mutate(m);
      console.log(`${m.id.padEnd(32)} ${m.target.padEnd(9)} ${stale ? `STALE (${stale})` : 'applies'}  ${m.file}: ${m.description}`);
    }
    process.exit(selected.some((m) => mutate(m).stale) ? 1 : 0);
  }

  const logs = opts.logs ?? mkdtempSync(join(tmpdir(), 'iac-mutants-logs-'));
  mkdirSync(logs, { recursive: true });
  ensureCdkDeps();
  const files = repoFiles();
  console.log(
    `iac-mutants: ${selected.length} mutation(s), ${files.length} files per copy, concurrency ${opts.concurrency}, ` +
      `vitest ${suite(opts.tests).join(' ')}, logs in ${logs}`,
  );

  if (opts.baseline) {
    const dir = scratchCopy(files, 'baseline');
    process.stdout.write('baseline (no mutation) … ');
    const result = await runSuites(dir, join(logs, 'baseline.log'), opts.tests);
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    console.log(`${result.code === 0 ? 'passes' : 'FAILS'} in ${result.seconds.toFixed(0)} s`);
    if (result.code !== 0) {
      console.error(
        `The unmutated IaC suites fail (${result.timedOut ? 'timeout' : result.firstFailure}); every mutation would look caught.\n` +
          `Fix that first (log: ${join(logs, 'baseline.log')}), or pass --no-baseline to run anyway.`,
      );
      process.exit(2);
    }
  }

  const limit = limiter(opts.concurrency);
  const rows = await Promise.all(
    selected.map((m) =>
      limit(async () => {
        const { stale, text } = mutate(m);
        if (stale) {
          console.log(`${m.id}: STALE (${stale})`);
          return { id: m.id, target: m.target, result: 'STALE', detail: stale };
        }
        const dir = scratchCopy(files, m.id);
        writeFileSync(join(dir, m.file), text);
        const result = await runSuites(dir, join(logs, `${m.id}.log`), opts.tests);
        if (!opts.keep) rmSync(dir, { recursive: true, force: true });
        const outcome = result.timedOut ? 'TIMEOUT' : result.code === 0 ? 'SURVIVED' : 'caught';
        console.log(`${m.id}: ${outcome} in ${result.seconds.toFixed(0)} s${result.firstFailure ? ` (${result.firstFailure})` : ''}`);
        return {
          id: m.id,
          target: m.target,
          result: outcome,
          seconds: result.seconds,
          detail: outcome === 'SURVIVED' ? m.description : result.firstFailure,
        };
      }),
    ),
  );

  const caught = rows.filter((r) => r.result === 'caught').length;
  console.log(`\n${table(rows)}\n`);
  const survived = rows.filter((r) => r.result === 'SURVIVED').map((r) => r.id);
  const stale = rows.filter((r) => r.result === 'STALE').map((r) => r.id);
  const timedOut = rows.filter((r) => r.result === 'TIMEOUT').map((r) => r.id);
  console.log(`${caught}/${rows.length} caught`);
  if (survived.length) console.log(`survived: ${survived.join(', ')}`);
  if (stale.length) console.log(`stale (update find in test/infra/mutants.ts): ${stale.join(', ')}`);
  if (timedOut.length) console.log(`timed out after ${TIMEOUT_MS / 60_000} min: ${timedOut.join(', ')}`);
  console.log(`logs: ${logs}`);
  process.exit(caught === rows.length ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
