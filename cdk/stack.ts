// The CDK twin of terraform/: the same deployment (VPC, ALB, ECS Fargate, RDS
// PostgreSQL, evidence bucket, IAM, CloudWatch, optional bastion), kept for
// comparison. Every value comes from /tmp/deploy/SPEC.md (issue 5) and issue 13
// (OIDC at the load balancer, API tokens straight to the tasks); the container
// environment names only settings of lib/config.ts (the type says so).
//
// buildStack(app, env) is what both the synth runner (cdk/app.ts) and the
// vitest comparison suites call. It needs no AWS account: the account and
// region are fixed dummies and the availability zones are set as context on
// the stack itself, so a bare `new App()` synthesizes offline too.
import { Annotations, App, Aws, CfnOutput, Duration, Fn, SecretValue, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { SETTINGS, type SettingName } from '../lib/config';

export type DeployEnv = 'dev' | 'prod';
export const DEPLOY_ENVS: readonly DeployEnv[] = ['dev', 'prod'];

/** The dummy account and the region every stack is bound to (offline synth). */
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const AVAILABILITY_ZONES = ['eu-west-1a', 'eu-west-1b'] as const;
export const AZ_CONTEXT_KEY = `availability-zones:account=${ACCOUNT}:region=${REGION}`;

/** Placeholder image for synth; a real deploy passes `-c docker_image=<repo>:sha-<commit>`. */
export const PLACEHOLDER_IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/action-tracker:sha-0000000000000000000000000000000000000000`;

export const APP_PORT = 8080;
export const DB_PORT = 5432;
export const DB_NAME = 'tracker';
export const DB_USER = 'tracker';

export interface OidcProps {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userInfoEndpoint: string;
  readonly clientId: string;
  /**
   * ARN of the Secrets Manager secret holding the client secret: the template
   * carries a `{{resolve:secretsmanager:…}}` reference, never the value. (Terraform
   * also takes an SSM SecureString parameter; CloudFormation's ssm-secure
   * references are not offered for listener properties, so the twin does not.)
   */
  readonly clientSecretArn: string;
  readonly scope: string;
  readonly sessionTimeoutSeconds: number;
}

/** Priorities of the HTTPS listener's rules (terraform/modules/alb `local.priority`); the default action signs browsers in. */
export const LISTENER_PRIORITY = { metrics: 10, bearer: 20, health: 30 } as const;

export interface ActionTrackerProps {
  /** Prefix of every name (SPEC: `name`, default `action-tracker`). */
  readonly name: string;
  readonly env: DeployEnv;
  /** Container image, `<repository>:sha-<commit>` (SPEC: `docker_image`). */
  readonly dockerImage: string;
  readonly vpcCidr: string;
  readonly singleNatGateway: boolean;
  /** The HTTPS listener's certificate: required, ALB OIDC sign-in runs on HTTPS listeners only. */
  readonly certificateArn: string;
  /** The identity provider the ALB signs browsers in with (SPEC: the `oidc_*` variables). */
  readonly oidc: OidcProps;
  /** How the tasks read the signed claims (the app's OIDC_* settings). */
  readonly oidcUserClaim: string;
  readonly oidcGroupsClaim: string;
  readonly oidcRoleMap: string;
  readonly oidcDefaultRole: 'viewer' | 'member' | 'lead' | 'admin' | 'none';
  readonly accessLogsBucket?: string | undefined;
  readonly dbInstanceClass: string;
  readonly multiAz: boolean;
  readonly deletionProtection: boolean;
  readonly applyImmediately: boolean;
  /** SPEC: SSE AES256 by default, aws:kms with this key. */
  readonly kmsKeyArn?: string | undefined;
  readonly logRetentionDays: number;
  readonly enableBastion: boolean;
  /** `owner/repo` trusted by the GitHub OIDC deploy role. */
  readonly githubRepository: string;
  /** The ECR repository the deploy role may push to. */
  readonly ecrRepositoryName: string;
  /** Terraform remote state (terraform/bootstrap) the deploy role may use. */
  readonly tfStateBucket: string;
  readonly tfLockTable: string;
}

/** Per-environment defaults, as terraform/envs/<env>.tfvars sets them (SPEC). */
export function defaultProps(env: DeployEnv): ActionTrackerProps {
  const name = 'action-tracker';
  const prod = env === 'prod';
  const cognitoDomain = prod ? name : `${name}-${env}`;
  return {
    name,
    env,
    dockerImage: PLACEHOLDER_IMAGE,
    vpcCidr: '10.20.0.0/16',
    singleNatGateway: !prod,
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
    accessLogsBucket: undefined,
    dbInstanceClass: 'db.t4g.micro',
    multiAz: prod,
    deletionProtection: prod,
    applyImmediately: false,
    kmsKeyArn: undefined,
    logRetentionDays: 30,
    enableBastion: false,
    githubRepository: 'example-org/action-tracker',
    ecrRepositoryName: name,
    tfStateBucket: `${name}-tfstate-${ACCOUNT}`,
    tfLockTable: `${name}-tfstate-lock`,
  };
}

/** SPEC subnet CIDRs, by subnet group and AZ index. */
export const SUBNET_CIDRS = {
  public: ['10.20.0.0/24', '10.20.1.0/24'],
  private: ['10.20.10.0/24', '10.20.11.0/24'],
} as const;

/**
 * Fixed subnet CIDRs: CDK's default allocator packs subnets one after the other
 * (10.20.2.0/24 for the first private subnet), the spec wants 10.20.10.0/24.
 */
class FixedSubnetCidrs implements ec2.IIpAddresses {
  constructor(
    private readonly vpcCidr: string,
    private readonly cidrs: Record<string, readonly string[]>,
    private readonly azs: readonly string[],
  ) {}
  allocateVpcCidr(): ec2.VpcIpamOptions {
    return { cidrBlock: this.vpcCidr };
  }
  allocateSubnetsCidr(input: ec2.AllocateCidrRequest): ec2.SubnetIpamOptions {
    return {
      allocatedSubnets: input.requestedSubnets.map((subnet) => {
        const cidr = this.cidrs[subnet.configuration.name]?.[this.azs.indexOf(subnet.availabilityZone)];
        if (!cidr) throw new Error(`no CIDR in the spec for subnet ${subnet.configuration.name} in ${subnet.availabilityZone}`);
        return { cidr };
      }),
    };
  }
}

/**
 * A Secrets Manager secret for the container whose grant is exactly
 * `secretsmanager:GetSecretValue` on the one ARN (SPEC, execution role).
 * `ecs.Secret.fromSecretsManager` would also grant DescribeSecret, in a
 * separate default policy; the statement lives inline on the role instead.
 */
class WholeSecret extends ecs.Secret {
  readonly hasField = false;
  constructor(readonly arn: string) {
    super();
  }
  override grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.drop(grantee, 'granted inline on the execution role (GetSecretValue on this secret only)');
  }
}

/**
 * The settings the deployment depends on: set in the task (DATABASE_URL as a
 * secret), identically by Terraform and this stack. Every other setting keeps
 * the app's default, so a setting added to lib/config.ts needs no change here.
 */
export const DEPLOYMENT_SETTINGS = [
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
] as const satisfies readonly SettingName[];
export const SECRET_SETTINGS = ['DATABASE_URL'] as const satisfies readonly SettingName[];

type SecretSetting = (typeof SECRET_SETTINGS)[number];
type RequiredEnvironment = Exclude<(typeof DEPLOYMENT_SETTINGS)[number], SecretSetting>;
/** Plain values of the task: the required ones, plus any other setting (only names lib/config.ts knows compile). */
export type ContainerEnvironment = Record<RequiredEnvironment, string> & Partial<Record<Exclude<SettingName, SecretSetting>, string>>;

export function containerEnvironment(values: {
  bucketName: string;
  region: string;
  kmsKeyArn?: string | undefined;
  loadBalancerArn: string;
  oidcUserClaim: string;
  oidcGroupsClaim: string;
  oidcRoleMap: string;
  oidcDefaultRole: string;
}): ContainerEnvironment {
  return {
    // Listen on the task's interface; only the ALB's security group reaches it.
    PORT: String(APP_PORT),
    HOST: '0.0.0.0',
    DATA_DIR: '/tmp/data',
    DB_POOL_MAX: '10',
    DB_STATEMENT_TIMEOUT_MS: '5000',
    DB_QUERY_TIMEOUT_MS: '6000',
    MIGRATE_ON_START: 'true',
    LOG_LEVEL: 'info',
    MAX_JSON_BODY_BYTES: '1048576',
    HEALTH_TIMEOUT_MS: '1500', // below the target group's 5 s health-check timeout
    ALB_IDLE_TIMEOUT_S: '60', // the ALB's idle timeout
    SHUTDOWN_TIMEOUT_MS: '25000', // inside the container's 30 s stopTimeout
    EVIDENCE_BUCKET: values.bucketName,
    EVIDENCE_SSE: values.kmsKeyArn ? 'aws:kms' : 'AES256',
    ...(values.kmsKeyArn ? { EVIDENCE_KMS_KEY_ID: values.kmsKeyArn } : {}),
    EVIDENCE_MAX_BYTES: '104857600',
    EVIDENCE_PRESIGN_DOWNLOADS: 'false',
    EVIDENCE_PRESIGN_TTL_S: '60',
    EVIDENCE_UPLOAD_TTL_S: '3600',
    // Identity: the ALB signs users in and signs their claims; the tasks accept
    // only what this load balancer signed, with the keys of its region.
    AUTH_MODE: 'alb-oidc',
    ALB_OIDC_SIGNER_ARN: values.loadBalancerArn,
    AWS_REGION: values.region,
    OIDC_USER_CLAIM: values.oidcUserClaim,
    OIDC_GROUPS_CLAIM: values.oidcGroupsClaim,
    OIDC_ROLE_MAP: values.oidcRoleMap,
    OIDC_DEFAULT_ROLE: values.oidcDefaultRole,
  };
}

/**
 * Logical ids the comparison tests look up (Template.fromStack(stack) then
 * template.findResources / getResourceId via stack.getLogicalId(construct)).
 */
export interface ActionTrackerResources {
  vpc: ec2.Vpc;
  albSecurityGroup: ec2.SecurityGroup;
  appSecurityGroup: ec2.SecurityGroup;
  dbSecurityGroup: ec2.SecurityGroup;
  bastionSecurityGroup?: ec2.SecurityGroup;
  loadBalancer: elbv2.ApplicationLoadBalancer;
  targetGroup: elbv2.ApplicationTargetGroup;
  httpListener: elbv2.ApplicationListener;
  httpsListener: elbv2.ApplicationListener;
  cluster: ecs.Cluster;
  taskDefinition: ecs.FargateTaskDefinition;
  container: ecs.ContainerDefinition;
  service: ecs.FargateService;
  database: rds.DatabaseInstance;
  databaseMasterSecret: secretsmanager.Secret;
  databaseUrlSecret: secretsmanager.Secret;
  bucket: s3.Bucket;
  logGroup: logs.LogGroup;
  alarmTopic: sns.Topic;
  alarms: Record<string, cloudwatch.Alarm>;
  executionRole: iam.Role;
  taskRole: iam.Role;
  githubOidcProvider: iam.OidcProviderNative;
  deployRole: iam.Role;
  bastion?: ec2.Instance;
}

export class ActionTrackerStack extends Stack {
  readonly settings: ActionTrackerProps;
  readonly resources: ActionTrackerResources;

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

    // ---------------------------------------------------------------- vpc
    const azs = [...AVAILABILITY_ZONES];
    const vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: prefix,
      ipAddresses: new FixedSubnetCidrs(s.vpcCidr, SUBNET_CIDRS, azs),
      availabilityZones: azs,
      natGateways: s.singleNatGateway ? 1 : azs.length,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      enableDnsHostnames: true,
      enableDnsSupport: true,
      restrictDefaultSecurityGroup: false,
    });
    const publicSubnets = { subnetType: ec2.SubnetType.PUBLIC };
    const privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    // ------------------------------------------------------ security groups
    // Only the spec's rules. allowAllOutbound:false where egress is restricted
    // (CDK then renders one placeholder "disallow all" egress rule).
    const albSecurityGroup = new ec2.SecurityGroup(this, 'AlbSecurityGroup', {
      vpc,
      securityGroupName: `${prefix}-alb`,
      description: 'ALB: HTTP/HTTPS from the internet, 8080 to the app only',
      allowAllOutbound: false,
    });
    const appSecurityGroup = new ec2.SecurityGroup(this, 'AppSecurityGroup', {
      vpc,
      securityGroupName: `${prefix}-app`,
      description: 'App tasks: 8080 from the ALB only',
      allowAllOutbound: true,
    });
    const dbSecurityGroup = new ec2.SecurityGroup(this, 'DbSecurityGroup', {
      vpc,
      securityGroupName: `${prefix}-db`,
      description: 'PostgreSQL: 5432 from the app only',
      allowAllOutbound: false,
    });
    albSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP from the internet');
    albSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from the internet');
    albSecurityGroup.addEgressRule(appSecurityGroup, ec2.Port.tcp(APP_PORT), 'To the app');
    appSecurityGroup.addIngressRule(albSecurityGroup, ec2.Port.tcp(APP_PORT), 'From the ALB');
    dbSecurityGroup.addIngressRule(appSecurityGroup, ec2.Port.tcp(DB_PORT), 'PostgreSQL from the app');

    // ------------------------------------------------------------------ s3
    const bucket = new s3.Bucket(this, 'EvidenceBucket', {
      bucketName: `${prefix}-evidence-${this.account}`,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      ...(s.kmsKeyArn
        ? {
            encryption: s3.BucketEncryption.KMS,
            encryptionKey: kms.Key.fromKeyArn(this, 'EvidenceKey', s.kmsKeyArn),
            bucketKeyEnabled: true,
          }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      versioned: true,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: 'noncurrent-versions-and-aborted-uploads',
          enabled: true,
          noncurrentVersionExpiration: Duration.days(90),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    // ----------------------------------------------------------------- rds
    const databaseMasterSecret = new secretsmanager.Secret(this, 'DatabaseMasterSecret', {
      secretName: `${prefix}/database-master`,
      description: 'PostgreSQL master credentials (generated)',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: DB_USER }),
        generateStringKey: 'password',
        passwordLength: 32,
        // Letters and digits only: the password goes into a postgres:// URL.
        excludePunctuation: true,
        includeSpace: false,
      },
    });
    const database = new rds.DatabaseInstance(this, 'Database', {
      instanceIdentifier: prefix,
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16_4 }),
      instanceType: new ec2.InstanceType(s.dbInstanceClass.replace(/^db\./, '')),
      vpc,
      vpcSubnets: privateSubnets,
      subnetGroup: new rds.SubnetGroup(this, 'DatabaseSubnetGroup', {
        vpc,
        subnetGroupName: `${prefix}-db`,
        description: `${prefix} database: private subnets`,
        vpcSubnets: privateSubnets,
      }),
      securityGroups: [dbSecurityGroup],
      port: DB_PORT,
      databaseName: DB_NAME,
      credentials: rds.Credentials.fromSecret(databaseMasterSecret, DB_USER),
      allocatedStorage: 20,
      maxAllocatedStorage: 100,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      backupRetention: Duration.days(7),
      multiAz: s.multiAz,
      deletionProtection: s.deletionProtection,
      applyImmediately: s.applyImmediately,
      publiclyAccessible: false,
      autoMinorVersionUpgrade: false, // 16.4 is pinned: an AWS upgrade would be drift
    });
    // The secret the container reads: the whole postgres:// URL (SPEC).
    const databaseUrlSecret = new secretsmanager.Secret(this, 'DatabaseUrlSecret', {
      secretName: `${prefix}/database-url`,
      description: 'DATABASE_URL for the app: postgres://tracker:<pw>@<endpoint>:5432/tracker?sslmode=verify-full',
      secretStringValue: SecretValue.unsafePlainText(
        Fn.join('', [
          `postgres://${DB_USER}:`,
          databaseMasterSecret.secretValueFromJson('password').unsafeUnwrap(),
          '@',
          database.dbInstanceEndpointAddress,
          // RDS requires TLS: verified against the RDS CA bundle the image trusts (NODE_EXTRA_CA_CERTS).
          `:${DB_PORT}/${DB_NAME}?sslmode=verify-full`,
        ]),
      ),
    });

    // ---------------------------------------------------------- cloudwatch
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/ecs/${prefix}`,
      retention: retentionDays(s.logRetentionDays),
    });

    // ----------------------------------------------------------------- iam
    const ecsTasks = new iam.ServicePrincipal('ecs-tasks.amazonaws.com');
    const executionRole = new iam.Role(this, 'ExecutionRole', {
      roleName: `${prefix}-execution`,
      assumedBy: ecsTasks,
      description: 'ECS task execution: pull the image, write logs, read the DATABASE_URL secret',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonECSTaskExecutionRolePolicy')],
      inlinePolicies: {
        'database-url-secret': new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'ReadDatabaseUrl',
              actions: ['secretsmanager:GetSecretValue'],
              resources: [databaseUrlSecret.secretArn],
            }),
          ],
        }),
      },
    });
    const taskRoleStatements = [
      new iam.PolicyStatement({
        sid: 'EvidenceObjects',
        actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [bucket.arnForObjects('*')],
      }),
      new iam.PolicyStatement({
        sid: 'EvidenceBucket',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
      }),
    ];
    if (s.kmsKeyArn) {
      taskRoleStatements.push(
        new iam.PolicyStatement({
          sid: 'EvidenceKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [s.kmsKeyArn],
        }),
      );
    }
    const taskRole = new iam.Role(this, 'TaskRole', {
      roleName: `${prefix}-task`,
      assumedBy: ecsTasks,
      description: 'The app: evidence bucket objects only',
      inlinePolicies: { 'evidence-bucket': new iam.PolicyDocument({ statements: taskRoleStatements }) },
    });

    // ----------------------------------------------------------------- alb
    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      loadBalancerName: prefix,
      vpc,
      vpcSubnets: publicSubnets,
      internetFacing: true,
      securityGroup: albSecurityGroup,
      idleTimeout: Duration.seconds(60),
    });
    if (s.accessLogsBucket) {
      loadBalancer.logAccessLogs(s3.Bucket.fromBucketName(this, 'AccessLogsBucket', s.accessLogsBucket), prefix);
    }
    const targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      targetGroupName: prefix,
      vpc,
      port: APP_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        enabled: true,
        path: '/health',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    // HTTP only redirects: ALB runs authenticate-oidc on HTTPS listeners only.
    const httpListener = loadBalancer.addListener('HttpListener', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      open: false,
    });
    if (!/^arn:aws[a-z-]*:secretsmanager:/.test(s.oidc.clientSecretArn)) {
      throw new Error(`oidc.clientSecretArn must be a Secrets Manager secret ARN in the CDK twin (got ${s.oidc.clientSecretArn})`);
    }
    // What no rule matches (a browser) signs in at the IdP first; the callback is
    // https://<host>/oauth2/idpresponse. allowHttpsOutbound (the default) lets the
    // ALB reach the IdP's token and user info endpoints: egress 443 on its group.
    const httpsListener = loadBalancer.addListener('HttpsListener', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS, // ELBSecurityPolicy-TLS13-1-2-2021-06
      certificates: [elbv2.ListenerCertificate.fromArn(s.certificateArn)],
      defaultAction: elbv2.ListenerAction.authenticateOidc({
        issuer: s.oidc.issuer,
        authorizationEndpoint: s.oidc.authorizationEndpoint,
        tokenEndpoint: s.oidc.tokenEndpoint,
        userInfoEndpoint: s.oidc.userInfoEndpoint,
        clientId: s.oidc.clientId,
        clientSecret: SecretValue.secretsManager(s.oidc.clientSecretArn),
        scope: s.oidc.scope,
        sessionTimeout: Duration.seconds(s.oidc.sessionTimeoutSeconds),
        onUnauthenticatedRequest: elbv2.UnauthenticatedAction.AUTHENTICATE,
        next: elbv2.ListenerAction.forward([targetGroup]),
      }),
      open: false,
    });
    // /metrics never leaves through the load balancer, not even with a token.
    httpsListener.addAction('MetricsBlocked', {
      priority: LISTENER_PRIORITY.metrics,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/metrics', '/metrics/*'])],
      action: elbv2.ListenerAction.fixedResponse(404, {
        contentType: 'application/json',
        messageBody: JSON.stringify({ type: 'https://infra-action-tracker.dev/problems/not-found', title: 'Not found', status: 404 }),
      }),
    });
    // Automation (`Authorization: Bearer iat_...`) goes straight to the tasks, which verify the token.
    httpsListener.addAction('BearerToTasks', {
      priority: LISTENER_PRIORITY.bearer,
      conditions: [elbv2.ListenerCondition.httpHeader('Authorization', ['Bearer *'])],
      action: elbv2.ListenerAction.forward([targetGroup]),
    });
    // /health holds no data and serves smoke and uptime checks without sign-in.
    httpsListener.addAction('HealthUnauthenticated', {
      priority: LISTENER_PRIORITY.health,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/health']), elbv2.ListenerCondition.httpRequestMethods(['GET', 'HEAD'])],
      action: elbv2.ListenerAction.forward([targetGroup]),
    });

    // ----------------------------------------------------------------- ecs
    const cluster = new ecs.Cluster(this, 'Cluster', {
      clusterName: prefix,
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: prefix,
      cpu: 512,
      memoryLimitMiB: 1024,
      executionRole,
      taskRole,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
      },
    });
    const container = taskDefinition.addContainer('app', {
      containerName: 'app',
      image: ecs.ContainerImage.fromRegistry(s.dockerImage),
      essential: true,
      portMappings: [{ containerPort: APP_PORT, protocol: ecs.Protocol.TCP }],
      stopTimeout: Duration.seconds(30),
      environment: containerEnvironment({
        bucketName: bucket.bucketName,
        region: this.region,
        kmsKeyArn: s.kmsKeyArn,
        // No cycle: the load balancer does not depend on the task definition.
        loadBalancerArn: loadBalancer.loadBalancerArn,
        oidcUserClaim: s.oidcUserClaim,
        oidcGroupsClaim: s.oidcGroupsClaim,
        oidcRoleMap: s.oidcRoleMap,
        oidcDefaultRole: s.oidcDefaultRole,
      }),
      secrets: { DATABASE_URL: new WholeSecret(databaseUrlSecret.secretArn) },
      // awslogs without CDK's extra logs grant: AmazonECSTaskExecutionRolePolicy covers it.
      logging: new ecs.GenericLogDriver({
        logDriver: 'awslogs',
        options: {
          'awslogs-group': logGroup.logGroupName,
          'awslogs-region': this.region,
          'awslogs-stream-prefix': 'app',
        },
      }),
    });
    Annotations.of(container).acknowledgeWarning(
      '@aws-cdk/aws-ecs:ecrImageRequiresPolicy',
      'the execution role has AmazonECSTaskExecutionRolePolicy, which allows ECR pulls',
    );
    const service = new ecs.FargateService(this, 'Service', {
      serviceName: prefix,
      cluster,
      taskDefinition,
      desiredCount: 2,
      assignPublicIp: false,
      vpcSubnets: privateSubnets,
      securityGroups: [appSecurityGroup],
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(30),
    });
    // Registering adds "ALB → app 8080" rules; they have the ids of the explicit
    // ones above, so nothing new is created.
    service.attachToApplicationTargetGroup(targetGroup);
    const scaling = service.autoScaleTaskCount({ minCapacity: 2, maxCapacity: 6 });
    scaling.scaleOnCpuUtilization('CpuScaling', { targetUtilizationPercent: 60 });
    scaling.scaleOnRequestCount('RequestCountScaling', { requestsPerTarget: 500, targetGroup });

    // -------------------------------------------------------------- alarms
    const alarmTopic = new sns.Topic(this, 'AlarmTopic', { topicName: `${prefix}-alarms` });
    const alarmAction = new cloudwatchActions.SnsAction(alarmTopic);
    const alarm = (
      id: string,
      alarmName: string,
      metric: cloudwatch.Metric,
      threshold: number,
      evaluationPeriods: number,
      comparisonOperator: cloudwatch.ComparisonOperator,
      alarmDescription: string,
    ): cloudwatch.Alarm => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmName: `${prefix}-${alarmName}`,
        alarmDescription,
        metric,
        threshold,
        evaluationPeriods,
        datapointsToAlarm: evaluationPeriods,
        comparisonOperator,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(alarmAction);
      return a;
    };
    const GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
    const LT = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD;
    const ecsDims = { ClusterName: cluster.clusterName, ServiceName: service.serviceName };
    const rdsDims = { DBInstanceIdentifier: database.instanceIdentifier };
    const alarms: Record<string, cloudwatch.Alarm> = {
      alb5xx: alarm(
        'Alb5xxAlarm',
        'alb-target-5xx',
        new cloudwatch.Metric({
          namespace: 'AWS/ApplicationELB',
          metricName: 'HTTPCode_Target_5XX_Count',
          dimensionsMap: { LoadBalancer: loadBalancer.loadBalancerFullName },
          statistic: 'Sum',
          period: Duration.minutes(5),
        }),
        10,
        1,
        GTE,
        'Targets answered 10 or more 5xx in 5 minutes',
      ),
      unhealthyHosts: alarm(
        'UnhealthyHostsAlarm',
        'alb-unhealthy-hosts',
        new cloudwatch.Metric({
          namespace: 'AWS/ApplicationELB',
          metricName: 'UnHealthyHostCount',
          dimensionsMap: { LoadBalancer: loadBalancer.loadBalancerFullName, TargetGroup: targetGroup.targetGroupFullName },
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
        1,
        3,
        GTE,
        'At least one unhealthy target for 3 minutes',
      ),
      ecsCpu: alarm(
        'EcsCpuAlarm',
        'ecs-cpu',
        new cloudwatch.Metric({
          namespace: 'AWS/ECS',
          metricName: 'CPUUtilization',
          dimensionsMap: ecsDims,
          statistic: 'Average',
          period: Duration.minutes(5),
        }),
        85,
        2,
        GTE,
        'Service CPU at or above 85% for 10 minutes',
      ),
      ecsMemory: alarm(
        'EcsMemoryAlarm',
        'ecs-memory',
        new cloudwatch.Metric({
          namespace: 'AWS/ECS',
          metricName: 'MemoryUtilization',
          dimensionsMap: ecsDims,
          statistic: 'Average',
          period: Duration.minutes(5),
        }),
        85,
        2,
        GTE,
        'Service memory at or above 85% for 10 minutes',
      ),
      rdsCpu: alarm(
        'RdsCpuAlarm',
        'rds-cpu',
        new cloudwatch.Metric({
          namespace: 'AWS/RDS',
          metricName: 'CPUUtilization',
          dimensionsMap: rdsDims,
          statistic: 'Average',
          period: Duration.minutes(5),
        }),
        80,
        2,
        GTE,
        'Database CPU at or above 80% for 10 minutes',
      ),
      rdsFreeStorage: alarm(
        'RdsFreeStorageAlarm',
        'rds-free-storage',
        new cloudwatch.Metric({
          namespace: 'AWS/RDS',
          metricName: 'FreeStorageSpace',
          dimensionsMap: rdsDims,
          statistic: 'Minimum',
          period: Duration.minutes(5),
        }),
        2 * 1024 ** 3,
        1,
        LT,
        'Database free storage below 2 GiB',
      ),
    };

    // ----------------------------------------------- github oidc + deploy role
    const githubOidcProvider = new iam.OidcProviderNative(this, 'GithubOidcProvider', {
      url: 'https://token.actions.githubusercontent.com',
      clientIds: ['sts.amazonaws.com'],
    });
    const deployRole = new iam.Role(this, 'DeployRole', {
      roleName: `${prefix}-deploy`,
      description: `GitHub Actions deploys of ${s.githubRepository} to ${s.env}`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(githubOidcProvider.oidcProviderArn, {
        // sub is single-valued: a list under StringEquals matches any one of them.
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': [
            `repo:${s.githubRepository}:ref:refs/heads/main`,
            `repo:${s.githubRepository}:environment:${s.env}`,
          ],
        },
      }),
      inlinePolicies: {
        deploy: new iam.PolicyDocument({
          statements: deployStatements(this, s, { executionRole, taskRole, cluster, service }),
        }),
      },
    });

    // ------------------------------------------------------------- bastion
    let bastionSecurityGroup: ec2.SecurityGroup | undefined;
    let bastion: ec2.Instance | undefined;
    if (s.enableBastion) {
      bastionSecurityGroup = new ec2.SecurityGroup(this, 'BastionSecurityGroup', {
        vpc,
        securityGroupName: `${prefix}-bastion`,
        description: 'Bastion: no ingress (SSM Session Manager)',
        allowAllOutbound: true,
      });
      bastion = new ec2.Instance(this, 'Bastion', {
        instanceName: `${prefix}-bastion`,
        vpc,
        vpcSubnets: privateSubnets,
        instanceType: new ec2.InstanceType('t4g.nano'),
        machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
        securityGroup: bastionSecurityGroup,
        requireImdsv2: true,
        ssmSessionPermissions: true,
        associatePublicIpAddress: false,
        blockDevices: [
          { deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) },
        ],
      });
    }

    // ------------------------------------------------------------- outputs
    new CfnOutput(this, 'LoadBalancerDns', { value: loadBalancer.loadBalancerDnsName });
    new CfnOutput(this, 'EvidenceBucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'DatabaseUrlSecretArn', { value: databaseUrlSecret.secretArn });
    new CfnOutput(this, 'DeployRoleArn', { value: deployRole.roleArn });

    this.resources = {
      vpc,
      albSecurityGroup,
      appSecurityGroup,
      dbSecurityGroup,
      ...(bastionSecurityGroup ? { bastionSecurityGroup } : {}),
      loadBalancer,
      targetGroup,
      httpListener,
      httpsListener,
      cluster,
      taskDefinition,
      container,
      service,
      database,
      databaseMasterSecret,
      databaseUrlSecret,
      bucket,
      logGroup,
      alarmTopic,
      alarms,
      executionRole,
      taskRole,
      githubOidcProvider,
      deployRole,
      ...(bastion ? { bastion } : {}),
    };
  }
}

/** The deploy role's scoped policy (SPEC): no `*` action, no AdministratorAccess. */
function deployStatements(
  stack: Stack,
  s: ActionTrackerProps,
  r: { executionRole: iam.Role; taskRole: iam.Role; cluster: ecs.Cluster; service: ecs.FargateService },
): iam.PolicyStatement[] {
  const ecrRepositoryArn = `arn:${Aws.PARTITION}:ecr:${stack.region}:${stack.account}:repository/${s.ecrRepositoryName}`;
  const stateBucketArn = `arn:${Aws.PARTITION}:s3:::${s.tfStateBucket}`;
  return [
    new iam.PolicyStatement({
      sid: 'EcrLogin',
      actions: ['ecr:GetAuthorizationToken'],
      resources: ['*'], // the action has no resource-level permissions
    }),
    new iam.PolicyStatement({
      sid: 'EcrPush',
      actions: [
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        'ecr:CompleteLayerUpload',
        'ecr:DescribeImages',
        'ecr:GetDownloadUrlForLayer',
        'ecr:InitiateLayerUpload',
        'ecr:PutImage',
        'ecr:UploadLayerPart',
      ],
      resources: [ecrRepositoryArn],
    }),
    new iam.PolicyStatement({
      sid: 'EcsDeploy',
      actions: ['ecs:UpdateService', 'ecs:DescribeServices'],
      resources: [r.service.serviceArn],
    }),
    new iam.PolicyStatement({
      sid: 'EcsTaskDefinitions',
      // RegisterTaskDefinition and the Describe* reads have no resource-level scoping.
      actions: ['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition', 'ecs:DescribeClusters', 'ecs:DescribeTasks'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'PassTaskRoles',
      actions: ['iam:PassRole'],
      resources: [r.executionRole.roleArn, r.taskRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }),
    new iam.PolicyStatement({
      sid: 'ReadOidcClientSecret',
      // Every Terraform plan reads it for the listener (terraform/modules/iam).
      actions: ['secretsmanager:GetSecretValue'],
      resources: [s.oidc.clientSecretArn],
    }),
    new iam.PolicyStatement({
      sid: 'TerraformStateList',
      actions: ['s3:ListBucket'],
      resources: [stateBucketArn],
    }),
    new iam.PolicyStatement({
      sid: 'TerraformStateObjects',
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: [`${stateBucketArn}/*`],
    }),
    new iam.PolicyStatement({
      sid: 'TerraformLock',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable'],
      resources: [`arn:${Aws.PARTITION}:dynamodb:${stack.region}:${stack.account}:table/${s.tfLockTable}`],
    }),
  ];
}

function retentionDays(days: number): logs.RetentionDays {
  const known = Object.values(logs.RetentionDays).filter((v): v is logs.RetentionDays => typeof v === 'number');
  if (!known.includes(days as logs.RetentionDays)) throw new Error(`log retention ${days} days is not a CloudWatch value`);
  return days as logs.RetentionDays;
}

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
 * else the spec's defaults for that environment.
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
  set('accessLogsBucket', str('access_logs_bucket'));
  set('kmsKeyArn', str('kms_key_arn'));
  set('enableBastion', bool('enable_bastion'));
  set('githubRepository', str('github_repository'));
  set('oidcUserClaim', str('oidc_user_claim'));
  set('oidcGroupsClaim', str('oidc_groups_claim'));
  set('oidcRoleMap', str('oidc_role_map'));
  set('oidcDefaultRole', str('oidc_default_role') as ActionTrackerProps['oidcDefaultRole'] | undefined);
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
  if (/:latest$/.test(settings.dockerImage) || !/:[^/]+$/.test(settings.dockerImage)) {
    throw new Error(`docker_image must carry an immutable tag such as :sha-<commit> (got ${settings.dockerImage})`);
  }
  return new ActionTrackerStack(app, stackId(env), settings, {
    stackName: `${settings.name}-${env}`,
    description: `Infrastructure Action Tracker (${env}): ECS Fargate behind an ALB, RDS PostgreSQL, S3 evidence bucket`,
  });
}
