// Twin of terraform/bootstrap: what exists once per account before any
// environment: the Terraform state bucket, the image repository, the GitHub
// OIDC provider, the CI roles (image publish, a Terraform role per
// environment, the read-only prod plan) and each environment's permissions
// boundary. Same names, trust and policies as terraform/bootstrap/iam.tf.
import { Duration, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ACCOUNT, DEPLOY_ENVS, REGION, type DeployEnv } from './props';
import { acknowledge } from './constructs/module';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/** AWS no longer checks these for GitHub's provider, but the API still wants a value (as in Terraform). */
export const GITHUB_THUMBPRINTS = ['6938fd4d98bab03faadb97b34396831e3780aea1', '1c58a3a8518e8759bf075b76b750d4f2df264fcd'];

export interface BootstrapProps {
  readonly name: string;
  readonly region: string;
  /** `owner/repo` whose GitHub environments may assume the CI roles. */
  readonly githubRepository: string;
  /** Create the account's GitHub OIDC provider; false uses the existing one. */
  readonly createGithubOidcProvider: boolean;
  readonly environments: readonly DeployEnv[];
  readonly stateBucketName?: string | undefined;
  readonly createEcrRepository: boolean;
  readonly ecrRepositoryName: string;
  /** Per environment, the evidence bucket's KMS key, if any. */
  readonly kmsKeyArns: Partial<Record<DeployEnv, string>>;
  readonly maxSessionDurationSeconds: number;
}

export function defaultBootstrapProps(): BootstrapProps {
  return {
    name: 'action-tracker',
    region: REGION,
    githubRepository: 'example-org/action-tracker',
    createGithubOidcProvider: true,
    environments: [...DEPLOY_ENVS],
    stateBucketName: undefined,
    createEcrRepository: true,
    ecrRepositoryName: 'action-tracker',
    kmsKeyArns: {},
    maxSessionDurationSeconds: 3600,
  };
}

type Conditions = Record<string, Record<string, string | string[]>>;
const allow = (sid: string, actions: string[], resources: string[], conditions?: Conditions): iam.PolicyStatement =>
  new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) });
const deny = (sid: string, actions: string[], resources: string[]): iam.PolicyStatement =>
  new iam.PolicyStatement({ sid, effect: iam.Effect.DENY, actions, resources });

/**
 * The IAM5 findings (wildcard actions and resources) of exactly these
 * statements, as cdk-nag spells them (`<AWS::Partition>` for the partition).
 * cdk-nag 3 wants one acknowledgment per finding: a wildcard added to another
 * policy is still reported.
 */
function wildcardFindings(stack: Stack, statements: readonly iam.PolicyStatement[]): string[] {
  const nagView = (value: string): string => value.split(stack.partition).join('<AWS::Partition>');
  const out = new Set<string>();
  for (const statement of statements) {
    if (statement.effect === iam.Effect.DENY) continue;
    for (const action of statement.actions) if (action.includes('*')) out.add(`Action::${action}`);
    for (const resource of statement.resources) if (resource.includes('*')) out.add(`Resource::${nagView(resource)}`);
  }
  return [...out];
}

export class BootstrapStack extends Stack {
  readonly settings: BootstrapProps;
  readonly stateBucket: s3.Bucket;
  readonly repository?: ecr.Repository;
  readonly githubOidcProviderArn: string;
  readonly imagePublishRole: iam.Role;
  readonly terraformRoles: Partial<Record<DeployEnv, iam.Role>> = {};
  readonly prodPlanRole?: iam.Role;
  readonly boundaries: Partial<Record<DeployEnv, iam.ManagedPolicy>> = {};

