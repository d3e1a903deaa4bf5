// The CDK stack and the Terraform describe the same deployment: this suite
// reads both (CDK synthesized offline, Terraform parsed statically with the
// dev.tfvars values) and compares them property by property. Every assertion
// names the property, so a mismatch reads "<property>: expected <CDK> to be <TF>"
// style, with both values in the message.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, LISTENER_PRIORITY } from '../../cdk/stack';
import { loadConfig, SETTINGS, unsafeListenReason } from '../../lib/config';
import { loadAll, loadTfvars, moduleCall, resolveTf, TERRAFORM_ROOT, type TfModule } from '../support/terraform';
import { cdkListeners, isMetricsBlock, tfListeners, type Listener } from './listeners';

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

/**
 * What the deployment relies on from the app (README "Deploy"): these settings
 * are set in the task, by both tools, to the same values. Any other setting of
 * lib/config.ts keeps its default, so a new setting needs no change here.
 */
const DEPLOYMENT_SETTINGS = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'MIGRATE_ON_START',
  'ALB_IDLE_TIMEOUT_S',
  'SHUTDOWN_TIMEOUT_MS',
  'EVIDENCE_BUCKET',
  'EVIDENCE_SSE',
  'AWS_REGION',
  'AUTH_MODE',
  'ALB_OIDC_SIGNER_ARN',
  'OIDC_USER_CLAIM',
  'OIDC_GROUPS_CLAIM',
  'OIDC_ROLE_MAP',
  'OIDC_DEFAULT_ROLE',
];
/** What a reference becomes once deployed, so the app's parser can judge the environment as the task sees it. */
const DEPLOYED = {
  EVIDENCE_BUCKET: 'action-tracker-dev-evidence-123456789012',
  ALB_OIDC_SIGNER_ARN: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/action-tracker-dev/0123456789abcdef',
  DATABASE_URL: 'postgres://tracker:secret@action-tracker-dev.abc.eu-west-1.rds.amazonaws.com:5432/tracker?sslmode=verify-full',
} as Record<string, string>;

