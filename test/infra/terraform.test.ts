// What can be proved about the Terraform without a terraform binary: every
// file parses, every module has its parts, every variable is typed,
// described and declared where it is used, every module input exists, and
// the environments' variable files name only real variables.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAll, loadTfvars, referencedVariables, TERRAFORM_ROOT, type TfModule } from '../support/terraform';

const MODULES = ['vpc', 'alb', 'ecs', 'rds', 'iam', 's3', 'cloudwatch', 'bastion'];

let modules: TfModule[];
const byName = (name: string) => modules.find((m) => m.name === name)!;

beforeAll(async () => {
  modules = await loadAll();
});

describe('Terraform, statically', () => {
  it('has the root, the bootstrap and the eight modules', () => {
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

  it.each(['dev', 'prod'])('%s.tfvars sets only variables the root declares, and its backend file names the lock table', async (env) => {
    const vars = await loadTfvars(join(TERRAFORM_ROOT, 'envs', `${env}.tfvars`));
    const root = byName('.');
    expect(Object.keys(vars).filter((k) => !(k in root.variable))).toEqual([]);
    expect(existsSync(join(TERRAFORM_ROOT, 'envs', `${env}.backend.hcl`))).toBe(true);
    const backend = await loadTfvars(join(TERRAFORM_ROOT, 'envs', `${env}.backend.hcl`));
    expect(backend).toMatchObject({
      bucket: expect.any(String),
      key: expect.any(String),
      dynamodb_table: expect.any(String),
      encrypt: true,
    });
  });

  it('keeps state remotely in S3 with a DynamoDB lock', () => {
    const backends = byName('.').files.flatMap((f) =>
      ((f.json?.terraform ?? []) as any[]).flatMap((t) => Object.keys(t.backend?.[0] ?? t.backend ?? {})),
    );
    expect(backends).toContain('s3');
    const bootstrap = byName('bootstrap');
    expect(Object.keys(bootstrap.resource)).toEqual(expect.arrayContaining(['aws_s3_bucket', 'aws_dynamodb_table']));
  });
});