  constructor(scope: Construct, id: string, settings: BootstrapProps, props: StackProps = {}) {
    super(scope, id, { ...props, env: { account: ACCOUNT, region: settings.region } });
    this.settings = settings;
    const s = settings;
    if (s.environments.length === 0 || new Set(s.environments).size !== s.environments.length) {
      throw new Error(`environments must be a non-empty list of distinct envs (got ${JSON.stringify(s.environments)})`);
    }
    Tags.of(this).add('Project', s.name);
    const partition = this.partition;
    const account = this.account;
    const region = this.region;
    const iamArn = `arn:${partition}:iam::${account}`;
    const regional = (service: string): string => `arn:${partition}:${service}:${region}:${account}`;
    const inRegion: Conditions = { StringEquals: { 'aws:RequestedRegion': region } };
    // The statements of the last policy built, for acknowledging exactly its wildcards.
    let lastStatements: iam.PolicyStatement[] = [];
    const document = (statements: iam.PolicyStatement[]): iam.PolicyDocument => {
      lastStatements = statements;
      return new iam.PolicyDocument({ statements });
    };

    // ------------------------------------------------------------ state bucket
    const stateBucketName = s.stateBucketName ?? `${s.name}-tfstate-${account}`;
    const stateBucketArn = `arn:${partition}:s3:::${stateBucketName}`;
    this.stateBucket = new s3.Bucket(this, 'StateBucket', {
      bucketName: stateBucketName,
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      // Saved plans hold the OIDC client secret: the apply deletes the version it applied; a plan
      // never approved (or a failed run) expires here, with its old versions.
      lifecycleRules: s.environments.map((env) => ({
        id: `expire-saved-plans-${env}`,
        prefix: `${s.name}/${env}/plans/`,
        expiration: Duration.days(7),
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      })),
      // prevent_destroy: every environment's state lives here.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.stateBucket, [
      {
        id: 'AwsSolutions-S1',
        reason: 'As in terraform/bootstrap: no log bucket exists before the bootstrap; audit state access with CloudTrail S3 data events',
      },
    ]);

    // -------------------------------------------------------------- repository
    const ecrRepositoryArn = `${regional('ecr')}:repository/${s.ecrRepositoryName}`;
    if (s.createEcrRepository) {
      this.repository = new ecr.Repository(this, 'Repository', {
        repositoryName: s.ecrRepositoryName,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        imageScanOnPush: true,
        encryption: ecr.RepositoryEncryption.AES_256,
        removalPolicy: RemovalPolicy.RETAIN,
        lifecycleRules: [
          {
            rulePriority: 1,
            description: 'Drop untagged images after 7 days',
            tagStatus: ecr.TagStatus.UNTAGGED,
            maxImageAge: Duration.days(7),
          },
          {
            rulePriority: 2,
            description: 'Keep the newest 200 sha- images',
            tagStatus: ecr.TagStatus.TAGGED,
            tagPrefixList: ['sha-'],
            maxImageCount: 200,
          },
        ],
      });
    }

    // ------------------------------------------------------------ oidc provider
    if (s.createGithubOidcProvider) {
      const provider = new iam.OidcProviderNative(this, 'GithubOidcProvider', {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIds: ['sts.amazonaws.com'],
        thumbprints: GITHUB_THUMBPRINTS,
      });
      this.githubOidcProviderArn = provider.oidcProviderArn;
    } else {
      this.githubOidcProviderArn = `${iamArn}:oidc-provider/${GITHUB_OIDC_HOST}`;
    }
    /** Trust for exactly one GitHub environment of the repository: a job without it gets another `sub`. */
    const githubEnvironment = (environment: string): iam.WebIdentityPrincipal =>
      new iam.WebIdentityPrincipal(this.githubOidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
          [`${GITHUB_OIDC_HOST}:sub`]: `repo:${s.githubRepository}:environment:${environment}`,
        },
      });

    const envPrefix = (env: DeployEnv): string => `${s.name}-${env}`;
    const statePrefix = (env: DeployEnv): string => `${s.name}/${env}`;
    // Saved plans (deploy.yml's prod-plan job) hold the OIDC client secret in clear: beside the state, never an artifact.
    const planPrefix = (env: DeployEnv): string => `${s.name}/${env}/plans`;
    // The env stack's buckets by their exact names (constructs/storage, constructs/logs). Not `<name>-<env>-*`:
    // in IAM that wildcard also matches every object ARN inside (`*` spans `/`).
    const bucketArns = (env: DeployEnv): string[] => [
      `arn:${partition}:s3:::${envPrefix(env)}-evidence-${account}`,
      `arn:${partition}:s3:::${envPrefix(env)}-logs-${account}`,
    ];
    const objectArns = (env: DeployEnv): string[] => bucketArns(env).map((arn) => `${arn}/*`);
    // Secrets Manager's own endpoint: KMS calls it makes for a caller carry it as kms:ViaService.
    const throughSecretsManager: Conditions = {
      StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/secretsmanager' },
    };
    const boundaryArn = (env: DeployEnv): string => `${iamArn}:policy/${envPrefix(env)}-boundary`;
    const createProdPlan = s.environments.includes('prod');
    const bootstrapRoleArns = [
      `${iamArn}:role/${s.name}-image-publish`,
      ...s.environments.map((env) => `${iamArn}:role/${envPrefix(env)}-terraform`),
      ...(createProdPlan ? [`${iamArn}:role/${s.name}-prod-plan`] : []),
    ];

    // ----------------------------------------------------------- image publish
    this.imagePublishRole = new iam.Role(this, 'ImagePublishRole', {
      roleName: `${s.name}-image-publish`,
      description: `GitHub Actions (${s.githubRepository}, environment image): push the scanned image to ECR`,
      assumedBy: githubEnvironment('image'),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        'ecr-push': document([
          // GetAuthorizationToken has no resource-level permission.
          allow('EcrLogin', ['ecr:GetAuthorizationToken'], ['*']),
          allow(
            'EcrPushToTheRepository',
            [
              'ecr:BatchCheckLayerAvailability',
              'ecr:BatchGetImage',
              'ecr:CompleteLayerUpload',
              'ecr:DescribeImages',
              'ecr:InitiateLayerUpload',
              'ecr:PutImage',
              'ecr:UploadLayerPart',
            ],
            [ecrRepositoryArn],
          ),
        ]),
      },
    });
    acknowledge(this.imagePublishRole, [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'ecr:GetAuthorizationToken has no resource-level permission',
        appliesTo: wildcardFindings(this, lastStatements),
      },
    ]);

    for (const env of s.environments) {
      const prefix = envPrefix(env);
      const kmsKeyArn = s.kmsKeyArns[env];
      // ------------------------------------------------------------ boundary
      this.boundaries[env] = new iam.ManagedPolicy(this, `Boundary-${env}`, {
        managedPolicyName: `${prefix}-boundary`,
        description: `Permissions boundary of every role the ${env} stack creates`,
        statements: (lastStatements = [
          allow('EcrPull', ['ecr:GetAuthorizationToken'], ['*']),
          allow(
            'EcrPullTheRepository',
            ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            [ecrRepositoryArn],
          ),
          allow(
            'LogsOfTheEnvironment',
            ['logs:CreateLogStream', 'logs:PutLogEvents'],
            [`${regional('logs')}:log-group:/ecs/${prefix}*`, `${regional('logs')}:log-group:/ecs/${prefix}*:log-stream:*`],
          ),
          allow('BucketsOfTheEnvironment', ['s3:ListBucket', 's3:GetBucketLocation'], bucketArns(env)),
          allow('ObjectsOfTheEnvironment', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], objectArns(env)),
          // RDS names its managed secret `rds!db-<uuid>`: the task role's own policy names the one ARN.
          allow(
            'SecretsOfTheEnvironment',
            ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            [`${regional('secretsmanager')}:secret:rds!db-*`, `${regional('secretsmanager')}:secret:${s.name}/${env}/*`],
          ),
          // The RDS-managed secret is encrypted with aws/secretsmanager; Secrets Manager decrypts it
          // with the reader's credentials, which the boundary caps too: only through it, only that key.
          allow('DecryptSecretsThroughSecretsManager', ['kms:Decrypt'], [`${regional('kms')}:key/*`], throughSecretsManager),
          allow('DatabaseIamAuthentication', ['rds-db:connect'], [`arn:${partition}:rds-db:${region}:${account}:dbuser:*/*`]),
          allow('RunTheEnvironmentsTasks', ['ecs:RunTask'], [`${regional('ecs')}:task-definition/${prefix}*`], {
            ArnLike: { 'ecs:cluster': `${regional('ecs')}:cluster/${prefix}*` },
          }),
          allow('PassTheEnvironmentsRolesToEcs', ['iam:PassRole'], [`${iamArn}:role/${prefix}-*`], {
            StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
          }),
          allow(
            'SessionManager',
            [
              'ssm:UpdateInstanceInformation',
              'ssm:ListInstanceAssociations',
              'ssm:DescribeAssociation',
              'ssm:GetDocument',
              'ssm:UpdateInstanceAssociationStatus',
              'ssmmessages:CreateControlChannel',
              'ssmmessages:CreateDataChannel',
              'ssmmessages:OpenControlChannel',
              'ssmmessages:OpenDataChannel',
              'ec2messages:AcknowledgeMessage',
              'ec2messages:DeleteMessage',
              'ec2messages:FailMessage',
              'ec2messages:GetEndpoint',
              'ec2messages:GetMessages',
              'ec2messages:SendReply',
            ],
            ['*'],
          ),
          ...(kmsKeyArn ? [allow('EvidenceKey', ['kms:GenerateDataKey', 'kms:Decrypt'], [kmsKeyArn])] : []),
        ]),
      });
      acknowledge(this.boundaries[env]!, [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'A permissions boundary is a ceiling over names the stack creates later (`<name>-<env>-*`); each role narrows it to exact ARNs. kms key/* only through Secrets Manager and only for alias/aws/secretsmanager (the RDS-managed secret)',
          appliesTo: wildcardFindings(this, lastStatements),
        },
      ]);

      // ------------------------------------------------------ terraform role
      const ecsArns = ['cluster', 'service', 'task-definition', 'capacity-provider', 'task'].map(
        (kind) => `${regional('ecs')}:${kind}/${prefix}*`,
      );
      const terraformRole = new iam.Role(this, `TerraformRole-${env}`, {
        roleName: `${prefix}-terraform`,
        description: `GitHub Actions (${s.githubRepository}, environment ${env}): terraform apply of the ${env} stack`,
        assumedBy: githubEnvironment(env),
        maxSessionDuration: Duration.seconds(s.maxSessionDurationSeconds),
        inlinePolicies: {
          [`terraform-${env}`]: document([
            allow('StateList', ['s3:ListBucket'], [stateBucketArn], { StringLike: { 's3:prefix': `${statePrefix(env)}/*` } }),
            allow('StateObjects', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], [`${stateBucketArn}/${statePrefix(env)}/*`]),
            // The apply fetches the exact saved-plan version the approver saw, then deletes it.
            allow('SavedPlanVersions', ['s3:GetObjectVersion', 's3:DeleteObjectVersion'], [`${stateBucketArn}/${planPrefix(env)}/*`]),
            // No resource-level scoping on create (no name yet): whole service, this region only.
            allow('NetworkEdgeAndScaling', ['ec2:*', 'elasticloadbalancing:*', 'wafv2:*', 'application-autoscaling:*'], ['*'], inRegion),
            allow(
              'NoResourceLevelPermissions',
              [
                'ecs:Describe*',
                'ecs:List*',
                'ecs:RegisterTaskDefinition',
                'ecs:DeregisterTaskDefinition',
                'rds:Describe*',
                'logs:Describe*',
                'logs:ListTagsForResource',
                'logs:ListTagsLogGroup',
                'cloudwatch:Describe*',
                'cloudwatch:ListTagsForResource',
                'sns:ListTopics',
                'events:Describe*',
                'events:List*',
                's3:ListAllMyBuckets',
                'secretsmanager:ListSecrets',
              ],
              ['*'],
              inRegion,
            ),
            allow(
              'LogDeliveries',
              [
                'logs:CreateLogDelivery',
                'logs:GetLogDelivery',
                'logs:UpdateLogDelivery',
                'logs:DeleteLogDelivery',
                'logs:ListLogDeliveries',
                'logs:PutResourcePolicy',
                'logs:DescribeResourcePolicies',
                'logs:DeleteResourcePolicy',
              ],
              ['*'],
              inRegion,
            ),
            // Interface endpoints with private DNS: EC2 associates the VPC with an AWS-owned hosted zone in the caller's name.
            allow(
              'PrivateDnsOfInterfaceEndpoints',
              ['route53:AssociateVPCWithHostedZone', 'route53:DisassociateVPCFromHostedZone'],
              [`arn:${partition}:route53:::hostedzone/*`],
              { 'ForAllValues:StringLike': { 'route53:VPCs': `VPCId=*,VPCRegion=${region}` } },
            ),
            allow('EcsOfTheEnvironment', ['ecs:*'], ecsArns),
            allow(
              'DatabaseOfTheEnvironment',
              ['rds:*'],
              [
                `${regional('rds')}:db:${prefix}*`,
                `${regional('rds')}:subgrp:${prefix}*`,
                `${regional('rds')}:pg:${prefix}*`,
                `${regional('rds')}:snapshot:${prefix}*`,
                `${regional('rds')}:og:default:*`,
              ],
            ),
            allow(
              'DatabaseManagedSecret',
              [
                'secretsmanager:CreateSecret',
                'secretsmanager:TagResource',
                'secretsmanager:RotateSecret',
                'secretsmanager:DescribeSecret',
                'secretsmanager:DeleteSecret',
              ],
              [`${regional('secretsmanager')}:secret:rds!db-*`],
            ),
            // That secret is encrypted with aws/secretsmanager, used through Secrets Manager in the caller's name.
            allow(
              'DatabaseManagedSecretKey',
              ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
              [`${regional('kms')}:key/*`],
              throughSecretsManager,
            ),
            allow(
              'ReadTheOidcClientSecret',
              ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
              [`${regional('secretsmanager')}:secret:${s.name}/${env}/*`],
            ),
            allow(
              'ReadParameters',
              ['ssm:GetParameter', 'ssm:GetParameters'],
              [`${regional('ssm')}:parameter/${s.name}/${env}/*`, `arn:${partition}:ssm:${region}::parameter/aws/service/*`],
            ),
            allow(
              'LogGroupsOfTheEnvironment',
              ['logs:*'],
              [`${regional('logs')}:log-group:/ecs/${prefix}*`, `${regional('logs')}:log-group:aws-waf-logs-${prefix}*`],
            ),
            // Target tracking (constructs/ecs) makes Application Auto Scaling create its alarms in the caller's name.
            allow(
              'AlarmsOfTheEnvironment',
              ['cloudwatch:*'],
              [`${regional('cloudwatch')}:alarm:${prefix}-*`, `${regional('cloudwatch')}:alarm:TargetTracking-service/${prefix}/*`],
            ),
            allow('TopicsOfTheEnvironment', ['sns:*'], [`${regional('sns')}:${prefix}-*`]),
            allow('RulesOfTheEnvironment', ['events:*'], [`${regional('events')}:rule/${prefix}-*`]),
            // Exact bucket ARNs, so `s3:*` reaches no object; only the deletes force_destroy needs.
            allow('BucketsOfTheEnvironment', ['s3:*'], bucketArns(env)),
            allow('EmptyTheBucketsOfTheEnvironment', ['s3:DeleteObject', 's3:DeleteObjectVersion'], objectArns(env)),
            allow(
              'RolesOnlyWithTheBoundary',
              [
                'iam:CreateRole',
                'iam:PutRolePermissionsBoundary',
                'iam:PutRolePolicy',
                'iam:DeleteRolePolicy',
                'iam:AttachRolePolicy',
                'iam:DetachRolePolicy',
              ],
              [`${iamArn}:role/${prefix}-*`],
              { StringEquals: { 'iam:PermissionsBoundary': boundaryArn(env) } },
            ),
            allow(
              'RolesOfTheEnvironment',
              [
                'iam:DeleteRole',
                'iam:GetRole',
                'iam:GetRolePolicy',
                'iam:ListAttachedRolePolicies',
                'iam:ListInstanceProfilesForRole',
                'iam:ListRolePolicies',
                'iam:ListRoleTags',
                'iam:TagRole',
                'iam:UntagRole',
                'iam:UpdateAssumeRolePolicy',
                'iam:UpdateRole',
                'iam:UpdateRoleDescription',
              ],
              [`${iamArn}:role/${prefix}-*`],
            ),
            allow(
              'InstanceProfilesOfTheEnvironment',
              [
                'iam:AddRoleToInstanceProfile',
                'iam:CreateInstanceProfile',
                'iam:DeleteInstanceProfile',
                'iam:GetInstanceProfile',
                'iam:ListInstanceProfileTags',
                'iam:RemoveRoleFromInstanceProfile',
                'iam:TagInstanceProfile',
                'iam:UntagInstanceProfile',
              ],
              [`${iamArn}:instance-profile/${prefix}-*`],
            ),
            allow(
              'PoliciesOfTheEnvironment',
              [
                'iam:CreatePolicy',
                'iam:CreatePolicyVersion',
                'iam:DeletePolicy',
                'iam:DeletePolicyVersion',
                'iam:GetPolicy',
                'iam:GetPolicyVersion',
                'iam:ListPolicyVersions',
                'iam:TagPolicy',
                'iam:UntagPolicy',
              ],
              [`${iamArn}:policy/${prefix}-*`],
            ),
            allow('ReadAwsManagedPolicies', ['iam:GetPolicy', 'iam:GetPolicyVersion'], [`arn:${partition}:iam::aws:policy/*`]),
            allow('PassTheEnvironmentsRoles', ['iam:PassRole'], [`${iamArn}:role/${prefix}-*`], {
              StringEquals: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com', 'events.amazonaws.com', 'ec2.amazonaws.com'] },
            }),
            allow('ServiceLinkedRoles', ['iam:CreateServiceLinkedRole'], [`${iamArn}:role/aws-service-role/*`], {
              StringEquals: {
                'iam:AWSServiceName': [
                  'ecs.amazonaws.com',
                  'elasticloadbalancing.amazonaws.com',
                  'rds.amazonaws.com',
                  'ecs.application-autoscaling.amazonaws.com',
                ],
              },
            }),
            // The boundary and the bootstrap's roles match `<name>-<env>-*` too: out of reach.
            deny(
              'DenyTheBootstrapsOwnIdentity',
              [
                'iam:AttachRolePolicy',
                'iam:CreatePolicyVersion',
                'iam:DeletePolicy',
                'iam:DeletePolicyVersion',
                'iam:DeleteRole',
                'iam:DeleteRolePermissionsBoundary',
                'iam:DeleteRolePolicy',
                'iam:DetachRolePolicy',
                'iam:PutRolePermissionsBoundary',
                'iam:PutRolePolicy',
                'iam:SetDefaultPolicyVersion',
                'iam:TagRole',
                'iam:UntagRole',
                'iam:UpdateAssumeRolePolicy',
                'iam:UpdateRole',
              ],
              [...bootstrapRoleArns, ...s.environments.map(boundaryArn)],
            ),
            // Removing the boundary would lift every limit above.
            deny('DenyRemovingTheBoundary', ['iam:DeleteRolePermissionsBoundary'], [`${iamArn}:role/*`]),
            ...(kmsKeyArn ? [allow('EvidenceKey', ['kms:DescribeKey', 'kms:GenerateDataKey', 'kms:Decrypt'], [kmsKeyArn])] : []),
          ]),
        },
      });
      this.terraformRoles[env] = terraformRole;
      acknowledge(terraformRole, [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Applies a whole environment: ec2/elb/wafv2/autoscaling have no names at create time (service wildcards limited to the region), the rest is scoped to `<name>-<env>-*`; roles only with the boundary (terraform/README). Route 53 hosted zones are AWS-owned (private DNS of interface endpoints, VPCs of this region only); kms key/* only via Secrets Manager for alias/aws/secretsmanager',
          appliesTo: wildcardFindings(this, lastStatements),
        },
      ]);
    }

    // ------------------------------------------------------------- prod plan
    if (createProdPlan) {
      const prefix = envPrefix('prod');
      const kmsKeyArn = s.kmsKeyArns.prod;
      this.prodPlanRole = new iam.Role(this, 'ProdPlanRole', {
        roleName: `${s.name}-prod-plan`,
        description: `GitHub Actions (${s.githubRepository}, environment prod-plan): read-only terraform plan of prod`,
        assumedBy: githubEnvironment('prod-plan'),
        maxSessionDuration: Duration.hours(1),
        inlinePolicies: {
          'terraform-plan-prod': document([
            allow('StateList', ['s3:ListBucket'], [stateBucketArn], { StringLike: { 's3:prefix': `${statePrefix('prod')}/*` } }),
            allow('StateRead', ['s3:GetObject'], [`${stateBucketArn}/${statePrefix('prod')}/*`]),
            // A plan holds the lock while it runs; it never writes the state itself.
            allow('StateLock', ['s3:PutObject', 's3:DeleteObject'], [`${stateBucketArn}/${statePrefix('prod')}/terraform.tfstate.tflock`]),
            // The saved plan holds the OIDC client secret: write only, and only under the plans prefix.
            allow('SavedPlanUpload', ['s3:PutObject'], [`${stateBucketArn}/${planPrefix('prod')}/*`]),
            allow(
              'ReadOnly',
              [
                'ec2:Describe*',
                'elasticloadbalancing:Describe*',
                'wafv2:Get*',
                'wafv2:List*',
                'application-autoscaling:Describe*',
                'ecs:Describe*',
                'ecs:List*',
                'rds:Describe*',
                'rds:ListTagsForResource',
                'logs:Describe*',
                'logs:ListTagsForResource',
                'logs:ListTagsLogGroup',
                'logs:GetLogDelivery',
                'logs:ListLogDeliveries',
                'cloudwatch:Describe*',
                'cloudwatch:ListTagsForResource',
                'sns:GetTopicAttributes',
                'sns:GetSubscriptionAttributes',
                'sns:ListSubscriptionsByTopic',
                'sns:ListTagsForResource',
                'events:Describe*',
                'events:List*',
              ],
              ['*'],
              inRegion,
            ),
            // Get* on the exact bucket ARNs reaches no object.
            allow('BucketConfiguration', ['s3:Get*', 's3:ListBucket'], bucketArns('prod')),
            allow(
              'ReadIam',
              [
                'iam:GetRole',
                'iam:GetRolePolicy',
                'iam:ListAttachedRolePolicies',
                'iam:ListRolePolicies',
                'iam:ListRoleTags',
                'iam:GetInstanceProfile',
                'iam:ListInstanceProfileTags',
                'iam:GetPolicy',
                'iam:GetPolicyVersion',
              ],
              [
                `${iamArn}:role/${prefix}-*`,
                `${iamArn}:instance-profile/${prefix}-*`,
                `${iamArn}:policy/${prefix}-*`,
                `arn:${partition}:iam::aws:policy/*`,
              ],
            ),
            // Of all secrets, only the OIDC client secret (the listener needs its value); never the database's.
            allow(
              'ReadTheOidcClientSecret',
              ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
              [`${regional('secretsmanager')}:secret:${s.name}/prod/*`],
            ),
            allow(
              'ReadParameters',
              ['ssm:GetParameter', 'ssm:GetParameters'],
              [`${regional('ssm')}:parameter/${s.name}/prod/*`, `arn:${partition}:ssm:${region}::parameter/aws/service/*`],
            ),
            ...(kmsKeyArn ? [allow('DescribeTheEvidenceKey', ['kms:DescribeKey'], [kmsKeyArn])] : []),
          ]),
        },
      });
      acknowledge(this.prodPlanRole, [
        {
          id: 'AwsSolutions-IAM5',
          reason: 'Read-only (Describe/Get/List) of the services a plan refreshes, limited to the region or to `<name>-prod-*` names',
          appliesTo: wildcardFindings(this, lastStatements),
        },
      ]);
    }
  }
}

export const BOOTSTRAP_STACK_ID = 'ActionTrackerBootstrap';

/** The bootstrap stack, settings from the app's context (`github_repository`, `create_github_oidc_provider`), then overrides. */
export function buildBootstrapStack(scope: Construct, overrides: Partial<BootstrapProps> = {}): BootstrapStack {
  const ctx = (key: string): unknown => scope.node.tryGetContext(key);
  const fromContext: Partial<BootstrapProps> = {};
  const repo = ctx('github_repository');
  if (typeof repo === 'string' && repo !== '') Object.assign(fromContext, { githubRepository: repo });
  const create = ctx('create_github_oidc_provider');
  if (create !== undefined) Object.assign(fromContext, { createGithubOidcProvider: create === true || create === 'true' });
  const settings: BootstrapProps = { ...defaultBootstrapProps(), ...fromContext, ...overrides };
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/.test(settings.githubRepository)) {
    throw new Error(`githubRepository must be "owner/name" (got ${settings.githubRepository})`);
  }
  return new BootstrapStack(scope, BOOTSTRAP_STACK_ID, settings, {
    stackName: `${settings.name}-bootstrap`,
    description:
      'Infrastructure Action Tracker bootstrap: state bucket, ECR repository, GitHub OIDC provider, CI roles, permissions boundaries',
  });
}
