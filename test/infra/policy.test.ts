// Policy checks in the spirit of Checkov, written as our own tests and run
// over both the Terraform (parsed statically, every module and the bootstrap)
// and the CDK templates (dev, prod, and dev with the optional bastion).
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack } from '../../cdk/stack';
import { loadAll, loadTfvars, resolveTf, TERRAFORM_ROOT, type TfModule } from '../support/terraform';

type Json = Record<string, any>;

let modules: TfModule[];
let prodVars: Record<string, unknown>;
let devVars: Record<string, unknown>;
/** Resources of each synthesized template, by label. */
let templates: Record<'dev' | 'prod' | 'dev+bastion', Json>;

const asArray = <T>(v: T | T[] | undefined | null): T[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const WORLD = ['0.0.0.0/0', '::/0'];

/** Every Terraform resource of a type, across all modules: [where, block]. */
const tfAll = (type: string): [string, Json][] =>
  modules.flatMap((m) =>
    Object.entries(m.resource[type] ?? {}).map(([name, block]) => [`${m.name}: ${type}.${name}`, block as Json] as [string, Json]),
  );
/** Every CDK resource of a type, across all templates: [where, properties]. */
const cdkAll = (type: string): [string, Json][] =>
  Object.entries(templates).flatMap(([label, resources]) =>
    Object.entries(resources)
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => [`${label}: ${id}`, r.Properties ?? {}] as [string, Json]),
  );

beforeAll(async () => {
  modules = await loadAll();
  devVars = await loadTfvars(join(TERRAFORM_ROOT, 'envs', 'dev.tfvars'));
  prodVars = await loadTfvars(join(TERRAFORM_ROOT, 'envs', 'prod.tfvars'));
  const synth = (env: 'dev' | 'prod', enableBastion = false) =>
    Template.fromStack(buildStack(new App(), env, { enableBastion })).toJSON().Resources as Json;
  templates = { dev: synth('dev'), prod: synth('prod'), 'dev+bastion': synth('dev', true) };
}, 180_000);

describe('no ingress from the internet except the ALB on 80/443', () => {
  const albException = (where: string, from: unknown, to: unknown) =>
    (where.startsWith('modules/alb:') || /AlbSecurityGroup/.test(where)) && from === to && (from === 80 || from === 443);

  it('Terraform', () => {
    const open: string[] = [];
    for (const [where, r] of tfAll('aws_vpc_security_group_ingress_rule')) {
      if ((WORLD.includes(r.cidr_ipv4) || WORLD.includes(r.cidr_ipv6)) && !albException(where, r.from_port, r.to_port)) open.push(where);
    }
    for (const [where, r] of tfAll('aws_security_group_rule')) {
      const cidrs = [...asArray<string>(r.cidr_blocks), ...asArray<string>(r.ipv6_cidr_blocks)];
      if (r.type === 'ingress' && cidrs.some((c) => WORLD.includes(c))) open.push(where);
    }
    for (const [where, sg] of tfAll('aws_security_group')) {
      for (const rule of asArray<Json>(sg.ingress)) {
        const cidrs = [...asArray<string>(rule.cidr_blocks), ...asArray<string>(rule.ipv6_cidr_blocks)];
        if (cidrs.some((c) => WORLD.includes(c))) open.push(`${where} (inline ingress)`);
      }
    }
    expect(open, 'Terraform ingress open to the internet').toEqual([]);
    // and the exception really is there, 80 and 443 only
    const alb = tfAll('aws_vpc_security_group_ingress_rule').filter(([, r]) => WORLD.includes(r.cidr_ipv4));
    expect(alb.map(([where, r]) => `${where} ${r.from_port}`).sort(), 'Terraform world-open ingress').toEqual([
      'modules/alb: aws_vpc_security_group_ingress_rule.http 80',
      'modules/alb: aws_vpc_security_group_ingress_rule.https 443',
    ]);
  });

  it('CDK', () => {
    const open: string[] = [];
    for (const [where, sg] of cdkAll('AWS::EC2::SecurityGroup')) {
      for (const r of asArray<Json>(sg.SecurityGroupIngress)) {
        if ((WORLD.includes(r.CidrIp) || WORLD.includes(r.CidrIpv6)) && !albException(where, r.FromPort, r.ToPort))
          open.push(`${where} ${r.FromPort}`);
      }
    }
    for (const [where, r] of cdkAll('AWS::EC2::SecurityGroupIngress')) {
      const group = String(r.GroupId?.['Fn::GetAtt']?.[0] ?? '');
      if ((WORLD.includes(r.CidrIp) || WORLD.includes(r.CidrIpv6)) && !albException(group, r.FromPort, r.ToPort)) open.push(where);
    }
    expect(open, 'CDK ingress open to the internet').toEqual([]);
  });
});

