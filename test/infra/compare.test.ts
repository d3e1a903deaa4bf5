// The CDK stack and the Terraform describe the same deployment: this suite
// reads both (CDK synthesized offline, Terraform parsed statically with the
// dev.tfvars values) and compares them property by property. Every assertion
// names the property, so a mismatch reads "<property>: expected <CDK> to be <TF>"
// style, with both values in the message.
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack } from '../../cdk/stack';
import { SETTINGS } from '../../lib/config';
import { loadAll, loadTfvars, moduleCall, resolveTf, TERRAFORM_ROOT, type TfModule } from '../support/terraform';

type Json = Record<string, any>;

let modules: TfModule[];
let devVars: Record<string, unknown>;
let cdk: Json; // Resources of the dev template

const mod = (name: string) => {
  const found = modules.find((m) => m.name === name);
  if (!found) throw new Error(`no Terraform module ${name}`);
  return found;
};
const tfRes = (name: string, type: string, key = 'this'): Json => {
  const block = mod(name).resource[type]?.[key];
  if (!block) throw new Error(`${name}: no ${type}.${key}`);
  return block;
};
/** A module attribute with simple `${var.x}` resolved against dev.tfvars. */
const tf = (name: string, value: unknown) => resolveTf(modules, name, value, devVars);
const cfn = (logicalId: string): Json => {
  const r = cdk[logicalId];
  if (!r) throw new Error(`CDK template has no ${logicalId}`);
  return r.Properties ?? {};
};
const ofType = (type: string): [string, Json][] =>
  Object.entries(cdk)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

beforeAll(async () => {
  modules = await loadAll();
  devVars = await loadTfvars(join(TERRAFORM_ROOT, 'envs', 'dev.tfvars'));
  cdk = Template.fromStack(buildStack(new App(), 'dev')).toJSON().Resources;
}, 120_000);

describe('CDK (dev) vs Terraform (dev.tfvars): load balancer and container', () => {
  it('container port and target-group port', () => {
    const td = tfRes('modules/ecs', 'aws_ecs_task_definition');
    const tfContainerPort = Number(/containerPort\s*=\s*(\d+)/.exec(String(td.container_definitions))?.[1]);
    const cdkContainer = cfn('TaskDefinitionB36D86D9').ContainerDefinitions[0];
    expect(cdkContainer.Name, 'container name').toBe('app');
    expect(tfContainerPort, 'container port').toBe(cdkContainer.PortMappings[0].ContainerPort);
    expect(tfContainerPort, 'container port (SPEC)').toBe(8080);

    const service = tfRes('modules/ecs', 'aws_ecs_service');
    expect(service.load_balancer[0].container_port, 'service load_balancer container_port').toBe(tfContainerPort);

    const tg = tfRes('modules/alb', 'aws_lb_target_group');
    expect(tg.port, 'target-group port').toBe(cfn('TargetGroup3D7CD9B8').Port);
    expect(tg.port, 'target-group port = container port').toBe(tfContainerPort);
  });

  it('health-check path and matcher', () => {
    const hc = tfRes('modules/alb', 'aws_lb_target_group').health_check[0];
    const cdkTg = cfn('TargetGroup3D7CD9B8');
    expect(hc.path, 'health-check path').toBe(cdkTg.HealthCheckPath);
    expect(hc.matcher, 'health-check matcher').toBe(cdkTg.Matcher.HttpCode);
    expect(hc.path, 'health-check path (SPEC)').toBe('/health');
    expect(hc.matcher, 'health-check matcher (SPEC)').toBe('200');
  });

  it('ALB idle timeout', () => {
    const tfIdle = tfRes('modules/alb', 'aws_lb').idle_timeout;
    const attr = asArray<Json>(cfn('LoadBalancerBE9EEC3A').LoadBalancerAttributes).find((a) => a.Key === 'idle_timeout.timeout_seconds');
    expect(tfIdle, 'ALB idle timeout').toBe(Number(attr?.Value));
    expect(tfIdle, 'ALB idle timeout (SPEC, = ALB_IDLE_TIMEOUT_S)').toBe(60);
  });

  it('deregistration delay', () => {
    const tfDelay = tfRes('modules/alb', 'aws_lb_target_group').deregistration_delay;
    const attr = asArray<Json>(cfn('TargetGroup3D7CD9B8').TargetGroupAttributes).find(
      (a) => a.Key === 'deregistration_delay.timeout_seconds',
    );
    expect(tfDelay, 'deregistration delay').toBe(Number(attr?.Value));
    expect(tfDelay, 'deregistration delay (SPEC)').toBe(30);
  });
});

