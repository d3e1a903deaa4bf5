// Runs the CDK app offline, without ts-node (TypeScript 6 has none):
// esbuild bundles cdk/app.ts (aws-cdk-lib, constructs and other packages stay
// external) into cdk/node_modules/.cache/cdk-app/app.mjs, where node resolves
// the CDK's packages from cdk/node_modules (the CDK app is a package of its
// own: scripts/cdk-deps.mjs installs it when it is missing) and the rest from
// the repository's node_modules, and node runs it. The app's App() then
// synthesizes into cdk.out/.
//
// Under the CDK CLI (`npx cdk synth`, cdk.json "app"), CDK_OUTDIR and
// CDK_CONTEXT_JSON are already set and passed through. Run directly
// (`npm run cdk:synth [-- -c key=value ...]`), this script sets them from
// cdk.json's context plus any `-c key=value` arguments.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCdkDeps } from '../scripts/cdk-deps.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const started = performance.now();
ensureCdkDeps();

const env = { ...process.env };
if (!env.CDK_CONTEXT_JSON) {
  const context = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context ?? {};
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] === '-c' || args[i] === '--context' ? args[++i] : args[i]?.replace(/^(-c|--context)=/, '');
    const eq = arg?.indexOf('=') ?? -1;
    if (!arg || eq < 1) throw new Error(`expected -c key=value, got ${JSON.stringify(args[i])}`);
    context[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  env.CDK_CONTEXT_JSON = JSON.stringify(context);
}
env.CDK_OUTDIR ??= join(root, 'cdk.out');

const outdir = join(root, 'cdk', 'node_modules', '.cache', 'cdk-app');
mkdirSync(outdir, { recursive: true });
const outfile = join(outdir, 'app.mjs');
await build({
  entryPoints: [join(root, 'cdk', 'app.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});

const run = spawnSync(process.execPath, ['--enable-source-maps', outfile], { cwd: root, env, stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);

const stacks = readdirSync(env.CDK_OUTDIR).filter((f) => f.endsWith('.template.json'));
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.error(`cdk:synth: ${stacks.join(', ')} in ${env.CDK_OUTDIR} (${seconds} s)`);