describe('no unencrypted storage', () => {
  it('Terraform', () => {
    for (const [where, db] of tfAll('aws_db_instance')) expect(db.storage_encrypted, `${where} storage_encrypted`).toBe(true);
    const sse = tfAll('aws_s3_bucket_server_side_encryption_configuration');
    for (const m of modules) {
      for (const name of Object.keys(m.resource.aws_s3_bucket ?? {})) {
        const enc = sse.find(([where, c]) => where.startsWith(`${m.name}:`) && c.bucket === `\${aws_s3_bucket.${name}.id}`);
        expect(enc, `${m.name}: aws_s3_bucket.${name} has default encryption`).toBeDefined();
        const alg = resolveTf(modules, m.name, enc![1].rule[0].apply_server_side_encryption_by_default[0].sse_algorithm, devVars);
        expect(['AES256', 'aws:kms', 'aws:kms:dsse'], `${m.name}: aws_s3_bucket.${name} SSE algorithm`).toContain(alg);
      }
    }
    const instances = tfAll('aws_instance');
    expect(instances.length, 'the bastion instance is declared').toBeGreaterThan(0);
    for (const [where, i] of instances) {
      expect(asArray<Json>(i.root_block_device)[0]?.encrypted, `${where} root volume encrypted`).toBe(true);
      for (const d of asArray<Json>(i.ebs_block_device)) expect(d.encrypted, `${where} ebs volume encrypted`).toBe(true);
    }
    for (const [where, v] of tfAll('aws_ebs_volume')) expect(v.encrypted, `${where} encrypted`).toBe(true);
  });

  it('CDK', () => {
    const dbs = cdkAll('AWS::RDS::DBInstance');
    expect(dbs.length).toBeGreaterThan(0);
    for (const [where, db] of dbs) expect(db.StorageEncrypted, `${where} StorageEncrypted`).toBe(true);
    for (const [where, b] of cdkAll('AWS::S3::Bucket')) {
      const alg = b.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.SSEAlgorithm;
      expect(['AES256', 'aws:kms', 'aws:kms:dsse'], `${where} default encryption`).toContain(alg);
    }
    const instances = cdkAll('AWS::EC2::Instance');
    expect(
      instances.map(([w]) => w.split(':')[0]),
      'the bastion is present only when enabled',
    ).toEqual(['dev+bastion']);
    for (const [where, i] of instances) {
      const devices = asArray<Json>(i.BlockDeviceMappings);
      expect(devices.length, `${where} declares its root volume`).toBeGreaterThan(0);
      for (const d of devices) expect(d.Ebs?.Encrypted, `${where} ${d.DeviceName} encrypted`).toBe(true);
    }
    for (const [where, v] of cdkAll('AWS::EC2::Volume')) expect(v.Encrypted, `${where} encrypted`).toBe(true);
  });
});

