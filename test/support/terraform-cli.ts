// Real Terraform for the IaC suites: finds the binary and the hashicorp/aws
// provider, copies terraform/ to a scratch directory (so the repository never
// gets a .terraform/ or a lock file), and runs `init`, `validate`, `test` there,
// at most two at a time (the machine has 2 CPUs). Nothing here skips: without
// the binary or the provider, `openTerraform` throws an error saying how to get them.
//
// The source is `process.cwd()/terraform`, like test/support/terraform.ts:
// scripts/iac-mutants.mjs runs vitest with its cwd in a mutated copy of the repo.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

export const REQUIRED_TERRAFORM = '1.11';
const AWS_PROVIDER = join('registry.terraform.io', 'hashicorp', 'aws');

/** Where a provider mirror is looked for when TF_PLUGIN_MIRROR is unset (a directory holding registry.terraform.io/…). */
export const CONVENTIONAL_MIRRORS = [
  '/opt/tf-plugins',
  '/opt/terraform-plugins',
  '/usr/local/share/terraform/plugins',
  '/usr/share/terraform/plugins',
  join(process.env.HOME ?? '/root', '.terraform.d', 'plugins'),
  join(process.env.HOME ?? '/root', '.local', 'share', 'terraform', 'plugins'),
];

const HOW_TO_GET_THEM = [
  'How to get them:',
  `  - Terraform ${REQUIRED_TERRAFORM}.x on PATH (or TERRAFORM_BIN=<path>): https://releases.hashicorp.com/terraform/1.11.4/`,
  '    (unzip terraform_1.11.4_linux_amd64.zip into /usr/local/bin), or `apt-get install terraform` from the HashiCorp apt repository.',
  '  - the hashicorp/aws provider as a filesystem mirror: unpack terraform-provider-aws_<v>_linux_amd64.zip',
  '    into <dir>/registry.terraform.io/hashicorp/aws/<v>/linux_amd64/ and export TF_PLUGIN_MIRROR=<dir>',
  `    (searched when unset: ${CONVENTIONAL_MIRRORS.join(', ')}).`,
  '  - or run .ci/run, which finds the mirror on this machine kind and exports TF_PLUGIN_MIRROR.',
  '  - where registry.terraform.io is reachable (GitHub Actions), TF_REGISTRY_ALLOWED=1 without TF_PLUGIN_MIRROR',
  '    lets `terraform init` download the provider instead.',
  'These suites never skip: real fmt, validate and test are part of `npm test`.',
].join('\n');

/** The first executable `name` on PATH. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

function holdsAwsProvider(dir: string): boolean {
  const base = join(dir, AWS_PROVIDER);
  if (!existsSync(base)) return false;
  // <version>/<os_arch>/terraform-provider-aws_* (unpacked) or terraform-provider-aws_*.zip (packed)
  return readdirSync(base).some((entry) => {
    const path = join(base, entry);
    if (entry.endsWith('.zip')) return true;
    return statSync(path).isDirectory() && readdirSync(path).length > 0;
  });
}

/** TF_PLUGIN_MIRROR when set (must hold hashicorp/aws), else the first conventional place that does. */
export function findPluginMirror(): string | undefined {
  const fromEnv = process.env.TF_PLUGIN_MIRROR;
  if (fromEnv) {
    if (!holdsAwsProvider(fromEnv))
      throw new Error(`TF_PLUGIN_MIRROR=${fromEnv} holds no ${AWS_PROVIDER}/<version>/<os_arch>/.\n${HOW_TO_GET_THEM}`);
    return resolve(fromEnv);
  }
  return CONVENTIONAL_MIRRORS.find(holdsAwsProvider);
}

export interface TerraformSetup {
  bin: string;
  version: string;
  /** The provider mirror, or undefined when the registry is allowed (TF_REGISTRY_ALLOWED=1). */
  mirror?: string;
}

