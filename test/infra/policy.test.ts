// Policy checks in the spirit of Checkov, written as our own tests and run
// over both the Terraform (parsed statically, every module and the bootstrap)
// and the CDK templates (dev, prod, and dev with the optional bastion).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack } from '../../cdk/stack';
import { App, Template } from '../../cdk/testing';
import { loadAll, loadTfvars, resolveTf, TERRAFORM_ROOT, type TfModule } from '../support/terraform';
import { cdkListeners, signInViolations, tfListeners } from './listeners';

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
  // `*` never. `s3:*` only on bucket ARNs (bucket configuration, as the bootstrap's Terraform role
  // needs): on objects or on `*` it would read evidence. Service wildcards such as `ec2:*` are the
  // Terraform roles' documented exception (terraform/bootstrap/README.md), pinned to the region.
  const objectsOrAll = (resources: unknown) =>
    asArray<unknown>(resources as unknown[]).some((r) => r === '*' || JSON.stringify(r).includes('/'));
  const wild = (actions: unknown, resources?: unknown) =>
    asArray<string>(actions as string[]).filter((a) => a === '*' || (a === 's3:*' && objectsOrAll(resources)));

  it('Terraform', () => {
    const bad: string[] = [];
    for (const m of modules) {
      for (const [doc, body] of Object.entries((m.data.aws_iam_policy_document ?? {}) as Record<string, Json>)) {
        for (const s of asArray<Json>(body.statement)) {
          if ((s.effect ?? 'Allow') === 'Deny') continue;
          const w = wild(s.actions, s.resources);
          if (w.length) bad.push(`${m.name}: data.aws_iam_policy_document.${doc} ${s.sid ?? ''} allows ${w.join(',')}`);
        }
      }
    }
    expect(bad, 'Terraform Allow statements with wildcard actions').toEqual([]);
    // Every policy is a policy document we just checked (a jsonencode'd one would escape the check).
    for (const type of ['aws_iam_role_policy', 'aws_iam_policy', 'aws_iam_user_policy', 'aws_iam_group_policy']) {
      for (const [where, p] of tfAll(type))
        expect(String(p.policy), `${where} policy`).toMatch(/^\$\{data\.aws_iam_policy_document\.\w+(\[(0|each\.key)\])?\.json\}$/);
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
    // No variable lets a role be handed extra managed policies any more (the deploy role is gone).
    const root = modules.find((m) => m.name === '.')!;
    expect(Object.keys(root.variable).filter((v) => /policy_arns?$/.test(v))).toEqual([]);
  });

  it('CDK', () => {
    const bad: string[] = [];
    const check = (where: string, doc: Json | undefined) => {
      for (const s of asArray<Json>(doc?.Statement)) {
        if (s.Effect === 'Deny') continue;
        const w = wild(s.Action, s.Resource);
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

// ---------------------------------------------------------------- sign-in at the load balancer

/**
 * Where the OIDC client secret comes from, as violations: the listener's
 * client_secret is read from Secrets Manager or SSM (data sources keyed by an
 * `_arn` variable); no variable or .tfvars entry holds a secret itself.
 */
function tfSecretViolations(mods: TfModule[], tfvars: Record<string, Record<string, unknown>>): string[] {
  const bad: string[] = [];
  const SECRET_NAME = /(^|_)(secret|client_secret|password|token)$/i;
  for (const m of mods) {
    for (const [name, v] of Object.entries(m.variable)) {
      if (SECRET_NAME.test(name)) bad.push(`${m.name}: var.${name} would hold a secret (pass the ARN of where it is kept)`);
      if (v.sensitive === true) bad.push(`${m.name}: var.${name} is sensitive: secrets come by ARN from Secrets Manager or SSM`);
    }
    const actions = [
      ...Object.values((m.resource.aws_lb_listener ?? {}) as Record<string, Json>).flatMap((l) => asArray<Json>(l.default_action)),
      ...Object.values((m.resource.aws_lb_listener_rule ?? {}) as Record<string, Json>).flatMap((r) => asArray<Json>(r.action)),
    ];
    for (const oidc of actions.flatMap((a) => asArray<Json>(a.authenticate_oidc))) {
      const written = String(oidc.client_secret);
      const local = /^\$\{local\.(\w+)\}$/.exec(written);
      const expression = local ? String(m.locals[local[1]!] ?? '') : written;
      const reads = [...expression.matchAll(/\bdata\.(aws_secretsmanager_secret_version|aws_ssm_parameter)\.(\w+)/g)];
      if (!/^\$\{/.test(written)) bad.push(`${m.name}: authenticate_oidc client_secret is a literal`);
      else if (/\bvar\./.test(expression)) bad.push(`${m.name}: authenticate_oidc client_secret comes from a variable`);
      else if (reads.length === 0) bad.push(`${m.name}: authenticate_oidc client_secret is not read from Secrets Manager or SSM`);
      for (const [, type, name] of reads) {
        const source = (m.data[type!]?.[name!] ?? {}) as Json;
        const id = type === 'aws_ssm_parameter' ? source.name : source.secret_id;
        if (!/^\$\{var\.\w+_arn\}$/.test(String(id)))
          bad.push(`${m.name}: data.${type}.${name} reads ${JSON.stringify(id)}, not an _arn variable`);
        if (type === 'aws_ssm_parameter' && source.with_decryption !== true) bad.push(`${m.name}: data.${type}.${name} without decryption`);
      }
    }
  }
  for (const [file, vars] of Object.entries(tfvars)) {
    for (const [key, value] of Object.entries(vars)) {
      if (SECRET_NAME.test(key)) bad.push(`${file}: ${key} holds a secret in a variable file`);
      if (/secret_arn$/.test(key) && !/^arn:aws[a-z-]*:(secretsmanager|ssm):/.test(String(value)))
        bad.push(`${file}: ${key} is not a Secrets Manager or SSM ARN`);
    }
  }
  return bad;
}

function cdkSecretViolations(resources: Json, label: string): string[] {
  const bad: string[] = [];
  for (const l of cdkListeners(resources, label)) {
    for (const a of [...l.defaultActions, ...l.rules.flatMap((r) => r.actions)]) {
      if (a.oidc && !/^\{\{resolve:(secretsmanager|ssm-secure):[^}]+\}\}$/.test(String(a.oidc.clientSecret)))
        bad.push(`${l.where}: the OIDC client secret is not a Secrets Manager or SSM dynamic reference`);
    }
  }
  return bad;
}

describe('browsers sign in at the load balancer; tokens and /health go straight to the tasks; /metrics stays inside', () => {
  it('Terraform (dev.tfvars and prod.tfvars)', () => {
    for (const vars of [devVars, prodVars]) expect(signInViolations(tfListeners(modules, vars)), 'Terraform listeners').toEqual([]);
    expect(tfListeners(modules, devVars).map((l) => `${l.port}/${l.protocol}`)).toEqual(['80/HTTP', '443/HTTPS']);
  });

  it('CDK (dev, prod, dev+bastion)', () => {
    for (const [label, resources] of Object.entries(templates)) {
      expect(signInViolations(cdkListeners(resources, label)), `CDK ${label} listeners`).toEqual([]);
      expect(cdkListeners(resources).length, `CDK ${label} listeners`).toBe(2);
    }
  });

  it('the client secret is read from Secrets Manager or SSM, never a variable or a tfvars value', () => {
    expect(tfSecretViolations(modules, { 'dev.tfvars': devVars, 'prod.tfvars': prodVars }), 'Terraform').toEqual([]);
    for (const [label, resources] of Object.entries(templates)) expect(cdkSecretViolations(resources, label), `CDK ${label}`).toEqual([]);
  });

  // The checks above are only worth something if they fail: each way of getting it wrong, applied to a copy.
  describe('the checks refuse each way of getting it wrong', () => {
    const tfWith = (change: (alb: TfModule) => void): TfModule[] => {
      const copy = structuredClone(modules);
      change(copy.find((m) => m.name === 'modules/alb')!);
      return copy;
    };
    const rule = (alb: TfModule, name: string) => alb.resource.aws_lb_listener_rule![name] as Json;
    const https = (alb: TfModule) => alb.resource.aws_lb_listener!.https as Json;
    const violations = (mods: TfModule[]) => signInViolations(tfListeners(mods, devVars)).join('\n');
    type Mutation = (alb: TfModule) => void;
    const mutations: [string, Mutation, RegExp][] = [
      [
        'the HTTPS default action forwards without authentication',
        (alb: TfModule) => (https(alb).default_action = [{ type: 'forward', target_group_arn: '${aws_lb_target_group.this.arn}' }]),
        /default action forwards without signing the browser in/,
      ],
      [
        'the HTTPS default action forwards before it authenticates',
        (alb: TfModule) => {
          const [auth, fwd] = https(alb).default_action as Json[];
          auth!.order = 2;
          fwd!.order = 1;
        },
        /default action forwards without signing the browser in/,
      ],
      [
        'plain HTTP forwards instead of redirecting',
        (alb: TfModule) =>
          (alb.resource.aws_lb_listener!.http!.default_action = [{ type: 'forward', target_group_arn: '${aws_lb_target_group.this.arn}' }]),
        /plain HTTP must only redirect to HTTPS/,
      ],
      [
        'the bearer rule comes after a rule that signs in',
        (alb: TfModule) => {
          alb.resource.aws_lb_listener_rule!.sign_in = {
            listener_arn: '${aws_lb_listener.https.arn}',
            priority: 15,
            action: [
              structuredClone(https(alb).default_action[0]),
              { type: 'forward', order: 2, target_group_arn: '${aws_lb_target_group.this.arn}' },
            ],
            condition: [{ path_pattern: [{ values: ['/*'] }] }],
          };
        },
        /signs in at priority 15, before the bearer rule \(20\)/,
      ],
      [
        'the bearer rule comes before the /metrics block',
        (alb: TfModule) => (rule(alb, 'bearer').priority = 5),
        /aws_lb_listener_rule\.bearer: forwards at priority 5, before \/metrics is blocked/,
      ],
      [
        'no rule keeps /metrics off the internet',
        (alb: TfModule) => delete alb.resource.aws_lb_listener_rule!.metrics,
        /no rule keeps \/metrics off the internet/,
      ],
      [
        'the token rule lets any Authorization header through',
        (alb: TfModule) => (rule(alb, 'bearer').condition[0].http_header[0].values = ['*']),
        /aws_lb_listener_rule\.bearer: forwards without sign-in for http-header Authorization=\*/,
      ],
      [
        'a path forwards without sign-in',
        (alb: TfModule) => (rule(alb, 'health').condition = [{ path_pattern: [{ values: ['/health', '/api/*'] }] }]),
        /aws_lb_listener_rule\.health: forwards without sign-in for path-pattern=\/health,\/api\/\*/,
      ],
    ];
    it.each(mutations)('Terraform: %s', (_what, change, expected) => {
      expect(violations(tfWith(change))).toMatch(expected);
    });

    it('Terraform: a client secret in a variable, or in a tfvars file', () => {
      const mods = tfWith((alb) => {
        alb.variable.oidc_client_secret = { type: 'string', sensitive: true, description: 'the secret' };
        https(alb).default_action[0].authenticate_oidc[0].client_secret = '${var.oidc_client_secret}';
      });
      const found = tfSecretViolations(mods, { 'dev.tfvars': { ...devVars, oidc_client_secret: 'hunter2hunter2hunter2' } }).join('\n');
      expect(found).toMatch(/var\.oidc_client_secret would hold a secret/);
      expect(found).toMatch(/var\.oidc_client_secret is sensitive/);
      expect(found).toMatch(/client_secret comes from a variable/);
      expect(found).toMatch(/dev\.tfvars: oidc_client_secret holds a secret/);
      expect(
        tfSecretViolations(modules, { 'dev.tfvars': { ...devVars, oidc_client_secret_arn: 'hunter2hunter2hunter2' } }).join('\n'),
      ).toMatch(/oidc_client_secret_arn is not a Secrets Manager or SSM ARN/);
      const unkeyed = tfWith((alb) => {
        (alb.data.aws_secretsmanager_secret_version!.oidc_client_secret as Json).secret_id = '${var.name}';
        (alb.data.aws_ssm_parameter!.oidc_client_secret as Json).with_decryption = false;
      });
      const reads = tfSecretViolations(unkeyed, {}).join('\n');
      expect(reads).toMatch(/data\.aws_secretsmanager_secret_version\.oidc_client_secret reads "\$\{var\.name\}", not an _arn variable/);
      expect(reads).toMatch(/data\.aws_ssm_parameter\.oidc_client_secret without decryption/);
    });

    it('CDK: an unauthenticated default action, the bearer rule after /metrics, a plain client secret', () => {
      const copy = structuredClone(templates.dev);
      const listener = Object.values(copy).find(
        (r: Json) => r.Type === 'AWS::ElasticLoadBalancingV2::Listener' && r.Properties.Port === 443,
      ) as Json;
      const bearer = Object.values(copy).find(
        (r: Json) => r.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule' && r.Properties.Conditions[0].Field === 'http-header',
      ) as Json;
      listener.Properties.DefaultActions[0].AuthenticateOidcConfig.ClientSecret = 'hunter2hunter2hunter2';
      expect(cdkSecretViolations(copy, 'dev').join('\n')).toMatch(/client secret is not a Secrets Manager or SSM dynamic reference/);
      bearer.Properties.Priority = 5;
      expect(signInViolations(cdkListeners(copy)).join('\n')).toMatch(/forwards at priority 5, before \/metrics is blocked/);
      listener.Properties.DefaultActions = [listener.Properties.DefaultActions[1]];
      expect(signInViolations(cdkListeners(copy)).join('\n')).toMatch(/default action forwards without signing the browser in/);
    });
  });
});

describe('the tasks verify the ALB-signed identity and accept traffic from the ALB only', () => {
  it('Terraform: AUTH_MODE=alb-oidc, the signer is this load balancer, no unverified headers; 8080 from the ALB group only', () => {
    const ecs = modules.find((m) => m.name === 'modules/ecs')!;
    // The task's environment is the one table (tests/<env>/data.tftest.hcl proves the plan holds exactly it).
    expect(String(ecs.locals.settings), 'modules/ecs reads the table').toBe(
      '${jsondecode(file("${path.module}/container-environment.json")).settings}',
    );
    const table = JSON.parse(readFileSync(join(TERRAFORM_ROOT, 'modules', 'ecs', 'container-environment.json'), 'utf8')).settings as Record<
      string,
      string | { ref: string }
    >;
    const env = new Map(Object.entries(table));
    expect(env.get('AUTH_MODE'), 'AUTH_MODE').toBe('alb-oidc');
    expect(env.get('ALB_OIDC_SIGNER_ARN'), 'ALB_OIDC_SIGNER_ARN').toEqual({ ref: 'alb_arn' });
    expect(String(ecs.locals.required_refs.alb_arn), 'the alb_arn ref').toBe('${var.alb_arn}');
    expect(resolveTf(modules, 'modules/ecs', '${var.alb_arn}', devVars), 'ALB_OIDC_SIGNER_ARN').toBe('${module.alb.arn}');
    expect(env.get('ALLOW_UNVERIFIED_HEADERS') ?? 'false', 'ALLOW_UNVERIFIED_HEADERS').toMatch(/^(false|0)$/);
    expect(env.has('TRUSTED_PROXY_SECRET'), 'TRUSTED_PROXY_SECRET as a plain value').toBe(false);
    const ingress = Object.values((ecs.resource.aws_vpc_security_group_ingress_rule ?? {}) as Record<string, Json>);
    expect(ingress.length, 'app ingress rules').toBeGreaterThan(0);
    for (const r of ingress) {
      expect(r.referenced_security_group_id, 'app ingress source').toBe('${var.alb_security_group_id}');
      expect(r.cidr_ipv4 ?? r.cidr_ipv6, 'app ingress from a CIDR').toBeUndefined();
    }
    const root = modules.find((m) => m.name === '.')!;
    expect(Object.values(root.module).find((c) => c.source === './modules/ecs')?.alb_security_group_id).toBe(
      '${module.alb.security_group_id}',
    );
  });

  it('CDK: the same, in every template', () => {
    for (const [label, resources] of Object.entries(templates)) {
      const td = Object.values(resources).find((r: Json) => r.Type === 'AWS::ECS::TaskDefinition') as Json;
      const env = new Map(asArray<Json>(td.Properties.ContainerDefinitions[0].Environment).map((e) => [e.Name, e.Value]));
      expect(env.get('AUTH_MODE'), `${label} AUTH_MODE`).toBe('alb-oidc');
      expect(resources[(env.get('ALB_OIDC_SIGNER_ARN') as Json)?.Ref]?.Type, `${label} ALB_OIDC_SIGNER_ARN`).toBe(
        'AWS::ElasticLoadBalancingV2::LoadBalancer',
      );
      expect(env.get('ALLOW_UNVERIFIED_HEADERS') ?? 'false', `${label} ALLOW_UNVERIFIED_HEADERS`).toMatch(/^(false|0)$/);
      expect(env.has('TRUSTED_PROXY_SECRET'), `${label} TRUSTED_PROXY_SECRET as a plain value`).toBe(false);
      const appGroup = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::EC2::SecurityGroup' && /AppSecurityGroup/.test(id))![0];
      const albGroup = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::EC2::SecurityGroup' && /AlbSecurityGroup/.test(id))![0];
      const inline = asArray<Json>(resources[appGroup].Properties.SecurityGroupIngress);
      expect(inline, `${label} app group inline ingress`).toEqual([]);
      const ingress = Object.values(resources).filter(
        (r: Json) => r.Type === 'AWS::EC2::SecurityGroupIngress' && r.Properties.GroupId?.['Fn::GetAtt']?.[0] === appGroup,
      ) as Json[];
      expect(ingress.length, `${label} app ingress rules`).toBeGreaterThan(0);
      for (const r of ingress)
        expect(r.Properties.SourceSecurityGroupId?.['Fn::GetAtt']?.[0], `${label} app ingress source`).toBe(albGroup);
    }
  });
});
