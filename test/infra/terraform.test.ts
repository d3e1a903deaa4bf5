// What can be read from the Terraform without running it: every file parses,
// every module has its parts, every variable is typed, described and declared
// where it is used, every module input exists, the environments' variable
// files name only real variables, and state is kept in S3 with S3-native
// locking. Real fmt, validate and test run in terraform-cli.test.ts.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAll, loadTfvars, referencedVariables, TERRAFORM_ROOT, type TfModule } from '../support/terraform';

const MODULES = ['vpc', 'alb', 'ecs', 'rds', 'iam', 's3', 'logs', 'cloudwatch', 'bastion'];

let modules: TfModule[];
const byName = (name: string) => modules.find((m) => m.name === name)!;

beforeAll(async () => {
  modules = await loadAll();
});

describe('Terraform, statically', () => {
  it('has the root, the bootstrap and the nine modules', () => {
    expect(modules.map((m) => m.name).sort()).toEqual(['.', 'bootstrap', ...MODULES.map((m) => `modules/${m}`)].sort());
  });

  it('parses every .tf file', () => {
    const errors = modules.flatMap((m) => m.files.filter((f) => f.error).map((f) => `${f.path}: ${f.error}`));
    expect(errors).toEqual([]);
  });

  it('gives every module main.tf, variables.tf, outputs.tf, versions.tf and a README', () => {
    for (const m of modules) {
      const present = readdirSync(m.dir);
      for (const file of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'README.md']) {
        expect(present, `${m.name} lacks ${file}`).toContain(file);
      }
    }
  });

  it('gives every variable a type and a description', () => {
    const lacking = modules.flatMap((m) =>
      Object.entries(m.variable)
        .filter(([, v]) => !v.type || !(typeof v.description === 'string' && v.description.trim().length > 0))
        .map(([name]) => `${m.name}: var.${name}`),
    );
    expect(lacking).toEqual([]);
  });

  it('uses no variable it does not declare', () => {
    const undeclared = modules.flatMap((m) => {
      const used = referencedVariables(m.files.map((f) => f.json));
      return [...used].filter((name) => !(name in m.variable)).map((name) => `${m.name}: var.${name}`);
    });
    expect(undeclared).toEqual([]);
  });

  it('passes each module only inputs it declares, and every input it requires', () => {
    const problems: string[] = [];
    for (const parent of modules) {
      for (const [call, block] of Object.entries(parent.module)) {
        const target = modules.find((m) => m.dir === resolve(parent.dir, String(block.source)));
        if (!target) {
          problems.push(`${parent.name}: module.${call} has no module at ${block.source}`);
          continue;
        }
        const META = new Set(['source', 'version', 'providers', 'depends_on', 'count', 'for_each']);
        for (const input of Object.keys(block)) {
          if (!META.has(input) && !(input in target.variable))
            problems.push(`${parent.name}: module.${call} passes ${input}, which ${target.name} does not declare`);
        }
        for (const [name, v] of Object.entries(target.variable)) {
          if (!('default' in v) && !(name in block)) problems.push(`${parent.name}: module.${call} does not pass required ${name}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(['dev', 'prod'])('%s.tfvars sets only variables the root declares', async (env) => {
    const vars = await loadTfvars(join(TERRAFORM_ROOT, 'envs', `${env}.tfvars`));
    const root = byName('.');
    expect(Object.keys(vars).filter((k) => !(k in root.variable))).toEqual([]);
    expect(vars.env).toBe(env);
  });

  // S3-native locking (the .tflock object beside the state): the lock lives
  // under the env's key prefix, so the env's Terraform role needs no other store.
  it.each(['dev', 'prod'])('%s.backend.hcl keeps the state at <name>/<env>/ in S3, encrypted, locked with use_lockfile', async (env) => {
    const path = join(TERRAFORM_ROOT, 'envs', `${env}.backend.hcl`);
    expect(existsSync(path)).toBe(true);
    const backend = await loadTfvars(path);
    const vars = await loadTfvars(join(TERRAFORM_ROOT, 'envs', `${env}.tfvars`));
    expect(backend).toMatchObject({
      bucket: expect.any(String),
      key: `${vars.name}/${env}/terraform.tfstate`,
      region: expect.any(String),
      encrypt: true,
      use_lockfile: true,
    });
    expect(backend).not.toHaveProperty('dynamodb_table');
  });

  it('keeps state remotely in S3; the bootstrap makes the bucket and no DynamoDB lock table', () => {
    const backends = byName('.').files.flatMap((f) =>
      ((f.json?.terraform ?? []) as any[]).flatMap((t) => Object.keys(t.backend?.[0] ?? t.backend ?? {})),
    );
    expect(backends).toEqual(['s3']);
    const bootstrap = byName('bootstrap');
    expect(Object.keys(bootstrap.resource)).toContain('aws_s3_bucket');
    expect(Object.keys(bootstrap.resource)).not.toContain('aws_dynamodb_table');
  });

  it('uses no provider but hashicorp/aws (the mirror holds only that one)', () => {
    const providers = modules.flatMap((m) =>
      m.files.flatMap((f) =>
        ((f.json?.terraform ?? []) as any[]).flatMap((t) =>
          ((t.required_providers ?? []) as Record<string, any>[]).flatMap((rp) =>
            Object.entries(rp).map(([name, spec]) => `${m.name}: ${name} = ${typeof spec === 'string' ? spec : spec.source}`),
          ),
        ),
      ),
    );
    expect(providers.filter((p) => !p.endsWith('= hashicorp/aws'))).toEqual([]);
    const resources = modules.flatMap((m) =>
      Object.keys(m.resource)
        .filter((t) => !t.startsWith('aws_'))
        .map((t) => `${m.name}: ${t}`),
    );
    expect(resources).toEqual([]);
  });
});