describe('no public bucket', () => {
  const FLAGS = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];
  const CFN_FLAGS = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'];

  it('Terraform', () => {
    const blocks = tfAll('aws_s3_bucket_public_access_block');
    let buckets = 0;
    for (const m of modules) {
      for (const [name, bucket] of Object.entries(m.resource.aws_s3_bucket ?? {}) as [string, Json][]) {
        buckets++;
        const where = `${m.name}: aws_s3_bucket.${name}`;
        const pab = blocks.find(([w, b]) => w.startsWith(`${m.name}:`) && b.bucket === `\${aws_s3_bucket.${name}.id}`)?.[1];
        expect(pab, `${where} public access block`).toBeDefined();
        for (const flag of FLAGS) expect(pab![flag], `${where} ${flag}`).toBe(true);
        expect(String(bucket.acl ?? 'private'), `${where} acl`).not.toMatch(/public/);
      }
    }
    expect(buckets, 'buckets checked (evidence + state)').toBeGreaterThanOrEqual(2);
    for (const [where, acl] of tfAll('aws_s3_bucket_acl')) expect(String(acl.acl), `${where} acl`).not.toMatch(/public|authenticated/);
    for (const [where, o] of tfAll('aws_s3_bucket_ownership_controls')) {
      expect(o.rule[0].object_ownership, `${where} object ownership (ACLs off)`).toBe('BucketOwnerEnforced');
    }
  });

  it('CDK', () => {
    const buckets = cdkAll('AWS::S3::Bucket');
    expect(buckets.length).toBeGreaterThan(0);
    for (const [where, b] of buckets) {
      for (const flag of CFN_FLAGS) expect(b.PublicAccessBlockConfiguration?.[flag], `${where} ${flag}`).toBe(true);
      expect(String(b.AccessControl ?? 'Private'), `${where} AccessControl`).not.toMatch(/Public|Authenticated/);
    }
    for (const [where, p] of cdkAll('AWS::S3::BucketPolicy')) {
      const publicAllow = asArray<Json>(p.PolicyDocument?.Statement).filter(
        (s) => s.Effect === 'Allow' && (s.Principal === '*' || asArray(s.Principal?.AWS).includes('*')),
      );
      expect(publicAllow, `${where} allows the world`).toEqual([]);
    }
  });
});

