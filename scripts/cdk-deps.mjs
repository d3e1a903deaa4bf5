// The CDK twin (cdk/) is a package of its own: aws-cdk-lib, constructs and
// cdk-nag (~190 MB) install into cdk/node_modules, never with the service.
// What needs them (the typecheck of cdk/, npm run cdk:synth, the test/infra
// suites that import cdk/) calls this first: it installs them from
// cdk/package-lock.json when cdk/node_modules is missing or out of date, says
// so loudly, and fails with the command to run when it cannot.
//
//   node scripts/cdk-deps.mjs            install if needed (exit 1 when that fails)
//   node scripts/cdk-deps.mjs --check    only say whether they are installed (exit 1 if not)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CDK_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'cdk');
export const INSTALL_COMMAND = 'npm ci --prefix cdk';

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** What is wrong with cdk/node_modules, or undefined when it holds what cdk/package-lock.json names. */
export function cdkDepsProblem(dir = CDK_DIR) {
  const lock = readJson(join(dir, 'package-lock.json'));
  const wanted = Object.keys(readJson(join(dir, 'package.json')).dependencies ?? {});
  for (const name of wanted) {
    const version = lock.packages?.[`node_modules/${name}`]?.version;
    if (!version) return `cdk/package-lock.json lacks ${name}: run npm install --prefix cdk`;
    const installed = join(dir, 'node_modules', name, 'package.json');
    if (!existsSync(installed)) return `cdk/node_modules has no ${name}`;
    const found = readJson(installed).version;
    if (found !== version) return `cdk/node_modules has ${name} ${found}, the lock says ${version}`;
  }
  return undefined;
}

/** Installs the CDK app's packages when needed; throws with the command to run when that fails. */
export function ensureCdkDeps({ dir = CDK_DIR, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const problem = cdkDepsProblem(dir);
  if (!problem) return false;
  log(`== the CDK app's packages are not installed (${problem}): ${INSTALL_COMMAND}`);
  const started = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
  const still = run.status === 0 ? cdkDepsProblem(dir) : undefined;
  if (run.status !== 0 || still) {
    const why = run.error ? run.error.message : (still ?? `npm exited with ${run.status}`);
    throw new Error(`installing the CDK app's packages failed (${why}); run \`${INSTALL_COMMAND}\` from the repository root`);
  }
  log(`== the CDK app's packages are installed in cdk/node_modules (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--check')) {
    const problem = cdkDepsProblem();
    process.stderr.write(problem ? `${problem}: run ${INSTALL_COMMAND}\n` : 'the CDK app’s packages are installed\n');
    process.exit(problem ? 1 : 0);
  }
  try {
    ensureCdkDeps();
  } catch (error) {
    process.stderr.write(`!!! ${error.message}\n`);
    process.exit(1);
  }
}