// ---------------------------------------------------------------- security groups

interface Rule {
  sg: string;
  dir: 'ingress' | 'egress';
  proto: string;
  from?: number;
  to?: number;
  peer: string;
}
const ruleKey = (r: Rule) => `${r.sg} ${r.dir} ${r.proto} ${r.from ?? '*'}-${r.to ?? '*'} ${r.peer}`;

const TF_SG_OF_MODULE: Record<string, string> = { 'modules/alb': 'alb', 'modules/ecs': 'app', 'modules/rds': 'db' };
const CDK_SG: Record<string, string> = {
  AlbSecurityGroup86A59E99: 'alb',
  AppSecurityGroupC396D536: 'app',
  DbSecurityGroupE9D701AD: 'db',
};

function tfRules(): string[] {
  const rules: Rule[] = [];
  for (const [name, sg] of Object.entries(TF_SG_OF_MODULE)) {
    for (const dir of ['ingress', 'egress'] as const) {
      for (const r of Object.values(mod(name).resource[`aws_vpc_security_group_${dir}_rule`] ?? {}) as Json[]) {
        expect(r.security_group_id, `${name} ${dir} rule attaches to its own SG`).toBe('${aws_security_group.this.id}');
        let peer = r.cidr_ipv4 ?? r.cidr_ipv6;
        if (r.referenced_security_group_id) {
          const passed = String(tf(name, r.referenced_security_group_id));
          const from = /module\.(\w+)\.security_group_id/.exec(passed)?.[1];
          peer = `sg:${TF_SG_OF_MODULE[`modules/${from}`] ?? passed}`;
        }
        rules.push({ sg, dir, proto: String(r.ip_protocol), from: r.from_port, to: r.to_port, peer: String(peer) });
      }
    }
  }
  return rules.map(ruleKey).sort();
}

function cdkRules(): string[] {
  const rules: Rule[] = [];
  const sgName = (ref: unknown): string => {
    const id = (ref as Json)?.['Fn::GetAtt']?.[0];
    return CDK_SG[id] ?? JSON.stringify(ref);
  };
  const proto = (p: unknown) => String(p);
  const ports = (r: Json) => (proto(r.IpProtocol) === '-1' ? {} : { from: r.FromPort, to: r.ToPort });
  for (const [id, sg] of Object.entries(CDK_SG)) {
    const props = cfn(id);
    for (const r of asArray<Json>(props.SecurityGroupIngress)) {
      rules.push({
        sg,
        dir: 'ingress',
        proto: proto(r.IpProtocol),
        ...ports(r),
        peer: r.CidrIp ?? r.CidrIpv6 ?? `sg:${sgName({ 'Fn::GetAtt': [r.SourceSecurityGroupId] })}`,
      });
    }
    for (const r of asArray<Json>(props.SecurityGroupEgress)) {
      if (r.CidrIp === '255.255.255.255/32' && r.Description === 'Disallow all traffic') continue; // CDK placeholder
      rules.push({ sg, dir: 'egress', proto: proto(r.IpProtocol), ...ports(r), peer: r.CidrIp ?? r.CidrIpv6 });
    }
  }
  for (const [, r] of ofType('AWS::EC2::SecurityGroupIngress')) {
    rules.push({
      sg: sgName(r.GroupId),
      dir: 'ingress',
      proto: proto(r.IpProtocol),
      ...ports(r),
      peer: r.CidrIp ?? r.CidrIpv6 ?? `sg:${sgName(r.SourceSecurityGroupId)}`,
    });
  }
  for (const [, r] of ofType('AWS::EC2::SecurityGroupEgress')) {
    rules.push({
      sg: sgName(r.GroupId),
      dir: 'egress',
      proto: proto(r.IpProtocol),
      ...ports(r),
      peer: r.CidrIp ?? r.CidrIpv6 ?? `sg:${sgName(r.DestinationSecurityGroupId)}`,
    });
  }
  return rules.map(ruleKey).sort();
}