describe('no wildcard IAM actions, no AdministratorAccess', () => {
  const wild = (actions: unknown) => asArray<string>(actions as string[]).filter((a) => a === '*' || a === 's3:*');

  it('Terraform', () => {
    const bad: string[] = [];
    for (const m of modules) {
      for (const [doc, body] of Object.entries((m.data.aws_iam_policy_document ?? {}) as Record<string, Json>)) {
        for (const s of asArray<Json>(body.statement)) {
          if ((s.effect ?? 'Allow') === 'Deny') continue;
          const w = wild(s.actions);
          if (w.length) bad.push(`${m.name}: data.aws_iam_policy_document.${doc} ${s.sid ?? ''} allows ${w.join(',')}`);
        }
      }
    }
    expect(bad, 'Terraform Allow statements with wildcard actions').toEqual([]);
    // Every policy is a policy document we just checked (a jsonencode'd one would escape the check).
    for (const type of ['aws_iam_role_policy', 'aws_iam_policy', 'aws_iam_user_policy', 'aws_iam_group_policy']) {
      for (const [where, p] of tfAll(type))
        expect(String(p.policy), `${where} policy`).toMatch(/^\$\{data\.aws_iam_policy_document\.\w+\.json\}$/);
    }
    for (const [where, r] of tfAll('aws_iam_role')) expect(r.inline_policy, `${where} inline_policy`).toBeUndefined();
    for (const type of [
      'aws_iam_role_policy_attachment',
      'aws_iam_policy_attachment',
      'aws_iam_user_policy_attachment',
      'aws_iam_group_policy_attachment',
    ]) {
      for (const [where, a] of tfAll(type)) expect(String(a.policy_arn), `${where} policy_arn`).not.toMatch(/AdministratorAccess/);
    }
    for (const [where, r] of tfAll('aws_iam_role'))
      expect(JSON.stringify(r.managed_policy_arns ?? []), `${where} managed_policy_arns`).not.toMatch(/AdministratorAccess/);
    // the deploy role's extra attachments come from a variable: neither its default nor an env file may name it
    const root = modules.find((m) => m.name === '.')!;
    expect(
      JSON.stringify(root.variable.deploy_role_additional_policy_arns?.default ?? []),
      'default deploy_role_additional_policy_arns',
    ).not.toMatch(/AdministratorAccess/);
    for (const [env, vars] of [
      ['dev', devVars],
      ['prod', prodVars],
    ] as const) {
      expect(JSON.stringify(vars.deploy_role_additional_policy_arns ?? []), `${env}.tfvars deploy_role_additional_policy_arns`).not.toMatch(
        /AdministratorAccess/,
      );
    }
  });

  it('CDK', () => {
    const bad: string[] = [];
    const check = (where: string, doc: Json | undefined) => {
      for (const s of asArray<Json>(doc?.Statement)) {
        if (s.Effect === 'Deny') continue;
        const w = wild(s.Action);
        if (w.length) bad.push(`${where} ${s.Sid ?? ''} allows ${w.join(',')}`);
      }
    };
    const roles = cdkAll('AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(0);
    for (const [where, role] of roles) {
      for (const p of asArray<Json>(role.Policies)) check(`${where}/${p.PolicyName}`, p.PolicyDocument);
      expect(JSON.stringify(role.ManagedPolicyArns ?? []), `${where} ManagedPolicyArns`).not.toMatch(/AdministratorAccess/);
    }
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
      for (const [where, p] of cdkAll(type)) check(where, p.PolicyDocument);
    }
    for (const type of ['AWS::IAM::User', 'AWS::IAM::Group']) {
      for (const [where, p] of cdkAll(type))
        expect(JSON.stringify(p.ManagedPolicyArns ?? []), `${where} ManagedPolicyArns`).not.toMatch(/AdministratorAccess/);
    }
    expect(bad, 'CDK Allow statements with wildcard actions').toEqual([]);
  });
});

describe('RDS not publicly accessible', () => {
  it('Terraform', () => {
    const dbs = tfAll('aws_db_instance');
    expect(dbs.length).toBeGreaterThan(0);
    for (const [where, db] of dbs) expect(db.publicly_accessible, `${where} publicly_accessible`).toBe(false);
  });

  it('CDK', () => {
    const dbs = cdkAll('AWS::RDS::DBInstance');
    expect(dbs.length).toBeGreaterThan(0);
    for (const [where, db] of dbs) expect(db.PubliclyAccessible, `${where} PubliclyAccessible`).toBe(false);
  });
});

describe('prod: deletion protection and multi-AZ on', () => {
  it('Terraform: prod.tfvars sets them, and they reach aws_db_instance', () => {
    expect(prodVars.deletion_protection, 'prod.tfvars deletion_protection').toBe(true);
    expect(prodVars.multi_az, 'prod.tfvars multi_az').toBe(true);
    const db = tfAll('aws_db_instance').find(([where]) => where.startsWith('modules/rds:'))![1];
    expect(resolveTf(modules, 'modules/rds', db.deletion_protection, prodVars), 'prod aws_db_instance deletion_protection').toBe(true);
    expect(resolveTf(modules, 'modules/rds', db.multi_az, prodVars), 'prod aws_db_instance multi_az').toBe(true);
  });

  it('CDK: the prod stack database', () => {
    const dbs = Object.values(templates.prod).filter((r) => r.Type === 'AWS::RDS::DBInstance');
    expect(dbs.length, 'prod DB instances').toBe(1);
    expect(dbs[0].Properties.DeletionProtection, 'prod DeletionProtection').toBe(true);
    expect(dbs[0].Properties.MultiAZ, 'prod MultiAZ').toBe(true);
  });
});