/** Finds terraform and the provider, or throws saying how to get them. */
export function findTerraform(): TerraformSetup {
  const bin = process.env.TERRAFORM_BIN ?? onPath('terraform');
  const mirror = findPluginMirror();
  const registryAllowed = process.env.TF_REGISTRY_ALLOWED === '1';
  const missing: string[] = [];
  let version = '';
  if (!bin) missing.push('no `terraform` on PATH (and TERRAFORM_BIN is unset)');
  else {
    const out = spawnSync(bin, ['version', '-json'], { encoding: 'utf8', env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' } });
    try {
      version = JSON.parse(out.stdout).terraform_version as string;
    } catch {
      missing.push(`${bin} version -json failed: ${out.stderr || out.error?.message || out.stdout}`);
    }
    if (version && !version.startsWith(`${REQUIRED_TERRAFORM}.`))
      missing.push(`${bin} is Terraform ${version}; these suites need ${REQUIRED_TERRAFORM}.x (as the workflows use)`);
  }
  if (!mirror && !registryAllowed)
    missing.push(
      'no hashicorp/aws provider mirror (TF_PLUGIN_MIRROR unset, none in the conventional places) and TF_REGISTRY_ALLOWED is not 1',
    );
  if (missing.length) throw new Error(`Real Terraform cannot run:\n  - ${missing.join('\n  - ')}\n${HOW_TO_GET_THEM}`);
  return { bin: bin!, version, mirror };
}

/** At most `limit` tasks at once; waiting tasks start by priority (lower first), then in the order they were queued. */
export function limiter(limit: number): <T>(task: () => Promise<T>, priority?: number) => Promise<T> {
  let active = 0;
  let queued = 0;
  const waiting: { priority: number; order: number; go: () => void }[] = [];
  return async (task, priority = 1) => {
    if (active >= limit) {
      await new Promise<void>((go) => {
        waiting.push({ priority, order: queued++, go });
        waiting.sort((a, b) => a.priority - b.priority || a.order - b.order);
      });
    }
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.go();
    }
  };
}

export interface RunResult {
  args: string[];
  /** The directory, relative to the scratch terraform/ ('.' for the root). */
  dir: string;
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** One diagnostic of `validate -json` or `test -json`, as one readable line (+ detail). */
export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail?: string;
  range?: { filename: string; start: { line: number; column: number } };
  snippet?: { code?: string; values?: { traversal: string; statement: string }[] };
}

export function formatDiagnostic(d: Diagnostic, prefix = ''): string {
  const where = d.range ? `${d.range.filename}:${d.range.start.line}: ` : '';
  const lines = [`${prefix}${d.severity.toUpperCase()} ${where}${d.summary}`];
  if (d.detail) lines.push(...d.detail.split('\n').map((l) => `${prefix}    ${l}`));
  if (d.snippet?.code) lines.push(`${prefix}    > ${d.snippet.code.trim()}`);
  for (const v of d.snippet?.values ?? []) lines.push(`${prefix}      ${v.traversal} ${v.statement}`);
  return lines.join('\n');
}

/** What `terraform test -json` said, per file and run. */
export interface TestReport {
  files: Record<string, string[]>;
  runs: { file: string; run: string; status: string }[];
  fileStatus: Record<string, string>;
  diagnostics: (Diagnostic & { file?: string; run?: string })[];
  summary?: { status: string; passed: number; failed: number; errored: number; skipped: number };
  /** Lines that were not JSON (terraform sometimes prints plain errors before the JSON starts). */
  other: string[];
}

export function parseTestJson(stdout: string): TestReport {
  const report: TestReport = { files: {}, runs: [], fileStatus: {}, diagnostics: [], other: [] };
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    let msg: any;
    try {
      msg = JSON.parse(line);
    } catch {
      report.other.push(line);
      continue;
    }
    if (msg.type === 'test_abstract') report.files = msg.test_abstract ?? {};
    else if (msg.type === 'test_run' && msg.test_run?.progress === 'complete')
      report.runs.push({ file: msg.test_run.path, run: msg.test_run.run, status: msg.test_run.status });
    else if (msg.type === 'test_file' && msg.test_file?.progress === 'complete')
      report.fileStatus[msg.test_file.path] = msg.test_file.status;
    else if (msg.type === 'diagnostic') report.diagnostics.push({ ...msg.diagnostic, file: msg['@testfile'], run: msg['@testrun'] });
    else if (msg.type === 'test_summary') report.summary = msg.test_summary;
  }
  return report;
}