describe('CDK (dev) vs Terraform (dev.tfvars): security-group chain', () => {
  const EXPECTED_INGRESS = [
    'alb ingress tcp 443-443 0.0.0.0/0',
    'alb ingress tcp 80-80 0.0.0.0/0',
    'app ingress tcp 8080-8080 sg:alb',
    'db ingress tcp 5432-5432 sg:app',
  ].sort();

  it('Terraform: ALB 80/443 from 0.0.0.0/0 only, app 8080 from the ALB SG only, DB 5432 from the app SG only', () => {
    expect(
      tfRules().filter((r) => r.includes(' ingress ')),
      'Terraform ingress rules',
    ).toEqual(EXPECTED_INGRESS);
  });

  it('CDK: ALB 80/443 from 0.0.0.0/0 only, app 8080 from the ALB SG only, DB 5432 from the app SG only', () => {
    expect(
      cdkRules().filter((r) => r.includes(' ingress ')),
      'CDK ingress rules',
    ).toEqual(EXPECTED_INGRESS);
  });

  it('the same ingress and egress rules in both', () => {
    expect(tfRules(), 'security-group rules (Terraform vs CDK)').toEqual(cdkRules());
  });
});

// ---------------------------------------------------------------- RDS

describe('CDK (dev) vs Terraform (dev.tfvars): RDS', () => {
  it('engine, engine version, storage encrypted, backup retention, not publicly accessible', () => {
    const db = tfRes('modules/rds', 'aws_db_instance');
    const c = cfn('DatabaseB269D8BB');
    expect(db.engine, 'RDS engine').toBe(c.Engine);
    expect(db.engine_version, 'RDS engine version').toBe(c.EngineVersion);
    expect(tf('modules/rds', db.storage_encrypted), 'RDS storage encrypted').toBe(c.StorageEncrypted);
    expect(tf('modules/rds', db.backup_retention_period), 'RDS backup retention').toBe(c.BackupRetentionPeriod);
    expect(tf('modules/rds', db.publicly_accessible), 'RDS publicly accessible').toBe(c.PubliclyAccessible);
    expect(db.engine, 'RDS engine (SPEC)').toBe('postgres');
    expect(db.engine_version, 'RDS engine version (SPEC)').toBe('16.4');
    expect(db.storage_encrypted, 'RDS storage encrypted (SPEC)').toBe(true);
    expect(db.backup_retention_period, 'RDS backup retention (SPEC)').toBe(7);
    expect(db.publicly_accessible, 'RDS publicly accessible (SPEC)').toBe(false);
    expect(tf('modules/rds', db.multi_az), 'RDS multi-AZ (dev)').toBe(c.MultiAZ);
    expect(tf('modules/rds', db.deletion_protection), 'RDS deletion protection (dev)').toBe(c.DeletionProtection);
  });

  it('sits in the private subnets in both', () => {
    // Terraform: db subnet group ← var.private_subnet_ids ← module.vpc.private_subnet_ids ← aws_subnet.private
    const group = tfRes('modules/rds', 'aws_db_subnet_group');
    expect(tfRes('modules/rds', 'aws_db_instance').db_subnet_group_name, 'RDS subnet group').toBe('${aws_db_subnet_group.this.name}');
    expect(group.subnet_ids, 'RDS subnet group subnets').toBe('${var.private_subnet_ids}');
    expect(moduleCall(modules, 'modules/rds')?.private_subnet_ids, 'root wiring of rds.private_subnet_ids').toBe(
      '${module.vpc.private_subnet_ids}',
    );
    expect(mod('modules/vpc').output.private_subnet_ids.value, 'vpc output private_subnet_ids').toBe('${aws_subnet.private[*].id}');
    const tfPrivate = tfRes('modules/vpc', 'aws_subnet', 'private');
    expect(tfPrivate.map_public_ip_on_launch, 'TF private subnets map public IP').toBe(false);
    const tfCidrs = tf('modules/vpc', tfPrivate.cidr_block.replace('[count.index]', ''));

    // CDK: DB subnet group → the private subnets
    const cdkGroup = cfn(String(cdk.DatabaseB269D8BB.Properties.DBSubnetGroupName.Ref));
    const cdkSubnets = asArray<Json>(cdkGroup.SubnetIds).map((s) => String(s.Ref));
    expect(cdkSubnets.sort(), 'CDK DB subnet group subnets').toEqual([
      'VpcprivateSubnet1SubnetCEAD3716',
      'VpcprivateSubnet2Subnet2DE7549C',
    ]);
    const cdkCidrs = cdkSubnets.map((id) => cfn(id).CidrBlock);
    for (const id of cdkSubnets) expect(cfn(id).MapPublicIpOnLaunch, `CDK ${id} map public IP`).toBe(false);

    expect(tfCidrs, 'RDS subnet CIDRs').toEqual(cdkCidrs);
    expect(tfCidrs, 'RDS subnet CIDRs (SPEC private)').toEqual(['10.20.10.0/24', '10.20.11.0/24']);
    const tfPublic = tf('modules/vpc', tfRes('modules/vpc', 'aws_subnet', 'public').cidr_block.replace('[count.index]', ''));
    const cdkPublic = ['VpcpublicSubnet1Subnet2BB74ED7', 'VpcpublicSubnet2SubnetE34B022A'].map((id) => cfn(id).CidrBlock);
    expect(tfPublic, 'public subnet CIDRs').toEqual(cdkPublic);
  });
});

