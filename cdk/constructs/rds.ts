// Twin of terraform/modules/rds: PostgreSQL 16 with RDS-managed master
// credentials (no password in the template or any state), TLS forced.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { DB_NAME, DB_PORT, DB_USER, type ActionTrackerProps } from '../props';
import { acknowledge, TerraformModule } from './module';

export interface RdsProps {
  readonly settings: ActionTrackerProps;
  readonly prefix: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
}

export class Rds extends TerraformModule {
  readonly securityGroup: ec2.SecurityGroup;
  readonly instance: rds.DatabaseInstance;
  readonly parameterGroup: rds.ParameterGroup;
  /** The secret RDS creates and rotates (`master_user_secret[0].secret_arn`). */
  readonly masterUserSecretArn: string;
  /** `dbi-resource-id` (rds-db:connect resources). */
  readonly resourceId: string;
  /** `postgres://tracker@<address>:5432/tracker?sslmode=verify-full`: no password in it. */
  readonly databaseUrl: string;

  constructor(scope: Construct, id: string, props: RdsProps) {
    super(scope, id, 'rds');
    const s = props.settings;
    // No group name: CloudFormation generates one, as name_prefix does (a replacement never collides).
    this.securityGroup = new ec2.SecurityGroup(this, 'DbSecurityGroup', {
      vpc: props.vpc,
      description: 'PostgreSQL: 5432 from the app only',
      allowAllOutbound: false,
    });
    const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16_4 });
    this.parameterGroup = new rds.ParameterGroup(this, 'DatabaseParameterGroup', {
      engine,
      description: `${props.prefix} postgres16: TLS only`,
      parameters: {
        'rds.force_ssl': '1',
        // Statements slower than a second land in the exported postgresql log.
        log_min_duration_statement: '1000',
      },
    });
    this.instance = new rds.DatabaseInstance(this, 'Database', {
      instanceIdentifier: props.prefix,
      engine,
      instanceType: new ec2.InstanceType(s.dbInstanceClass.replace(/^db\./, '')),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      subnetGroup: new rds.SubnetGroup(this, 'DatabaseSubnetGroup', {
        vpc: props.vpc,
        subnetGroupName: `${props.prefix}-db`,
        description: `${props.prefix} database: private subnets`,
        vpcSubnets: props.subnets,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      securityGroups: [this.securityGroup],
      parameterGroup: this.parameterGroup,
      port: DB_PORT,
      databaseName: DB_NAME,
      // RDS generates, stores and rotates the password in Secrets Manager.
      credentials: rds.Credentials.fromUsername(DB_USER),
      manageMasterUserPassword: true,
      allocatedStorage: 20,
      maxAllocatedStorage: 100,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      backupRetention: Duration.days(7),
      preferredBackupWindow: '02:00-03:00',
      preferredMaintenanceWindow: 'sun:03:30-sun:04:30',
      enablePerformanceInsights: true,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      iamAuthentication: s.dbIamAuthentication,
      multiAz: s.multiAz,
      deletionProtection: s.deletionProtection,
      applyImmediately: s.applyImmediately,
      publiclyAccessible: false,
      autoMinorVersionUpgrade: false, // 16.4 is pinned: an AWS upgrade would be drift
      // skip_final_snapshot: dev is deleted outright, prod leaves a final snapshot.
      removalPolicy: s.skipFinalSnapshot ? RemovalPolicy.DESTROY : RemovalPolicy.SNAPSHOT,
    });
    const cfn = this.instance.node.defaultChild as rds.CfnDBInstance;
    this.masterUserSecretArn = cfn.attrMasterUserSecretSecretArn;
    this.resourceId = cfn.attrDbiResourceId;
    this.databaseUrl = `postgres://${DB_USER}@${this.instance.dbInstanceEndpointAddress}:${DB_PORT}/${DB_NAME}?sslmode=verify-full`;

    const suppressions = [
      {
        id: 'AwsSolutions-RDS11',
        reason: 'The default port 5432 is deliberate: only the app security group reaches it, from private subnets',
      },
    ];
    if (!s.multiAz) suppressions.push({ id: 'AwsSolutions-RDS3', reason: `multiAz is off in ${s.env} (cost); prod refuses it off` });
    if (!s.deletionProtection) {
      suppressions.push({
        id: 'AwsSolutions-RDS10',
        reason: `deletionProtection is off in ${s.env} so the environment can be torn down; prod refuses it off`,
      });
    }
    acknowledge(this.instance, suppressions);
  }
}