/** A readable account of a `terraform test` run: every run's status, each failure's assertion. */
export function describeTestReport(report: TestReport): string {
  const lines: string[] = [];
  for (const [file, runs] of Object.entries(report.files)) {
    lines.push(`${file}: ${report.fileStatus[file] ?? 'not finished'}`);
    for (const run of runs) {
      const status = report.runs.find((r) => r.file === file && r.run === run)?.status ?? 'did not run';
      lines.push(`  run "${run}": ${status}`);
      for (const d of report.diagnostics.filter((x) => x.file === file && x.run === run)) lines.push(formatDiagnostic(d, '    '));
    }
    for (const d of report.diagnostics.filter((x) => x.file === file && !x.run)) lines.push(formatDiagnostic(d, '  '));
  }
  for (const d of report.diagnostics.filter((x) => !x.file)) lines.push(formatDiagnostic(d));
  if (report.other.length) lines.push(...report.other);
  if (report.summary) {
    const s = report.summary;
    lines.push(`summary: ${s.status} (${s.passed} passed, ${s.failed} failed, ${s.errored} errored, ${s.skipped} skipped)`);
  }
  return lines.join('\n');
}

/** The test files directly in `dir` (terraform test does not recurse). */
export function testFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.tftest.hcl') || f.endsWith('.tftest.json'))
    .sort();
}

export interface TerraformScratch {
  setup: TerraformSetup;
  /** The scratch copy of terraform/. */
  root: string;
  /** Runs terraform with -chdir=<dir> (relative to the copy's root); never throws on a non-zero exit. */
  run(dir: string, args: string[], priority?: number): Promise<RunResult>;
  /** `init -backend=false` of dir, once per dir and test directory (cached). Priority: lower starts first (default 1). */
  init(dir: string, testDirectory?: string, priority?: number): Promise<RunResult>;
  /** The data dir that `init(dir, testDirectory)` used, for the commands that follow it. */
  dataDir(dir: string, testDirectory?: string): string;
  /** Runs a command after init(dir, testDirectory), with the same TF_DATA_DIR. */
  runInitialised(dir: string, args: string[], testDirectory?: string, priority?: number): Promise<RunResult>;
  /** Every terraform call so far, for a timing summary. */
  history: RunResult[];
  cleanup(): void;
}

/**
 * Copies terraform/ (without any .terraform/ or lock file) to a scratch
 * directory and writes a CLI config that installs hashicorp/aws from the mirror.
 * Throws when terraform or the provider is missing.
 */