// ---------------------------------------------------------------- S3

describe('CDK (dev) vs Terraform (dev.tfvars): evidence bucket', () => {
  it('encryption algorithm', () => {
    const sse = tfRes('modules/s3', 'aws_s3_bucket_server_side_encryption_configuration').rule[0]
      .apply_server_side_encryption_by_default[0];
    const cdkAlg =
      cfn('EvidenceBucketFBA44255').BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm;
    expect(tf('modules/s3', sse.sse_algorithm), 'bucket encryption algorithm').toBe(cdkAlg);
    expect(cdkAlg, 'bucket encryption algorithm (SPEC default)').toBe('AES256');
  });

  it('public access block (four flags)', () => {
    const pab = tfRes('modules/s3', 'aws_s3_bucket_public_access_block');
    const c = cfn('EvidenceBucketFBA44255').PublicAccessBlockConfiguration;
    const pairs: [string, string][] = [
      ['block_public_acls', 'BlockPublicAcls'],
      ['block_public_policy', 'BlockPublicPolicy'],
      ['ignore_public_acls', 'IgnorePublicAcls'],
      ['restrict_public_buckets', 'RestrictPublicBuckets'],
    ];
    for (const [t, k] of pairs) {
      expect(pab[t], `public access block ${t}`).toBe(c[k]);
      expect(pab[t], `public access block ${t} (SPEC)`).toBe(true);
    }
  });

  it('versioning', () => {
    const status = tfRes('modules/s3', 'aws_s3_bucket_versioning').versioning_configuration[0].status;
    expect(status, 'bucket versioning').toBe(cfn('EvidenceBucketFBA44255').VersioningConfiguration.Status);
    expect(status, 'bucket versioning (SPEC)').toBe('Enabled');
  });

  it('TLS-only policy: Deny s3:* on the bucket and its objects when aws:SecureTransport is false', () => {
    const shape = (r: unknown): string => {
      const s = typeof r === 'string' ? r : JSON.stringify(r);
      if (/EvidenceBucketFBA44255.*"\/\*"|aws_s3_bucket\.this\.arn\}\/\*/.test(s)) return 'bucket/*';
      if (/EvidenceBucketFBA44255|aws_s3_bucket\.this\.arn/.test(s)) return 'bucket';
      return s;
    };
    expect(tfRes('modules/s3', 'aws_s3_bucket_policy').policy, 'bucket policy source').toBe('${data.aws_iam_policy_document.this.json}');
    const tfStatements = (mod('modules/s3').data.aws_iam_policy_document!.this.statement as Json[]).map((s) => ({
      effect: s.effect ?? 'Allow',
      actions: asArray<string>(s.actions).sort(),
      condition: asArray<Json>(s.condition).map((c) => `${c.test} ${c.variable}=${asArray(c.values).join(',')}`),
      resources: asArray(s.resources).map(shape).sort(),
    }));
    const cdkStatements = (cfn('EvidenceBucketPolicy5657A7FB').PolicyDocument.Statement as Json[]).map((s) => ({
      effect: s.Effect,
      actions: asArray<string>(s.Action).sort(),
      condition: Object.entries(s.Condition ?? {}).flatMap(([test, kv]) =>
        Object.entries(kv as Json).map(([k, v]) => `${test} ${k}=${asArray(v).join(',')}`),
      ),
      resources: asArray(s.Resource).map(shape).sort(),
    }));
    expect(tfStatements, 'TLS-only bucket policy statements').toEqual(cdkStatements);
    expect(tfStatements, 'TLS-only bucket policy (SPEC)').toEqual([
      { effect: 'Deny', actions: ['s3:*'], condition: ['Bool aws:SecureTransport=false'], resources: ['bucket', 'bucket/*'] },
    ]);
  });

  it('lifecycle: noncurrent versions expire after 90 days, incomplete multipart uploads abort after 7', () => {
    const rules = tfRes('modules/s3', 'aws_s3_bucket_lifecycle_configuration').rule as Json[];
    const tfNoncurrent = rules
      .flatMap((r) => asArray<Json>(r.noncurrent_version_expiration))
      .map((e) => tf('modules/s3', e.noncurrent_days));
    const tfAbort = rules
      .flatMap((r) => asArray<Json>(r.abort_incomplete_multipart_upload))
      .map((e) => tf('modules/s3', e.days_after_initiation));
    for (const r of rules) expect(r.status, `TF lifecycle rule ${r.id} status`).toBe('Enabled');
    const cdkRules = cfn('EvidenceBucketFBA44255').LifecycleConfiguration.Rules as Json[];
    for (const r of cdkRules) expect(r.Status, `CDK lifecycle rule ${r.Id} status`).toBe('Enabled');
    const cdkNoncurrent = cdkRules.filter((r) => r.NoncurrentVersionExpiration).map((r) => r.NoncurrentVersionExpiration.NoncurrentDays);
    const cdkAbort = cdkRules
      .filter((r) => r.AbortIncompleteMultipartUpload)
      .map((r) => r.AbortIncompleteMultipartUpload.DaysAfterInitiation);
    expect(tfNoncurrent, 'lifecycle noncurrent version expiration days').toEqual(cdkNoncurrent);
    expect(tfAbort, 'lifecycle abort incomplete multipart days').toEqual(cdkAbort);
    expect(tfNoncurrent, 'lifecycle noncurrent version expiration days (SPEC)').toEqual([90]);
    expect(tfAbort, 'lifecycle abort incomplete multipart days (SPEC)').toEqual([7]);
  });
});

