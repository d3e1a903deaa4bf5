// Twin of terraform/modules/iam: the task execution role and the task role.
// CI roles and the GitHub OIDC provider live in the bootstrap (cdk/bootstrap.ts).
import { ArnFormat, Stack, type CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { DB_USER, type ActionTrackerProps } from '../props';
import { acknowledge, TerraformModule } from './module';

export interface IamProps {
  readonly settings: ActionTrackerProps;
  readonly prefix: string;
  readonly evidenceBucket: s3.IBucket;
  /** The RDS-managed master secret the app reads its password from. */
  readonly databasePasswordSecretArn: string;
  /** `dbi-resource-id` of the instance, for rds-db:connect when IAM auth is on. */
  readonly databaseResourceId: string;
}

export class Iam extends TerraformModule {
  readonly executionRole: iam.Role;
  readonly taskRole: iam.Role;

  constructor(scope: Construct, id: string, props: IamProps) {
    super(scope, id, 'iam');
    const s = props.settings;
    const stack = Stack.of(this);
    // Only tasks of this account may assume the roles (confused deputy).
    const ecsTasks = new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    });
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      roleName: `${props.prefix}-execution`,
      assumedBy: ecsTasks,
      description: `ECS task execution role of ${props.prefix}`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonECSTaskExecutionRolePolicy')],
    });
    acknowledge(this.executionRole, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'AmazonECSTaskExecutionRolePolicy is the AWS-maintained execution policy (ECR pull, awslogs); Terraform attaches the same one',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'],
      },
    ]);

    const statements = [
      new iam.PolicyStatement({
        sid: 'EvidenceObjects',
        actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [props.evidenceBucket.arnForObjects('*')],
      }),
      new iam.PolicyStatement({
        sid: 'EvidenceBucketList',
        actions: ['s3:ListBucket'],
        resources: [props.evidenceBucket.bucketArn],
      }),
      // The app reads the password itself, so an RDS rotation needs no restart.
      new iam.PolicyStatement({
        sid: 'ReadTheDatabasePassword',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.databasePasswordSecretArn],
      }),
    ];
    if (s.kmsKeyArn) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'EvidenceKey',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [s.kmsKeyArn],
        }),
      );
    }
    if (s.dbIamAuthentication) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'DatabaseIamAuthentication',
          actions: ['rds-db:connect'],
          resources: [
            stack.formatArn({
              service: 'rds-db',
              resource: 'dbuser',
              resourceName: `${props.databaseResourceId}/${DB_USER}`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
    }
    this.taskRole = new iam.Role(this, 'TaskRole', {
      roleName: `${props.prefix}-task`,
      assumedBy: ecsTasks,
      description: `ECS task role of ${props.prefix}: evidence bucket and database password`,
      inlinePolicies: { 'evidence-and-database': new iam.PolicyDocument({ statements }) },
    });
    acknowledge(this.taskRole, [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'Evidence objects have per-item keys: the app reads and writes any object of its own bucket, nothing else',
        appliesTo: [`Resource::<${stack.getLogicalId(props.evidenceBucket.node.defaultChild as CfnElement)}.Arn>/*`],
      },
    ]);
  }
}
