// The CDK twin of terraform/: the same deployment, one construct per Terraform
// module (cdk/constructs/), composed here. Names, values and options follow
// /tmp/i14/SPEC.md (issue 14) and the Terraform modules.
//
// buildStack(app, env) is what both the synth runner (cdk/app.ts) and the
// vitest comparison suites call. It needs no AWS account: the account and
// region are fixed dummies and the availability zones are set as context on
// the stack itself, so a bare `new App()` synthesizes offline too.
import { CfnOutput, Tags, type App, type CfnElement, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';
import { SETTINGS } from '../lib/config';
import { Alb } from './constructs/alb';
import { Bastion } from './constructs/bastion';
import { Ecs } from './constructs/ecs';
import { Iam } from './constructs/iam';
import { Logs } from './constructs/logs';
import { ModularStack } from './constructs/module';
import { Monitoring } from './constructs/monitoring';
import { Network } from './constructs/network';
import { Rds } from './constructs/rds';
import { Storage } from './constructs/storage';
import {
  ACCOUNT,
  AVAILABILITY_ZONES,
  AZ_CONTEXT_KEY,
  DB_PORT,
  DEPLOY_ENVS,
  REGION,
  defaultProps,
  guardRailViolations,
  type ActionTrackerProps,
  type DeployEnv,
} from './props';

export * from './props';
export { containerEnvironment, CONTAINER_REFS, PROBE_ROUND_COMMAND, RECONCILE_COMMAND } from './constructs/ecs';
export { buildBootstrapStack, BootstrapStack, BOOTSTRAP_STACK_ID, defaultBootstrapProps, type BootstrapProps } from './bootstrap';

/** The module constructs of a stack, by Terraform module. */
export interface ActionTrackerModules {
  readonly logs: Logs;
  readonly vpc: Network;
  readonly s3: Storage;
  readonly cloudwatch: Monitoring;
  readonly alb: Alb;
  readonly rds: Rds;
  readonly iam: Iam;
  readonly ecs: Ecs;
  readonly bastion?: Bastion;
}

export class ActionTrackerStack extends ModularStack {
  readonly settings: ActionTrackerProps;
  readonly modules: ActionTrackerModules;

  constructor(scope: Construct, id: string, settings: ActionTrackerProps, props: StackProps = {}) {
    super(scope, id, { ...props, env: { account: ACCOUNT, region: REGION } });
    // Offline: the AZ lookup is answered here unless the app already has it.
    if (this.node.tryGetContext(AZ_CONTEXT_KEY) === undefined) {
      this.node.setContext(AZ_CONTEXT_KEY, [...AVAILABILITY_ZONES]);
    }
    this.settings = settings;
    const s = settings;
    const prefix = `${s.name}-${s.env}`;
    Tags.of(this).add('Project', s.name);
    Tags.of(this).add('Environment', s.env);

    const logs = new Logs(this, 'Logs', { settings: s, prefix });
    const vpc = new Network(this, 'Network', { settings: s, prefix, logs });
    const storage = new Storage(this, 'Storage', { settings: s, prefix, logBucket: logs.bucket });
    const monitoring = new Monitoring(this, 'Monitoring', { settings: s, prefix });
    const alb = new Alb(this, 'Alb', { settings: s, prefix, vpc: vpc.vpc, subnets: vpc.publicSubnets, logBucket: logs.bucket });
    const rds = new Rds(this, 'Rds', { settings: s, prefix, vpc: vpc.vpc, subnets: vpc.privateSubnets });
    const roles = new Iam(this, 'Iam', {
      settings: s,
      prefix,
      evidenceBucket: storage.bucket,
      databasePasswordSecretArn: rds.masterUserSecretArn,
      databaseResourceId: rds.resourceId,
    });
    const ecs = new Ecs(this, 'Ecs', {
      settings: s,
      prefix,
      vpc: vpc.vpc,
      subnets: vpc.privateSubnets,
      albSecurityGroup: alb.securityGroup,
      targetGroup: alb.targetGroup,
      executionRole: roles.executionRole,
      taskRole: roles.taskRole,
      logGroup: monitoring.logGroup,
      // Terraform's modules/ecs `local.refs`, filled from the other constructs.
      environment: {
        database_url: rds.databaseUrl,
        database_password_secret_arn: rds.masterUserSecretArn,
        evidence_bucket: storage.bucket.bucketName,
        evidence_sse: s.kmsKeyArn ? 'aws:kms' : 'AES256',
        evidence_kms_key_arn: s.kmsKeyArn ?? null,
        // No cycle: the load balancer does not depend on the task definition.
        alb_arn: alb.loadBalancer.loadBalancerArn,
        region: this.region,
        oidc_user_claim: s.oidcUserClaim,
        oidc_groups_claim: s.oidcGroupsClaim,
        oidc_role_map: s.oidcRoleMap,
        oidc_default_role: s.oidcDefaultRole,
        // Rounds from the EventBridge schedule only: the tasks' own timers off.
        probe_interval_s: s.probeSchedule === null ? null : '0',
      },
    });
    rds.securityGroup.addIngressRule(ecs.securityGroup, ec2.Port.tcp(DB_PORT), 'PostgreSQL from the app');
    monitoring.addAlarms({
      loadBalancerFullName: alb.loadBalancer.loadBalancerFullName,
      targetGroupFullName: alb.targetGroup.targetGroupFullName,
      clusterName: ecs.cluster.clusterName,
      serviceName: ecs.service.serviceName,
      dbInstanceIdentifier: rds.instance.instanceIdentifier,
    });
    const bastion = s.enableBastion ? new Bastion(this, 'Bastion', { prefix, vpc: vpc.vpc, subnets: vpc.privateSubnets }) : undefined;

    // Every role of the stack (also CDK's custom-resource roles) carries the
    // environment's boundary: the Terraform role may create roles only with it.
    if (s.permissionsBoundaryArn) {
      iam.PermissionsBoundary.of(this).apply(iam.ManagedPolicy.fromManagedPolicyArn(this, 'PermissionsBoundary', s.permissionsBoundaryArn));
    }

    new CfnOutput(this, 'LoadBalancerDns', { value: alb.loadBalancer.loadBalancerDnsName });
    new CfnOutput(this, 'EvidenceBucketName', { value: storage.bucket.bucketName });
    new CfnOutput(this, 'DatabaseMasterSecretArn', { value: rds.masterUserSecretArn });
    new CfnOutput(this, 'DatabaseUrl', { value: rds.databaseUrl });
    new CfnOutput(this, 'LogBucketName', { value: logs.bucket.bucketName });

    this.modules = { logs, vpc, s3: storage, cloudwatch: monitoring, alb, rds, iam: roles, ecs, ...(bastion ? { bastion } : {}) };
  }
}

/** The CloudFormation logical id of a construct's resource (its default child). */
function idOf(stack: ActionTrackerStack, construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return stack.getLogicalId(element);
}

/**
 * Logical ids by purpose, so tests need not hard-code the hashes. Moving into
 * the module constructs kept them (see cdk/constructs/module.ts), e.g.
 * taskDefinition = TaskDefinitionB36D86D9, database = DatabaseB269D8BB.
 */
export function logicalIds(stack: ActionTrackerStack) {
  const m = stack.modules;
  const optional = (c: IConstruct | undefined): string | undefined => (c ? idOf(stack, c) : undefined);
  return {
    vpc: idOf(stack, m.vpc.vpc),
    publicSubnets: m.vpc.vpc.publicSubnets.map((x) => idOf(stack, x)),
    privateSubnets: m.vpc.vpc.privateSubnets.map((x) => idOf(stack, x)),
    logBucket: idOf(stack, m.logs.bucket),
    logBucketPolicy: optional(m.logs.bucket.policy),
    evidenceBucket: idOf(stack, m.s3.bucket),
    evidenceBucketPolicy: optional(m.s3.bucket.policy),
    logGroup: idOf(stack, m.cloudwatch.logGroup),
    alarmTopic: idOf(stack, m.cloudwatch.alarmTopic),
    alarms: Object.fromEntries(Object.entries(m.cloudwatch.alarms).map(([k, a]) => [k, idOf(stack, a)])),
    albSecurityGroup: idOf(stack, m.alb.securityGroup),
    loadBalancer: idOf(stack, m.alb.loadBalancer),
    targetGroup: idOf(stack, m.alb.targetGroup),
    httpListener: idOf(stack, m.alb.httpListener),
    httpsListener: idOf(stack, m.alb.httpsListener),
    webAcl: optional(m.alb.webAcl),
    wafLogGroup: optional(m.alb.wafLogGroup),
    dbSecurityGroup: idOf(stack, m.rds.securityGroup),
    database: idOf(stack, m.rds.instance),
    databaseParameterGroup: idOf(stack, m.rds.parameterGroup),
    executionRole: idOf(stack, m.iam.executionRole),
    taskRole: idOf(stack, m.iam.taskRole),
    appSecurityGroup: idOf(stack, m.ecs.securityGroup),
    cluster: idOf(stack, m.ecs.cluster),
    taskDefinition: idOf(stack, m.ecs.taskDefinition),
    service: idOf(stack, m.ecs.service),
    reconcileRule: optional(m.ecs.reconcileRule),
    reconcileRole: optional(m.ecs.reconcileRole),
    probeRule: optional(m.ecs.probeRule),
    probeRole: optional(m.ecs.probeRole),
    bastion: optional(m.bastion?.instance),
    bastionSecurityGroup: optional(m.bastion?.securityGroup),
  };
}
export type LogicalIds = ReturnType<typeof logicalIds>;

/** What terraform/variables.tf validates about sign-in, refused here the same way. */
function checkSignIn(s: ActionTrackerProps): void {
  const https = /^https:\/\/[^\s/]+/;
  for (const key of ['issuer', 'authorizationEndpoint', 'tokenEndpoint', 'userInfoEndpoint'] as const) {
    if (!https.test(s.oidc[key])) throw new Error(`oidc.${key} must be an https:// URL (got ${s.oidc[key]})`);
  }
  if (!s.oidc.clientId.trim()) throw new Error('oidc.clientId must not be empty');
  if (!s.oidc.scope.split(' ').includes('openid')) throw new Error(`oidc.scope must include openid (got ${s.oidc.scope})`);
  if (!(s.oidc.sessionTimeoutSeconds >= 60 && s.oidc.sessionTimeoutSeconds <= 604800)) {
    throw new Error(`oidc.sessionTimeoutSeconds must be between 60 and 604800 (got ${s.oidc.sessionTimeoutSeconds})`);
  }
  if (!/^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[0-9a-f-]+$/.test(s.certificateArn)) {
    throw new Error(`certificateArn must be an ACM certificate ARN: OIDC sign-in needs an HTTPS listener (got ${s.certificateArn})`);
  }
  // The app's own rule for the map, and at least one admin group (admins create the API tokens).
  if (!SETTINGS.OIDC_ROLE_MAP.schema.safeParse(s.oidcRoleMap).success || !/=\s*admin\s*(,|$)/.test(s.oidcRoleMap)) {
    throw new Error(`oidcRoleMap must be group=role pairs with at least one group mapped to admin (got ${s.oidcRoleMap})`);
  }
  if (!SETTINGS.OIDC_DEFAULT_ROLE.schema.safeParse(s.oidcDefaultRole).success) {
    throw new Error(`oidcDefaultRole must be viewer, member, lead, admin or none (got ${s.oidcDefaultRole})`);
  }
}

/** Stack id for an environment: ActionTrackerStack-dev, ActionTrackerStack-prod. */
export function stackId(env: DeployEnv): string {
  return `ActionTrackerStack-${env}`;
}

/**
 * Builds the stack for one environment. Settings come from the app's context
 * when present (`-c docker_image=… -c certificate_arn=…`), then `overrides`,
 * else the defaults for that environment (envs/<env>.tfvars).
 */
export function buildStack(app: App, env: DeployEnv, overrides: Partial<ActionTrackerProps> = {}): ActionTrackerStack {
  if (!DEPLOY_ENVS.includes(env)) throw new Error(`env must be one of ${DEPLOY_ENVS.join(', ')} (got ${String(env)})`);
  const ctx = (key: string): unknown => app.node.tryGetContext(key);
  const str = (key: string): string | undefined => {
    const v = ctx(key);
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const bool = (key: string): boolean | undefined => {
    const v = ctx(key);
    return v === undefined ? undefined : v === true || v === 'true';
  };
  const fromContext: Partial<ActionTrackerProps> = {};
  const set = <K extends keyof ActionTrackerProps>(key: K, value: ActionTrackerProps[K] | undefined): void => {
    if (value !== undefined) (fromContext as Record<K, ActionTrackerProps[K]>)[key] = value;
  };
  set('name', str('name'));
  set('dockerImage', str('docker_image'));
  set('certificateArn', str('certificate_arn'));
  set('kmsKeyArn', str('kms_key_arn'));
  set('permissionsBoundaryArn', str('permissions_boundary_arn'));
  set('enableBastion', bool('enable_bastion'));
  set('evidenceForceDestroy', bool('evidence_force_destroy'));
  set('oidcUserClaim', str('oidc_user_claim'));
  set('oidcGroupsClaim', str('oidc_groups_claim'));
  set('oidcRoleMap', str('oidc_role_map'));
  set('oidcDefaultRole', str('oidc_default_role') as ActionTrackerProps['oidcDefaultRole'] | undefined);
  set('probeSchedule', str('probe_schedule'));
  const defaults = defaultProps(env);
  const oidcContext = {
    issuer: str('oidc_issuer'),
    authorizationEndpoint: str('oidc_authorization_endpoint'),
    tokenEndpoint: str('oidc_token_endpoint'),
    userInfoEndpoint: str('oidc_user_info_endpoint'),
    clientId: str('oidc_client_id'),
    clientSecretArn: str('oidc_client_secret_arn'),
    scope: str('oidc_scope'),
    sessionTimeoutSeconds: str('oidc_session_timeout') === undefined ? undefined : Number(str('oidc_session_timeout')),
  };
  const oidc = { ...defaults.oidc };
  for (const [key, value] of Object.entries(oidcContext)) if (value !== undefined) Object.assign(oidc, { [key]: value });
  set('oidc', oidc);
  const settings: ActionTrackerProps = { ...defaults, ...fromContext, ...overrides, env };
  checkSignIn(settings);
  const violations = guardRailViolations(settings);
  if (violations.length > 0) throw new Error(`${env}: ${violations.join('; ')}`);
  if (
    !/@sha256:[0-9a-f]{64}$/.test(settings.dockerImage) &&
    (/:latest$/.test(settings.dockerImage) || !/:[^/]+$/.test(settings.dockerImage))
  ) {
    throw new Error(`docker_image must carry an immutable tag such as :sha-<commit> or a digest (got ${settings.dockerImage})`);
  }
  if (settings.evidenceReconcileSchedule !== null && !/^(rate|cron)\(.+\)$/.test(settings.evidenceReconcileSchedule)) {
    throw new Error(
      `evidenceReconcileSchedule must be an EventBridge rate(...) or cron(...) expression, or null (got ${settings.evidenceReconcileSchedule})`,
    );
  }
  // terraform/variables.tf's probe_schedule validation: EventBridge's own forms.
  if (
    settings.probeSchedule !== null &&
    !/^(rate\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\)|cron\(\S+( \S+){5}\))$/.test(settings.probeSchedule)
  ) {
    throw new Error(
      `probeSchedule must be null, rate(1 minute|hour|day), rate(<n> minutes|hours|days) with n >= 2, or cron(<six fields>) (got ${settings.probeSchedule})`,
    );
  }
  return new ActionTrackerStack(app, stackId(env), settings, {
    stackName: `${settings.name}-${env}`,
    description: `Infrastructure Action Tracker (${env}): ECS Fargate behind an ALB with WAF, RDS PostgreSQL, S3 evidence and log buckets`,
  });
}