// ---------------------------------------------------------------- logs

describe('CDK (dev) vs Terraform (dev.tfvars): logs', () => {
  it('log retention 30 days', () => {
    const days = tf('modules/cloudwatch', tfRes('modules/cloudwatch', 'aws_cloudwatch_log_group').retention_in_days);
    expect(days, 'log retention days').toBe(cfn('LogGroupF5B46931').RetentionInDays);
    expect(days, 'log retention days (SPEC)').toBe(30);
  });
});

// ---------------------------------------------------------------- container environment

describe('CDK (dev) vs Terraform (dev.tfvars): container environment and secrets', () => {
  const settingNames = Object.keys(SETTINGS).sort();
  const tfEnv = () => mod('modules/ecs').locals.container_environment as { name: string; value: string }[];
  const tfSecrets = () => mod('modules/ecs').locals.container_secrets as { name: string; valueFrom: string }[];
  const cdkContainer = () => cfn('TaskDefinitionB36D86D9').ContainerDefinitions[0] as Json;

  it('the Terraform task definition uses the two locals', () => {
    const defs = String(tfRes('modules/ecs', 'aws_ecs_task_definition').container_definitions);
    expect(defs, 'TF container environment source').toMatch(/environment\s*=\s*local\.container_environment/);
    expect(defs, 'TF container secrets source').toMatch(/secrets\s*=\s*local\.container_secrets/);
  });

  it('environment variable names are equal', () => {
    const tfNames = tfEnv()
      .map((e) => e.name)
      .sort();
    const cdkNames = asArray<Json>(cdkContainer().Environment)
      .map((e) => String(e.Name))
      .sort();
    expect(tfNames, 'container environment names').toEqual(cdkNames);
    expect(new Set(tfNames).size, 'TF container environment names are unique').toBe(tfNames.length);
  });

  it('secret names are equal', () => {
    const tfNames = tfSecrets()
      .map((e) => e.name)
      .sort();
    const cdkNames = asArray<Json>(cdkContainer().Secrets)
      .map((e) => String(e.Name))
      .sort();
    expect(tfNames, 'container secret names').toEqual(cdkNames);
  });

  it('environment + secrets are exactly Object.keys(SETTINGS), with no name in both', () => {
    for (const [tool, env, secrets] of [
      ['Terraform', tfEnv().map((e) => e.name), tfSecrets().map((e) => e.name)],
      [
        'CDK',
        asArray<Json>(cdkContainer().Environment).map((e) => String(e.Name)),
        asArray<Json>(cdkContainer().Secrets).map((e) => String(e.Name)),
      ],
    ] as const) {
      expect(
        env.filter((n) => secrets.includes(n)),
        `${tool}: names both env and secret`,
      ).toEqual([]);
      expect([...env, ...secrets].sort(), `${tool}: container env + secrets vs SETTINGS`).toEqual(settingNames);
    }
  });

  it('non-reference values are equal; references point at the same things', () => {
    const cdkByName = new Map(asArray<Json>(cdkContainer().Environment).map((e) => [String(e.Name), e.Value]));
    for (const { name, value } of tfEnv()) {
      const tfValue = tf('modules/ecs', value);
      const cdkValue = cdkByName.get(name);
      if (typeof tfValue === 'string' && !tfValue.includes('${') && typeof cdkValue === 'string') {
        expect(tfValue, `container env ${name}`).toBe(cdkValue);
      } else if (name === 'EVIDENCE_BUCKET') {
        expect(String(tfValue), 'container env EVIDENCE_BUCKET (TF: the s3 module bucket)').toBe('${module.s3.bucket_name}');
        expect(cdkValue, 'container env EVIDENCE_BUCKET (CDK: the evidence bucket)').toEqual({ Ref: 'EvidenceBucketFBA44255' });
      } else {
        expect.fail(`container env ${name}: TF ${JSON.stringify(tfValue)} vs CDK ${JSON.stringify(cdkValue)} (not comparable)`);
      }
    }
    expect(tf('modules/ecs', tfEnv().find((e) => e.name === 'AWS_REGION')?.value), 'container env AWS_REGION (dev.tfvars region)').toBe(
      'eu-west-1',
    );
  });

  it('DATABASE_URL comes from the database-url secret in both', () => {
    const tfFrom = tf('modules/ecs', tfSecrets().find((s) => s.name === 'DATABASE_URL')?.valueFrom);
    expect(String(tfFrom), 'TF DATABASE_URL valueFrom').toBe('${module.rds.database_url_secret_arn}');
    const cdkFrom = asArray<Json>(cdkContainer().Secrets).find((s) => s.Name === 'DATABASE_URL')?.ValueFrom;
    expect(cdk[cdkFrom?.Ref]?.Type, 'CDK DATABASE_URL valueFrom').toBe('AWS::SecretsManager::Secret');
  });
});

