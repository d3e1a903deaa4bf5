// Twin of terraform/modules/logs: the one log bucket of an environment, for
// ALB access logs (alb/), VPC flow logs (vpc-flow-logs/) and S3 server access
// logs (s3/). SSE-S3: ALB and S3 log delivery cannot write to KMS-encrypted targets.
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { Construct } from 'constructs';
import type { ActionTrackerProps } from '../props';
import { TerraformModule } from './module';

export const ALB_LOG_PREFIX = 'alb';
export const S3_LOG_PREFIX = 's3/';
export const FLOW_LOG_PREFIX = 'vpc-flow-logs';

export interface LogsProps {
  readonly settings: ActionTrackerProps;
  readonly prefix: string;
}

export class Logs extends TerraformModule {
  readonly bucket: s3.Bucket;
  /** The bucket as a log destination (no automatic grants); depend on `bucket.policy` when delivering. */
  readonly deliveryTarget: s3.IBucket;

  constructor(scope: Construct, id: string, props: LogsProps) {
    super(scope, id, 'logs');
    const s = props.settings;
    const stack = Stack.of(this);
    const prod = s.env === 'prod';
    this.bucket = new s3.Bucket(this, 'LogBucket', {
      bucketName: `${props.prefix}-logs-${stack.account}`,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [
        { id: 'expire-logs', enabled: true, expiration: Duration.days(s.logBucketRetentionDays) },
        { id: 'abort-incomplete-multipart-uploads', enabled: true, abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      // force_destroy follows evidence_force_destroy (never in prod).
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: s.evidenceForceDestroy,
    });
    const account = stack.account;
    const objects = (keyPrefix: string): string => this.bucket.arnForObjects(`${keyPrefix}/AWSLogs/${account}/*`);
    const fromTheAccountsLogs = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'logs', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }) },
    };
    // The three deliveries, each to its own prefix, with the Sids of terraform/modules/logs.
    const statements = [
      // ALB access logs: the log delivery service principal (regions since Aug 2022) ...
      new iam.PolicyStatement({
        sid: 'ElbLogDelivery',
        actions: ['s3:PutObject'],
        principals: [new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')],
        resources: [objects(ALB_LOG_PREFIX)],
      }),
      // ... and the region's ELB account (older regions such as eu-west-1).
      ...(RegionInfo.get(stack.region).elbv2Account
        ? [
            new iam.PolicyStatement({
              sid: 'ElbLogDeliveryRegionAccount',
              actions: ['s3:PutObject'],
              principals: [new iam.AccountPrincipal(RegionInfo.get(stack.region).elbv2Account)],
              resources: [objects(ALB_LOG_PREFIX)],
            }),
          ]
        : []),
      // S3 server access logs of this environment's buckets only.
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogDelivery',
        actions: ['s3:PutObject'],
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        resources: [this.bucket.arnForObjects(`${S3_LOG_PREFIX}*`)],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:s3:::${props.prefix}-*` },
        },
      }),
      new iam.PolicyStatement({
        sid: 'FlowLogDeliveryWrite',
        actions: ['s3:PutObject'],
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        resources: [objects(FLOW_LOG_PREFIX)],
        conditions: { ...fromTheAccountsLogs, StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': account } },
      }),
      new iam.PolicyStatement({
        sid: 'FlowLogDeliveryAclCheck',
        actions: ['s3:GetBucketAcl', 's3:ListBucket'],
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        resources: [this.bucket.bucketArn],
        conditions: fromTheAccountsLogs,
      }),
    ];
    for (const statement of statements) this.bucket.addToResourcePolicy(statement);
    // What the deliveries are given instead of the bucket: an imported
    // reference, so CDK adds no grants of its own (the policy above has them).
    this.deliveryTarget = s3.Bucket.fromBucketAttributes(this, 'DeliveryTarget', {
      bucketArn: this.bucket.bucketArn,
      bucketName: this.bucket.bucketName,
    });
  }
}