describe('CDK (dev) vs Terraform (dev.tfvars): container environment and secrets', () => {
  const tfEnv = () => mod('modules/ecs').locals.container_environment as { name: string; value: string }[];
  const tfSecrets = () => mod('modules/ecs').locals.container_secrets as { name: string; valueFrom: string }[];
  const cdkContainer = () => cfn('TaskDefinitionB36D86D9').ContainerDefinitions[0] as Json;
  const cdkEnv = () => asArray<Json>(cdkContainer().Environment);
  const cdkSecrets = () => asArray<Json>(cdkContainer().Secrets);
  const names = {
    Terraform: () => ({ env: tfEnv().map((e) => e.name), secrets: tfSecrets().map((e) => e.name) }),
    CDK: () => ({ env: cdkEnv().map((e) => String(e.Name)), secrets: cdkSecrets().map((e) => String(e.Name)) }),
  };

  /** The task's environment as the process gets it: literal values, references as deployed, secrets as their value. */
  const deployedEnv = (tool: 'Terraform' | 'CDK'): Record<string, string> => {
    const out: Record<string, string> = {};
    const entries: [string, unknown][] =
      tool === 'Terraform' ? tfEnv().map((e) => [e.name, tf('modules/ecs', e.value)]) : cdkEnv().map((e) => [String(e.Name), e.Value]);
    for (const [name, value] of entries) {
      const literal = typeof value === 'string' && !value.includes('${');
      if (!literal && !(name in DEPLOYED))
        expect.fail(`${tool}: ${name} is a reference (${JSON.stringify(value)}) with no deployed value in this test`);
      out[name] = literal ? (value as string) : DEPLOYED[name]!;
    }
    for (const name of names[tool]().secrets) {
      if (!(name in DEPLOYED)) expect.fail(`${tool}: secret ${name} has no deployed value in this test`);
      out[name] = DEPLOYED[name]!;
    }
    return out;
  };

  it('the Terraform task definition uses the two locals', () => {
    const defs = String(tfRes('modules/ecs', 'aws_ecs_task_definition').container_definitions);
    expect(defs, 'TF container environment source').toMatch(/environment\s*=\s*local\.container_environment/);
    expect(defs, 'TF container secrets source').toMatch(/secrets\s*=\s*local\.container_secrets/);
  });

  it('environment variable names are equal', () => {
    const tfNames = [...names.Terraform().env].sort();
    expect(tfNames, 'container environment names').toEqual([...names.CDK().env].sort());
    expect(new Set(tfNames).size, 'TF container environment names are unique').toBe(tfNames.length);
  });

  it('secret names are equal', () => {
    expect([...names.Terraform().secrets].sort(), 'container secret names').toEqual([...names.CDK().secrets].sort());
  });

  it('every variable the task sets is a setting of lib/config.ts, and none is both a value and a secret', () => {
    for (const tool of ['Terraform', 'CDK'] as const) {
      const { env, secrets } = names[tool]();
      expect(
        env.filter((n) => secrets.includes(n)),
        `${tool}: names both env and secret`,
      ).toEqual([]);
      expect(
        [...env, ...secrets].filter((n) => !(n in SETTINGS)),
        `${tool}: container variables lib/config.ts does not know`,
      ).toEqual([]);
    }
  });

  it('sets every variable the deployment depends on, DATABASE_URL only as a secret', () => {
    for (const tool of ['Terraform', 'CDK'] as const) {
      const { env, secrets } = names[tool]();
      expect(
        DEPLOYMENT_SETTINGS.filter((n) => !env.includes(n) && !secrets.includes(n)),
        `${tool}: deployment settings missing from the task`,
      ).toEqual([]);
      expect(secrets, `${tool}: DATABASE_URL is a secret`).toContain('DATABASE_URL');
      expect(env, `${tool}: DATABASE_URL never a plain value`).not.toContain('DATABASE_URL');
    }
  });

  it("the app's own parser (loadConfig) accepts the task's environment, as alb-oidc on every interface", () => {
    for (const tool of ['Terraform', 'CDK'] as const) {
      const env = deployedEnv(tool);
      // Every variable reaches the parser (none dropped on the way).
      expect(Object.keys(env).sort(), `${tool}: variables given to loadConfig`).toEqual(
        [...names[tool]().env, ...names[tool]().secrets].sort(),
      );
      let config: ReturnType<typeof loadConfig> | undefined;
      expect(() => (config = loadConfig(env)), `${tool}: loadConfig(task environment)`).not.toThrow();
      expect(config!.AUTH_MODE, `${tool}: AUTH_MODE`).toBe('alb-oidc');
      expect(config!.ALB_OIDC_SIGNER_ARN, `${tool}: ALB_OIDC_SIGNER_ARN`).toBe(DEPLOYED.ALB_OIDC_SIGNER_ARN);
      expect(config!.HOST, `${tool}: HOST`).toBe('0.0.0.0');
      expect(config!.PORT, `${tool}: PORT = the container port`).toBe(8080);
      expect(unsafeListenReason(config!), `${tool}: the server would refuse to start`).toBeUndefined();
      expect(config!.ALLOW_UNVERIFIED_HEADERS, `${tool}: ALLOW_UNVERIFIED_HEADERS`).toBe(false);
    }
  });

  it('non-reference values are equal; references point at the same things', () => {
    const cdkByName = new Map(cdkEnv().map((e) => [String(e.Name), e.Value]));
    for (const { name, value } of tfEnv()) {
      const tfValue = tf('modules/ecs', value);
      const cdkValue = cdkByName.get(name);
      if (typeof tfValue === 'string' && !tfValue.includes('${') && typeof cdkValue === 'string') {
        expect(tfValue, `container env ${name}`).toBe(cdkValue);
      } else if (name === 'EVIDENCE_BUCKET') {
        expect(String(tfValue), 'container env EVIDENCE_BUCKET (TF: the s3 module bucket)').toBe('${module.s3.bucket_name}');
        expect(cdkValue, 'container env EVIDENCE_BUCKET (CDK: the evidence bucket)').toEqual({ Ref: 'EvidenceBucketFBA44255' });
      } else if (name === 'ALB_OIDC_SIGNER_ARN') {
        expect(String(tfValue), 'container env ALB_OIDC_SIGNER_ARN (TF: the alb module ARN)').toBe('${module.alb.arn}');
        expect(mod('modules/alb').output.arn.value, 'alb output arn').toBe('${aws_lb.this.arn}');
        expect(cdkValue, 'container env ALB_OIDC_SIGNER_ARN (CDK: the load balancer)').toEqual({ Ref: 'LoadBalancerBE9EEC3A' });
        expect(cdk.LoadBalancerBE9EEC3A.Type).toBe('AWS::ElasticLoadBalancingV2::LoadBalancer');
      } else {
        expect.fail(`container env ${name}: TF ${JSON.stringify(tfValue)} vs CDK ${JSON.stringify(cdkValue)} (not comparable)`);
      }
    }
    const byName = (n: string) => tf('modules/ecs', tfEnv().find((e) => e.name === n)?.value);
    expect(byName('AWS_REGION'), 'container env AWS_REGION (dev.tfvars region)').toBe('eu-west-1');
    expect(byName('AUTH_MODE'), 'container env AUTH_MODE (SPEC)').toBe('alb-oidc');
    expect(byName('HOST'), 'container env HOST (SPEC)').toBe('0.0.0.0');
    for (const [setting, variable] of [
      ['OIDC_USER_CLAIM', 'oidc_user_claim'],
      ['OIDC_GROUPS_CLAIM', 'oidc_groups_claim'],
      ['OIDC_ROLE_MAP', 'oidc_role_map'],
      ['OIDC_DEFAULT_ROLE', 'oidc_default_role'],
    ] as const) {
      expect(byName(setting), `container env ${setting} (dev.tfvars ${variable})`).toBe(devVars[variable]);
    }
  });

  it('timings follow the load balancer and ECS: idle timeout, drain inside the stop timeout, health inside its check', () => {
    const tfAlbIdle = tfRes('modules/alb', 'aws_lb').idle_timeout;
    const tfDefs = String(tfRes('modules/ecs', 'aws_ecs_task_definition').container_definitions);
    const tfStop = Number(/stopTimeout\s*=\s*(\d+)/.exec(tfDefs)?.[1]);
    const tfHealthTimeout = tfRes('modules/alb', 'aws_lb_target_group').health_check[0].timeout;
    const cdkAttr = asArray<Json>(cfn('LoadBalancerBE9EEC3A').LoadBalancerAttributes).find((a) => a.Key === 'idle_timeout.timeout_seconds');
    const cdkTiming = {
      idle: Number(cdkAttr?.Value),
      stop: Number(cdkContainer().StopTimeout),
      health: Number(cfn('TargetGroup3D7CD9B8').HealthCheckTimeoutSeconds),
    };
    for (const [tool, env, idle, stop, health] of [
      ['Terraform', deployedEnv('Terraform'), tfAlbIdle, tfStop, tfHealthTimeout],
      ['CDK', deployedEnv('CDK'), cdkTiming.idle, cdkTiming.stop, cdkTiming.health],
    ] as const) {
      const config = loadConfig(env);
      expect(config.ALB_IDLE_TIMEOUT_S, `${tool}: ALB_IDLE_TIMEOUT_S = the ALB idle timeout`).toBe(idle);
      expect(config.SHUTDOWN_TIMEOUT_MS, `${tool}: SHUTDOWN_TIMEOUT_MS below the stopTimeout`).toBeLessThan(stop * 1000);
      expect(config.HEALTH_TIMEOUT_MS, `${tool}: HEALTH_TIMEOUT_MS below the health-check timeout`).toBeLessThan(health * 1000);
    }
  });

  it("the README's Deploy section names every variable the deployment depends on", () => {
    const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
    const start = readme.indexOf('\n## Deploy');
    expect(start, 'README has a Deploy section').toBeGreaterThan(-1);
    const next = readme.indexOf('\n## ', start + 1);
    const deploy = readme.slice(start, next === -1 ? undefined : next);
    expect(DEPLOYMENT_SETTINGS.filter((n) => !deploy.includes(`\`${n}\``))).toEqual([]);
  });

  it('DATABASE_URL comes from the database-url secret in both', () => {
    const tfFrom = tf('modules/ecs', tfSecrets().find((s) => s.name === 'DATABASE_URL')?.valueFrom);
    expect(String(tfFrom), 'TF DATABASE_URL valueFrom').toBe('${module.rds.database_url_secret_arn}');
    const cdkFrom = cdkSecrets().find((s) => s.Name === 'DATABASE_URL')?.ValueFrom;
    expect(cdk[cdkFrom?.Ref]?.Type, 'CDK DATABASE_URL valueFrom').toBe('AWS::SecretsManager::Secret');
  });
});

