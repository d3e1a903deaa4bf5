// Twin of terraform/modules/s3: the evidence bucket.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { ActionTrackerProps } from '../props';
import { S3_LOG_PREFIX } from './logs';
import { TerraformModule } from './module';

export interface StorageProps {
  readonly settings: ActionTrackerProps;
  readonly prefix: string;
  /** The log bucket (module logs): server access logs go to `s3/evidence/`. */
  readonly logBucket: s3.IBucket;
}

export class Storage extends TerraformModule {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id, 's3');
    const s = props.settings;
    const prod = s.env === 'prod';
    this.bucket = new s3.Bucket(this, 'EvidenceBucket', {
      bucketName: `${props.prefix}-evidence-${Stack.of(this).account}`,
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
      // The rules of terraform/modules/s3, same ids.
      lifecycleRules: [
        { id: 'expire-noncurrent-versions', enabled: true, noncurrentVersionExpiration: Duration.days(90) },
        { id: 'abort-incomplete-multipart-uploads', enabled: true, abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      // The page uploads evidence straight to S3 with presigned requests.
      ...(s.appOrigins.length > 0
        ? {
            cors: [
              {
                allowedOrigins: [...s.appOrigins],
                allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                allowedHeaders: ['*'],
                exposedHeaders: ['ETag'],
                maxAge: 3000,
              },
            ],
          }
        : {}),
      // Prod keeps the evidence whatever happens to the stack; dev's bucket goes
      // with it, emptied first only when evidenceForceDestroy says so.
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: s.evidenceForceDestroy,
    });
    // The L1 property, not serverAccessLogsBucket: the L2 would add its own grant
    // (or an ACL, which BucketOwnerEnforced refuses); the log bucket grants
    // logging.s3.amazonaws.com itself, as Terraform's module logs does.
    (this.bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: props.logBucket.bucketName,
      logFilePrefix: `${S3_LOG_PREFIX}evidence/`,
    };
  }
}
