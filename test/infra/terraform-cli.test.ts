// Real Terraform over terraform/: fmt, init + validate of the root, the
// bootstrap and every module, and the plan-time `terraform test` files of the
// root (dev and prod) and of the bootstrap, all offline against a local
// hashicorp/aws mirror (test/support/terraform-cli.ts). A missing binary or
// provider fails this file with how to get them; nothing is skipped.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeTestReport,
  displayDir,
  formatDiagnostic,
  openTerraform,
  parseTestJson,
  terraformDirs,
  testFilesIn,
  type Diagnostic,
  type RunResult,
  type TerraformScratch,
} from '../support/terraform-cli';

const SOURCE = join(process.cwd(), 'terraform');
/** Found by listing, so a new module (modules/logs, …) is validated without editing this file. */
const DIRS = terraformDirs(SOURCE);
/** What the deploy passes: an image of the account's ECR repository, tagged with a commit. */
const DOCKER_IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/action-tracker:sha-${'0123456789abcdef0123'.repeat(2)}`;

interface TestSuite {
  name: string;
  dir: string;
  testDirectory: string;
  args: string[];
}

const SUITES: TestSuite[] = [
  {
    name: 'the root with envs/dev.tfvars',
    dir: '.',
    testDirectory: 'tests/dev',
    args: ['-var-file=envs/dev.tfvars', `-var=docker_image=${DOCKER_IMAGE}`],
  },
  {
    name: 'the root with envs/prod.tfvars',
    dir: '.',
    testDirectory: 'tests/prod',
    args: ['-var-file=envs/prod.tfvars', `-var=docker_image=${DOCKER_IMAGE}`],
  },
  { name: 'the bootstrap', dir: 'bootstrap', testDirectory: 'tests', args: [] },
];

const TIMEOUT = 600_000; // queued behind up to ~20 terraform calls of 3–60 s, two at a time

let tf: TerraformScratch;
const validations = new Map<string, Promise<RunResult>>();
const testRuns = new Map<TestSuite, Promise<RunResult>>();
let fmt: Promise<RunResult>;

/** Fails with `text` (vitest prints the message as is, so keep it readable). */
function check(ok: boolean, text: string): void {
  if (!ok) throw new Error(text);
}

function output(result: RunResult): string {
  return [
    `$ terraform -chdir=${displayDir(result.dir)} ${result.args.join(' ')}  (exit ${result.code}, ${result.seconds.toFixed(1)} s)`,
    result.stdout.trim(),
    result.stderr.trim(),
  ]
    .filter(Boolean)
    .join('\n');
}

beforeAll(() => {
  tf = openTerraform({ concurrency: 2 });
  // Queue everything now: the limiter runs two at a time while the tests below await in order.
  const quiet = (p: Promise<unknown>) => void p.catch(() => undefined);
  // The test runs are the long poles (20+ plans each): they go first.
  for (const suite of SUITES) {
    if (testFilesIn(join(tf.root, suite.dir, suite.testDirectory)).length === 0) continue;
    const pending = tf.runInitialised(
      suite.dir,
      ['test', '-json', '-no-color', `-test-directory=${suite.testDirectory}`, ...suite.args],
      suite.testDirectory,
      0,
    );
    testRuns.set(suite, pending);
    quiet(pending);
  }
  fmt = tf.run('.', ['fmt', '-check', '-recursive', '-diff', '-no-color']);
  for (const dir of DIRS) {
    const pending = tf.runInitialised(dir, ['validate', '-json', '-no-color']);
    validations.set(dir, pending);
    quiet(pending);
  }
}, 60_000);

afterAll(() => {
  if (tf?.history.length) {
    const lines = tf.history.map(
      (r) => `  ${r.seconds.toFixed(1).padStart(6)} s  ${displayDir(r.dir)} ${r.args.filter((a) => !a.startsWith('-var')).join(' ')}`,
    );
    console.log(`terraform calls (two at a time):\n${lines.join('\n')}`);
  }
  tf?.cleanup();
});

describe(`real Terraform`, () => {
  it('finds terraform 1.11 and the hashicorp/aws provider', () => {
    expect(tf.setup.version).toMatch(/^1\.11\./);
    expect(tf.setup.mirror ?? process.env.TF_REGISTRY_ALLOWED).toBeTruthy();
  });

  it('lists the root, the bootstrap and the modules', () => {
    expect(DIRS).toEqual(expect.arrayContaining(['.', 'bootstrap', 'modules/alb', 'modules/ecs', 'modules/rds', 'modules/vpc']));
  });

  it(
    'terraform fmt -check -recursive finds nothing to reformat',
    async () => {
      const result = await fmt;
      check(result.code === 0, `terraform fmt would change these files (run \`terraform fmt -recursive terraform\`):\n${output(result)}`);
    },
    TIMEOUT,
  );

  describe('init -backend=false and validate', () => {
    it.each(DIRS.map((dir) => [displayDir(dir), dir] as const))(
      '%s validates',
      async (_name, dir) => {
        const result = await validations.get(dir)!;
        const init = await tf.init(dir);
        check(init.code === 0, `terraform init failed:\n${output(init)}`);
        let parsed: { valid: boolean; diagnostics?: Diagnostic[] };
        try {
          parsed = JSON.parse(result.stdout);
        } catch {
          throw new Error(`terraform validate printed no JSON:\n${output(result)}`);
        }
        const diagnostics = (parsed.diagnostics ?? []).map((d) => formatDiagnostic(d, '  '));
        if (parsed.valid && diagnostics.length) console.warn(`${displayDir(dir)}: validate warnings\n${diagnostics.join('\n')}`);
        check(
          parsed.valid && result.code === 0,
          `terraform validate of ${displayDir(dir)} failed:\n${diagnostics.join('\n') || output(result)}`,
        );
      },
      TIMEOUT,
    );
  });

  describe.each(SUITES.map((suite) => [suite.name, suite] as const))('terraform test of %s', (_name, suite) => {
    const where = `${displayDir(suite.dir)}/${suite.testDirectory}`;

    it(`${where} holds test files (an empty test directory would pass vacuously)`, () => {
      const files = testFilesIn(join(SOURCE, suite.dir, suite.testDirectory));
      check(files.length > 0, `${where} holds no *.tftest.hcl: terraform test would report "0 passed" and succeed.`);
    });

    it(
      'passes every run of every file',
      async () => {
        const pending = testRuns.get(suite);
        check(pending !== undefined, `${where} holds no test files (see the test above)`);
        const result = await pending!;
        if (result.args[0] === 'init') throw new Error(`terraform init -test-directory=${suite.testDirectory} failed:\n${output(result)}`);
        const report = parseTestJson(result.stdout);
        const expected = testFilesIn(join(tf.root, suite.dir, suite.testDirectory)).map((f) => `${suite.testDirectory}/${f}`);
        const problems: string[] = [];
        if (result.code !== 0) problems.push(`terraform test exited ${result.code}`);
        if (report.summary?.status !== 'pass') problems.push(`summary status is ${report.summary?.status ?? 'missing'}`);
        for (const file of expected) if (!(file in report.files)) problems.push(`${file} was not loaded`);
        const notPassed = report.runs.filter((r) => r.status !== 'pass');
        for (const r of notPassed) problems.push(`${r.file} run "${r.run}": ${r.status}`);
        for (const [file, runs] of Object.entries(report.files))
          for (const run of runs)
            if (!report.runs.some((r) => r.file === file && r.run === run)) problems.push(`${file} run "${run}" never finished`);
        if (report.runs.length === 0) problems.push('no run block ran');
        check(
          problems.length === 0,
          `terraform test of ${where} failed:\n  - ${problems.join('\n  - ')}\n\n${describeTestReport(report)}\n${result.stderr.trim()}\n` +
            `(rerun: terraform -chdir=${displayDir(suite.dir)} test -test-directory=${suite.testDirectory} ${suite.args.join(' ')})`,
        );
      },
      TIMEOUT,
    );
  });
});