// ---------------------------------------------------------------- sign-in at the load balancer

describe('CDK (dev) vs Terraform (dev.tfvars): listeners, sign-in and rules', () => {
  const tfL = () => tfListeners(modules, devVars);
  const cdkL = () => cdkListeners(cdk);
  const byPort = (ls: Listener[], port: number) => {
    const found = ls.filter((l) => l.port === port);
    expect(found.length, `listeners on port ${port}`).toBe(1);
    return found[0]!;
  };

  it('HTTP (80) only redirects to HTTPS, permanently, in both', () => {
    for (const [tool, ls] of [
      ['Terraform', tfL()],
      ['CDK', cdkL()],
    ] as const) {
      const http = byPort(ls, 80);
      expect(http.protocol, `${tool}: port 80 protocol`).toBe('HTTP');
      expect(
        http.defaultActions.map((a) => ({ type: a.type, redirect: a.redirect })),
        `${tool}: port 80 default action`,
      ).toEqual([{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }]);
      expect(http.rules, `${tool}: rules on port 80`).toEqual([]);
    }
    expect(
      tfL().map((l) => `${l.port}/${l.protocol}`),
      'listeners (Terraform vs CDK)',
    ).toEqual(cdkL().map((l) => `${l.port}/${l.protocol}`));
  });

  it('HTTPS (443): the certificate, the TLS policy, and the default action authenticate-oidc (1) then forward (2)', () => {
    const tfHttps = byPort(tfL(), 443);
    const cdkHttps = byPort(cdkL(), 443);
    expect(tfHttps.certificate, 'HTTPS certificate').toBe(cdkHttps.certificate);
    expect(tfHttps.certificate, 'HTTPS certificate (dev.tfvars)').toBe(devVars.certificate_arn);
    expect(tfRes('modules/alb', 'aws_lb_listener', 'https').ssl_policy, 'TLS policy').toBe(
      cfn('LoadBalancerHttpsListener583C7712').SslPolicy,
    );
    const shape = (l: Listener) => l.defaultActions.map((a) => `${a.order} ${a.type}${a.forwardTo ? ` → ${a.forwardTo}` : ''}`);
    expect(shape(tfHttps), 'HTTPS default actions').toEqual(shape(cdkHttps));
    expect(shape(tfHttps), 'HTTPS default actions (SPEC)').toEqual(['1 authenticate-oidc', '2 forward → target-group']);
  });

  it('the authenticate-oidc configuration, property by property', () => {
    const tfOidc = byPort(tfL(), 443).defaultActions[0]!.oidc!;
    const cdkOidc = byPort(cdkL(), 443).defaultActions[0]!.oidc!;
    for (const key of [
      'issuer',
      'authorizationEndpoint',
      'tokenEndpoint',
      'userInfoEndpoint',
      'clientId',
      'scope',
      'sessionTimeout',
      'onUnauthenticatedRequest',
    ] as const) {
      expect(tfOidc[key], `authenticate-oidc ${key}`).toEqual(cdkOidc[key]);
    }
    const spec: [keyof typeof tfOidc, unknown][] = [
      ['issuer', devVars.oidc_issuer],
      ['authorizationEndpoint', devVars.oidc_authorization_endpoint],
      ['tokenEndpoint', devVars.oidc_token_endpoint],
      ['userInfoEndpoint', devVars.oidc_user_info_endpoint],
      ['clientId', devVars.oidc_client_id],
      ['scope', devVars.oidc_scope],
      ['sessionTimeout', 28800],
      ['onUnauthenticatedRequest', 'authenticate'],
    ];
    for (const [key, value] of spec) expect(tfOidc[key], `authenticate-oidc ${key} (dev.tfvars / SPEC)`).toEqual(value);

    // The client secret: read from the same Secrets Manager secret, never written down.
    const arn = devVars.oidc_client_secret_arn as string;
    expect(cdkOidc.clientSecret, 'CDK client secret: a dynamic reference to the secret').toBe(
      `{{resolve:secretsmanager:${arn}:SecretString:::}}`,
    );
    expect(tfOidc.clientSecret, 'TF client secret: the local').toBe('${local.oidc_client_secret}');
    const alb = mod('modules/alb');
    expect(String(alb.locals.oidc_client_secret), 'TF local: read from Secrets Manager or SSM').toMatch(
      /data\.aws_secretsmanager_secret_version\.oidc_client_secret\[\*\]\.secret_string[\s\S]*data\.aws_ssm_parameter\.oidc_client_secret\[\*\]\.value/,
    );
    expect(alb.data.aws_secretsmanager_secret_version?.oidc_client_secret?.secret_id, 'TF secret read').toBe(
      '${var.oidc_client_secret_arn}',
    );
    expect(alb.data.aws_ssm_parameter?.oidc_client_secret?.name, 'TF parameter read').toBe('${var.oidc_client_secret_arn}');
    expect(alb.data.aws_ssm_parameter?.oidc_client_secret?.with_decryption, 'TF parameter decrypted').toBe(true);
    expect(tf('modules/alb', '${var.oidc_client_secret_arn}'), 'TF secret ARN (dev.tfvars)').toBe(arn);
  });

  it('the HTTPS rules: priorities, conditions and actions are equal', () => {
    const shape = (l: Listener) =>
      l.rules.map(
        (r) =>
          `${r.priority} if ${r.conditions.join(' & ')} → ${r.actions
            .map((a) =>
              a.fixedResponse
                ? `${a.type} ${a.fixedResponse.statusCode} ${a.fixedResponse.contentType}`
                : `${a.type} ${a.forwardTo ?? ''}`.trim(),
            )
            .join(', ')}`,
      );
    const tfRules = shape(byPort(tfL(), 443));
    expect(tfRules, 'HTTPS listener rules (Terraform vs CDK)').toEqual(shape(byPort(cdkL(), 443)));
    expect(tfRules, 'HTTPS listener rules (SPEC)').toEqual([
      '10 if path-pattern=/metrics,/metrics/* → fixed-response 404 application/json',
      '20 if http-header Authorization=Bearer * → forward target-group',
      '30 if http-request-method=GET,HEAD & path-pattern=/health → forward target-group',
    ]);
    expect(LISTENER_PRIORITY, 'CDK priorities = TF local.priority').toEqual(mod('modules/alb').locals.priority);
  });

  it("the /metrics answer is the API's not-found problem in both", () => {
    const metrics = (l: Listener) => {
      const found = l.rules.filter(isMetricsBlock);
      expect(found.length, `${l.where}: /metrics rules`).toBe(1);
      return found[0]!.actions[0]!.fixedResponse!.body;
    };
    const tfBody = String(metrics(byPort(tfL(), 443)));
    const cdkBody = JSON.parse(String(metrics(byPort(cdkL(), 443))));
    expect(cdkBody, 'CDK /metrics body').toEqual({
      type: 'https://infra-action-tracker.dev/problems/not-found',
      title: 'Not found',
      status: 404,
    });
    // Terraform writes it with jsonencode({...}): the same three fields and values.
    for (const [key, value] of Object.entries(cdkBody)) {
      expect(tfBody, `TF /metrics body ${key}`).toMatch(new RegExp(`\\b${key}\\s*=\\s*${JSON.stringify(value)}`));
    }
  });

  it('the load balancer may reach the IdP over HTTPS (egress 443), and the deploy role may read the client secret', () => {
    expect(tfRules(), 'Terraform ALB egress to the IdP').toContain('alb egress tcp 443-443 0.0.0.0/0');
    expect(cdkRules(), 'CDK ALB egress to the IdP').toContain('alb egress tcp 443-443 0.0.0.0/0');
    const tfStatement = (mod('modules/iam').data.aws_iam_policy_document!.deploy.statement as Json[]).find(
      (st) => st.sid === 'ReadOidcClientSecret',
    );
    expect(tfStatement?.resources, 'TF deploy role: the client secret').toEqual(['${var.oidc_client_secret_arn}']);
    expect(moduleCall(modules, 'modules/iam')?.oidc_client_secret_arn, 'root wiring of iam.oidc_client_secret_arn').toBe(
      '${var.oidc_client_secret_arn}',
    );
    const cdkStatement = asArray<Json>(cfn('DeployRole885297C3').Policies)
      .flatMap((p) => p.PolicyDocument.Statement as Json[])
      .find((st) => st.Sid === 'ReadOidcClientSecret');
    expect(cdkStatement?.Resource, 'CDK deploy role: the client secret').toBe(devVars.oidc_client_secret_arn);
    expect(cdkStatement?.Action, 'CDK deploy role: read it').toBe('secretsmanager:GetSecretValue');
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
