// The CDK app: one stack per environment plus the bootstrap stack (the twin of
// terraform/bootstrap). Which environments come from the context: `-c env=dev`
// (or prod) for one, otherwise every one listed in cdk.json's `envs`. Run it
// with `npm run cdk:synth` (cdk/synth.mjs bundles this file with esbuild; no
// ts-node) or `npx cdk synth` with the CDK CLI, which reads cdk.json's "app"
// and runs the same runner.
import { App } from 'aws-cdk-lib';
import { buildBootstrapStack } from './bootstrap';
import { buildStack, DEPLOY_ENVS, type DeployEnv } from './stack';

const app = new App();

const requested: unknown = app.node.tryGetContext('env') ?? app.node.tryGetContext('envs') ?? DEPLOY_ENVS;
const envs = (Array.isArray(requested) ? requested : String(requested).split(',')).map((e) => String(e).trim());
for (const env of envs) {
  if (!(DEPLOY_ENVS as readonly string[]).includes(env)) {
    throw new Error(`unknown env ${JSON.stringify(env)}: expected one of ${DEPLOY_ENVS.join(', ')}`);
  }
  buildStack(app, env as DeployEnv);
}
buildBootstrapStack(app);

const assembly = app.synth();
// Synth does not print annotations (the CDK CLI does): print them here, and
// fail on errors as `cdk synth` would.
let errors = 0;
for (const stack of assembly.stacks) {
  for (const message of stack.messages) {
    if (message.level === 'error') errors++;
    console.error(`[${message.level}] ${message.id}: ${String(message.entry.data)}`);
  }
}
if (errors > 0) process.exitCode = 1;