// ---------------------------------------------------------------- task role

describe('CDK (dev) vs Terraform (dev.tfvars): task role', () => {
  it("the task role's S3 actions and resource shapes are equal", () => {
    const shape = (r: unknown): string => {
      const s = typeof r === 'string' ? r : JSON.stringify(r);
      if (s === '${var.evidence_bucket_arn}/*' || /EvidenceBucketFBA44255.*"\/\*"/.test(s)) return 'bucket/*';
      if (s === '${var.evidence_bucket_arn}' || s === JSON.stringify({ 'Fn::GetAtt': ['EvidenceBucketFBA44255', 'Arn'] })) return 'bucket';
      return s;
    };
    expect(moduleCall(modules, 'modules/iam')?.evidence_bucket_arn, 'root wiring of iam.evidence_bucket_arn').toBe(
      '${module.s3.bucket_arn}',
    );
    expect(tfRes('modules/iam', 'aws_iam_role_policy', 'task').policy, 'TF task role policy').toBe(
      '${data.aws_iam_policy_document.task.json}',
    );
    const attached = Object.values(mod('modules/iam').resource.aws_iam_role_policy_attachment ?? {}).filter((a: Json) =>
      String(a.role).includes('aws_iam_role.task.'),
    );
    expect(attached, 'TF managed policies on the task role').toEqual([]);

    const norm = (effect: string, actions: unknown, resources: unknown) =>
      `${effect} ${asArray<string>(actions as string[])
        .sort()
        .join(',')} on ${asArray(resources).map(shape).sort().join(',')}`;
    const tfStatements = (mod('modules/iam').data.aws_iam_policy_document!.task.statement as Json[])
      .map((s) => norm(s.effect ?? 'Allow', s.actions, s.resources))
      .sort();
    const role = cfn('TaskRole30FC0FBB');
    expect(role.ManagedPolicyArns ?? [], 'CDK managed policies on the task role').toEqual([]);
    const extra = ofType('AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Roles ?? []).includes('TaskRole30FC0FBB'));
    expect(
      extra.map(([id]) => id),
      'CDK extra policies on the task role',
    ).toEqual([]);
    const cdkStatements = asArray<Json>(role.Policies)
      .flatMap((p) => p.PolicyDocument.Statement as Json[])
      .map((s) => norm(s.Effect, s.Action, s.Resource))
      .sort();
    expect(tfStatements, 'task role S3 statements').toEqual(cdkStatements);
    expect(tfStatements, 'task role S3 statements (SPEC)').toEqual(
      ['Allow s3:AbortMultipartUpload,s3:DeleteObject,s3:GetObject,s3:PutObject on bucket/*', 'Allow s3:ListBucket on bucket'].sort(),
    );
  });
});
