// The settings of one environment stack and their per-environment defaults:
// the twin of terraform/variables.tf with envs/dev.tfvars and envs/prod.tfvars.
export type DeployEnv = 'dev' | 'prod';
export const DEPLOY_ENVS: readonly DeployEnv[] = ['dev', 'prod'];

/** The dummy account and the region every stack is bound to (offline synth). */
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const AVAILABILITY_ZONES = ['eu-west-1a', 'eu-west-1b'] as const;
export const AZ_CONTEXT_KEY = `availability-zones:account=${ACCOUNT}:region=${REGION}`;

/** Placeholder image for synth; a real deploy passes `-c docker_image=<repo>@sha256:<digest>` or `:sha-<commit>`. */
export const PLACEHOLDER_IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/action-tracker:sha-0000000000000000000000000000000000000000`;

export const APP_PORT = 8080;
export const DB_PORT = 5432;
export const DB_NAME = 'tracker';
export const DB_USER = 'tracker';

/** SPEC subnet CIDRs, by subnet group and AZ index. */
export const SUBNET_CIDRS = {
  public: ['10.20.0.0/24', '10.20.1.0/24'],
  private: ['10.20.10.0/24', '10.20.11.0/24'],
} as const;

/** Priorities of the HTTPS listener's rules (terraform/modules/alb `local.priority`); the default action signs browsers in. */
export const LISTENER_PRIORITY = { metrics: 10, bearer: 20, health: 30 } as const;

export interface OidcProps {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userInfoEndpoint: string;
  readonly clientId: string;
  /**
   * ARN of the Secrets Manager secret holding the client secret: the template
   * carries a `{{resolve:secretsmanager:…}}` reference, never the value.
   */
  readonly clientSecretArn: string;
  readonly scope: string;
  readonly sessionTimeoutSeconds: number;
}

export interface ActionTrackerProps {
  /** Prefix of every name (`name`, default `action-tracker`). */
  readonly name: string;
  readonly env: DeployEnv;
  /** Container image, `<repository>:sha-<commit>` or `<repository>@sha256:<digest>` (`docker_image`). */
  readonly dockerImage: string;
  readonly vpcCidr: string;
  /** One NAT gateway for every AZ (cheap, one AZ's failure cuts egress): refused in prod. */
  readonly singleNatGateway: boolean;
  /** VPC flow logs (traffic ALL) into the log bucket (`enable_flow_logs`). */
  readonly enableFlowLogs: boolean;
  /** ECR, Logs and Secrets Manager interface endpoints (`enable_interface_endpoints`). */
  readonly enableInterfaceEndpoints: boolean;
  /** The HTTPS listener's certificate: required, ALB OIDC sign-in runs on HTTPS listeners only. */
  readonly certificateArn: string;
  /** The identity provider the ALB signs browsers in with (the `oidc_*` variables). */
  readonly oidc: OidcProps;
  /** How the tasks read the signed claims (the app's OIDC_* settings). */
  readonly oidcUserClaim: string;
  readonly oidcGroupsClaim: string;
  readonly oidcRoleMap: string;
  readonly oidcDefaultRole: 'viewer' | 'member' | 'lead' | 'admin' | 'none';
  /** WAF web ACL on the ALB (`enable_waf`): refused off in prod. */
  readonly enableWaf: boolean;
  /** Requests per 5 minutes per IP before the rate rule blocks (`waf_rate_limit`). */
  readonly wafRateLimit: number;
  /** ALB access logs into the log bucket; undefined = on in prod, off in dev (`alb_access_logs_enabled`). */
  readonly albAccessLogsEnabled?: boolean | undefined;
  readonly dbInstanceClass: string;
  readonly multiAz: boolean;
  readonly deletionProtection: boolean;
  readonly applyImmediately: boolean;
  /** Destroying the stack skips the final snapshot (dev); prod keeps one (`skip_final_snapshot`). */
  readonly skipFinalSnapshot: boolean;
  /** IAM database authentication (`db_iam_authentication`). */
  readonly dbIamAuthentication: boolean;
  /** Evidence SSE: AES256 by default, aws:kms with this key (`evidence_kms_key_arn`). */
  readonly kmsKeyArn?: string | undefined;
  /** Lets a stack deletion empty the evidence and log buckets (`evidence_force_destroy`): refused in prod. */
  readonly evidenceForceDestroy: boolean;
  /** Origins of the page's direct uploads (`app_origins`); empty = no CORS rule. */
  readonly appOrigins: readonly string[];
  /** Days the log bucket keeps ALB, flow and S3 access logs (`log_bucket_retention_days`). */
  readonly logBucketRetentionDays: number;
  readonly logRetentionDays: number;
  /** KMS key of the app's log group (`log_kms_key_arn`). */
  readonly logKmsKeyArn?: string | undefined;
  /** KMS key of the alarm topic (`alarm_topic_kms_key_id`); its key policy must let CloudWatch use it. */
  readonly alarmTopicKmsKeyArn?: string | undefined;
  /** Who the alarms e-mail (`alarm_emails`). */
  readonly alarmEmails: readonly string[];
  /** Dev runs on Fargate Spot (`use_fargate_spot`): refused in prod. */
  readonly useFargateSpot: boolean;
  /** EventBridge schedule of the evidence reconcile (report only); null = off (`evidence_reconcile_schedule`). */
  readonly evidenceReconcileSchedule: string | null;
  /**
   * EventBridge schedule of the probe rounds (`node dist/probe-round.mjs` as a one-off task; the
   * tasks then get PROBE_INTERVAL_S=0); null = the tasks' in-process schedule (`probe_schedule`).
   */
  readonly probeSchedule: string | null;
  /** Permissions boundary of every role this stack creates (the bootstrap's `permissions_boundary_arns[env]`). */
  readonly permissionsBoundaryArn?: string | undefined;
  readonly enableBastion: boolean;
}

/** Per-environment defaults, as terraform/envs/<env>.tfvars sets them. */
export function defaultProps(env: DeployEnv): ActionTrackerProps {
  const name = 'action-tracker';
  const prod = env === 'prod';
  const cognitoDomain = prod ? name : `${name}-${env}`;
  const host = prod ? 'tracker.example.com' : `tracker-${env}.example.com`;
  return {
    name,
    env,
    dockerImage: PLACEHOLDER_IMAGE,
    vpcCidr: '10.20.0.0/16',
    singleNatGateway: !prod,
    enableFlowLogs: true,
    enableInterfaceEndpoints: false,
    // Placeholders, as in terraform/envs/<env>.tfvars: a real deploy passes its own.
    certificateArn: `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000`,
    oidc: {
      issuer: `https://cognito-idp.${REGION}.amazonaws.com/${REGION}_EXAMPLE${prod ? 'pr' : 'dv'}`,
      authorizationEndpoint: `https://${cognitoDomain}.auth.${REGION}.amazoncognito.com/oauth2/authorize`,
      tokenEndpoint: `https://${cognitoDomain}.auth.${REGION}.amazoncognito.com/oauth2/token`,
      userInfoEndpoint: `https://${cognitoDomain}.auth.${REGION}.amazoncognito.com/oauth2/userInfo`,
      clientId: 'replace-with-the-app-client-id',
      clientSecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}/${env}/oidc-client-secret-AbCdEf`,
      scope: 'openid email profile',
      sessionTimeoutSeconds: 28800,
    },
    oidcUserClaim: 'email',
    oidcGroupsClaim: 'custom:groups',
    oidcRoleMap: 'sre-admins=admin,sre-leads=lead,sre=member,auditors=viewer',
    oidcDefaultRole: 'none',
    enableWaf: true,
    wafRateLimit: 2000,
    // As the tfvars set it (null would mean the same: on in prod only).
    albAccessLogsEnabled: prod,
    dbInstanceClass: 'db.t4g.micro',
    multiAz: prod,
    deletionProtection: prod,
    applyImmediately: false,
    skipFinalSnapshot: !prod,
    dbIamAuthentication: false,
    kmsKeyArn: undefined,
    evidenceForceDestroy: false,
    appOrigins: [`https://${host}`],
    logBucketRetentionDays: 90,
    logRetentionDays: prod ? 90 : 30,
    logKmsKeyArn: undefined,
    alarmTopicKmsKeyArn: undefined,
    // Placeholders: each address confirms the SNS subscription e-mail.
    alarmEmails: prod ? ['sre-alerts@example.com', 'sre-oncall@example.com'] : ['sre-alerts-dev@example.com'],
    useFargateSpot: !prod,
    evidenceReconcileSchedule: 'rate(1 day)',
    // As the tfvars: the tasks run the rounds themselves, one at a time by the lease.
    probeSchedule: null,
    permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/${name}-${env}-boundary`,
    enableBastion: false,
  };
}

/** Whether the ALB writes access logs (null in Terraform = on in prod only). */
export function albAccessLogs(s: ActionTrackerProps): boolean {
  return s.albAccessLogsEnabled ?? s.env === 'prod';
}

/** The guard rails terraform/variables.tf validates for prod, refused here the same way. */
export function guardRailViolations(s: ActionTrackerProps): string[] {
  if (s.env !== 'prod') return [];
  const out: string[] = [];
  if (s.evidenceForceDestroy) out.push('prod cannot set evidenceForceDestroy (evidence_force_destroy)');
  if (!s.deletionProtection) out.push('prod cannot turn off deletionProtection');
  if (!s.multiAz) out.push('prod cannot turn off multiAz');
  if (!s.enableWaf) out.push('prod cannot turn off the WAF (enable_waf)');
  if (!albAccessLogs(s)) out.push('prod cannot turn off ALB access logs (alb_access_logs_enabled)');
  if (s.singleNatGateway) out.push('prod cannot use a single NAT gateway (single_nat_gateway)');
  if (s.logRetentionDays < 30) out.push(`prod log retention must be at least 30 days (got ${s.logRetentionDays})`);
  if (s.useFargateSpot) out.push('prod cannot run on Fargate Spot (use_fargate_spot)');
  return out;
}
