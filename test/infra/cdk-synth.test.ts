// `npm run cdk:synth` works offline: no AWS account, no network, no ts-node.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const outdir = mkdtempSync(join(tmpdir(), 'iat-cdk-out-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

it('synthesizes the dev and prod stacks offline from cdk.json context', () => {
  // No credentials or region from the environment: everything comes from cdk.json.
  const env = {
    ...process.env,
    CDK_OUTDIR: outdir,
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_PROFILE: '',
    CDK_CONTEXT_JSON: '',
  };
  delete (env as Record<string, string | undefined>).CDK_CONTEXT_JSON;
  execFileSync(process.execPath, ['cdk/synth.mjs'], { env, stdio: 'pipe', timeout: 120_000 });

  const templates = readdirSync(outdir)
    .filter((f) => f.endsWith('.template.json'))
    .sort();
  expect(templates).toEqual(['ActionTrackerStack-dev.template.json', 'ActionTrackerStack-prod.template.json']);
  for (const file of templates) {
    const template = JSON.parse(readFileSync(join(outdir, file), 'utf8'));
    const types = new Set(Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type));
    for (const type of [
      'AWS::ECS::Service',
      'AWS::RDS::DBInstance',
      'AWS::S3::Bucket',
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::Logs::LogGroup',
    ]) {
      expect(types, `${file} has ${type}`).toContain(type);
    }
  }
}, 150_000);