export function openTerraform(options: { concurrency?: number; source?: string } = {}): TerraformScratch {
  const setup = findTerraform();
  const source = options.source ?? join(process.cwd(), 'terraform');
  const base = mkdtempSync(join(tmpdir(), 'tf-scratch-'));
  const root = join(base, 'terraform');
  cpSync(source, root, {
    recursive: true,
    filter: (src) => {
      const name = src.split(/[\\/]/).pop()!;
      return name !== '.terraform' && name !== '.terraform.lock.hcl' && !name.endsWith('.tfstate') && !name.endsWith('.tfplan');
    },
  });
  const dataRoot = join(base, 'data');
  mkdirSync(dataRoot);
  const cliConfig = join(base, 'terraform.tfrc');
  let mirror = setup.mirror;
  const writeCliConfig = () =>
    writeFileSync(
      cliConfig,
      mirror
        ? [
            '# Written by test/support/terraform-cli.ts: providers come from the local mirror only.',
            'provider_installation {',
            `  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }`,
            // Anything else (there should be nothing else) fails rather than reaching out.
            setup.mirror ? '' : '  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }',
            '}',
            '',
          ].join('\n')
        : '# Written by test/support/terraform-cli.ts: TF_REGISTRY_ALLOWED=1, providers from the registry.\n',
    );
  writeCliConfig();
  const limit = limiter(options.concurrency ?? 2);
  const slug = (dir: string, testDirectory?: string) =>
    `${dir === '.' ? 'root' : dir.replace(/[\\/]/g, '-')}${testDirectory ? `--${testDirectory.replace(/[\\/]/g, '-')}` : ''}`;
  const dataDir = (dir: string, testDirectory?: string) => join(dataRoot, slug(dir, testDirectory));

  const history: RunResult[] = [];
  const exec = (dir: string, args: string[], data?: string, priority?: number): Promise<RunResult> =>
    limit(
      () =>
        new Promise<RunResult>((done) => {
          const started = Date.now();
          const child = spawn(setup.bin, [`-chdir=${join(root, dir)}`, ...args], {
            env: {
              ...process.env,
              TF_CLI_CONFIG_FILE: cliConfig,
              TF_IN_AUTOMATION: '1',
              TF_INPUT: '0',
              CHECKPOINT_DISABLE: '1',
              ...(data ? { TF_DATA_DIR: data } : {}),
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (chunk) => (stdout += chunk));
          child.stderr.on('data', (chunk) => (stderr += chunk));
          child.on('error', (error) => {
            stderr += String(error);
          });
          child.on('close', (code) => {
            const result = { args, dir, code: code ?? 1, stdout, stderr, seconds: (Date.now() - started) / 1000 };
            history.push(result);
            done(result);
          });
        }),
      priority,
    );

  // init writes .terraform.lock.hcl into the config dir: one init per dir at a time.
  const dirChains = new Map<string, Promise<unknown>>();
  const inits = new Map<string, Promise<RunResult>>();
  let firstRegistryInit: Promise<unknown> | undefined;

  const init = (dir: string, testDirectory?: string, priority?: number): Promise<RunResult> => {
    const key = slug(dir, testDirectory);
    let pending = inits.get(key);
    if (!pending) {
      const args = ['init', '-backend=false', '-input=false', '-no-color', ...(testDirectory ? [`-test-directory=${testDirectory}`] : [])];
      const previous = dirChains.get(dir) ?? Promise.resolve();
      // Registry mode: the first init downloads hashicorp/aws; every later one
      // installs it from that first data dir, used as a mirror (one download per run).
      const before = !setup.mirror && firstRegistryInit ? firstRegistryInit : Promise.resolve();
      pending = Promise.all([previous, before]).then(() => exec(dir, args, dataDir(dir, testDirectory), priority));
      if (!setup.mirror && !firstRegistryInit) {
        firstRegistryInit = pending.then((r) => {
          const providers = join(dataDir(dir, testDirectory), 'providers');
          if (r.code === 0 && existsSync(providers)) {
            mirror = providers;
            writeCliConfig();
          }
        });
      }
      dirChains.set(
        dir,
        pending.catch(() => undefined),
      );
      inits.set(key, pending);
    }
    return pending;
  };

  return {
    setup,
    root,
    run: (dir, args, priority) => exec(dir, args, undefined, priority),
    init,
    dataDir,
    async runInitialised(dir, args, testDirectory, priority) {
      const initialised = await init(dir, testDirectory, priority);
      if (initialised.code !== 0) return initialised;
      return exec(dir, args, dataDir(dir, testDirectory), priority);
    },
    history,
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** `<root>/<dir>` as the test names it ('.' → 'terraform'). */
export function displayDir(dir: string): string {
  return dir === '.' ? 'terraform' : `terraform/${dir}`;
}

/** Every directory under `root` that holds .tf files: the root, the bootstrap and every module. */
export function terraformDirs(root: string): string[] {
  const dirs = ['.', 'bootstrap'];
  const modules = join(root, 'modules');
  if (existsSync(modules)) for (const name of readdirSync(modules).sort()) dirs.push(join('modules', name));
  return dirs.filter((d) => {
    const full = join(root, d);
    return existsSync(full) && statSync(full).isDirectory() && readdirSync(full).some((f) => f.endsWith('.tf'));
  });
}
