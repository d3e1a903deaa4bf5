// Twin of terraform/modules/cloudwatch: the app's log group, the alarm topic
// (TLS-only, e-mail recipients per environment) and the alarms.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { ActionTrackerProps } from '../props';
import { TerraformModule } from './module';

export function retentionDays(days: number): logs.RetentionDays {
  const known = Object.values(logs.RetentionDays).filter((v): v is logs.RetentionDays => typeof v === 'number');
  if (!known.includes(days as logs.RetentionDays)) throw new Error(`log retention ${days} days is not a CloudWatch value`);
  return days as logs.RetentionDays;
}

export interface MonitoringProps {
  readonly settings: ActionTrackerProps;
  readonly prefix: string;
}

/** What the alarms watch (the cloudwatch module's dimension inputs). */
export interface AlarmTargets {
  readonly loadBalancerFullName: string;
  readonly targetGroupFullName: string;
  readonly clusterName: string;
  readonly serviceName: string;
  readonly dbInstanceIdentifier: string;
}

interface AlarmSpec {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly statistic: string;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  /** ALB metrics have no datapoint without traffic (fine); ECS/RDS metrics always have one, so a gap is worth seeing. */
  readonly missing: cloudwatch.TreatMissingData;
  readonly dimensions: Record<string, string>;
}

export class Monitoring extends TerraformModule {
  readonly logGroup: logs.LogGroup;
  readonly alarmTopic: sns.Topic;
  readonly alarms: Record<string, cloudwatch.Alarm> = {};
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id, 'cloudwatch');
    const s = props.settings;
    this.prefix = props.prefix;
    const removalPolicy = s.env === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/ecs/${props.prefix}`,
      retention: retentionDays(s.logRetentionDays),
      ...(s.logKmsKeyArn ? { encryptionKey: kms.Key.fromKeyArn(this, 'LogKey', s.logKmsKeyArn) } : {}),
      removalPolicy,
    });

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `${props.prefix}-alarms`,
      ...(s.alarmTopicKmsKeyArn ? { masterKey: kms.Key.fromKeyArn(this, 'AlarmTopicKey', s.alarmTopicKmsKeyArn) } : {}),
    });
    // The statements of terraform/modules/cloudwatch (not enforceSSL, whose Sid differs).
    // The topic policy replaces the default one: CloudWatch needs its own grant.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        actions: ['sns:Publish'],
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: [this.alarmTopic.topicArn],
      }),
    );
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyInsecureTransport',
        effect: iam.Effect.DENY,
        actions: ['sns:Publish'],
        principals: [new iam.AnyPrincipal()],
        resources: [this.alarmTopic.topicArn],
        conditions: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    for (const email of s.alarmEmails) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(email));
  }

  /** The alarms of terraform/modules/cloudwatch, same names (`<prefix>-<what>`), actions and missing-data handling. */
  addAlarms(t: AlarmTargets): void {
    const GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
    const NOT_BREACHING = cloudwatch.TreatMissingData.NOT_BREACHING;
    const MISSING = cloudwatch.TreatMissingData.MISSING;
    const ecs = { ClusterName: t.clusterName, ServiceName: t.serviceName };
    const rds = { DBInstanceIdentifier: t.dbInstanceIdentifier };
    const specs: Record<string, AlarmSpec> = {
      alb5xx: {
        id: 'Alb5xxAlarm',
        name: 'alb-target-5xx',
        description: 'The app answered 10 or more 5xx responses in 5 minutes',
        namespace: 'AWS/ApplicationELB',
        metricName: 'HTTPCode_Target_5XX_Count',
        statistic: 'Sum',
        periodSeconds: 300,
        evaluationPeriods: 1,
        threshold: 10,
        comparison: GTE,
        missing: NOT_BREACHING,
        dimensions: { LoadBalancer: t.loadBalancerFullName },
      },
      unhealthyTargets: {
        id: 'UnhealthyHostsAlarm',
        name: 'alb-unhealthy-targets',
        description: 'At least one target was unhealthy for 3 minutes',
        namespace: 'AWS/ApplicationELB',
        metricName: 'UnHealthyHostCount',
        statistic: 'Maximum',
        periodSeconds: 60,
        evaluationPeriods: 3,
        threshold: 1,
        comparison: GTE,
        missing: NOT_BREACHING,
        dimensions: { LoadBalancer: t.loadBalancerFullName, TargetGroup: t.targetGroupFullName },
      },
      ecsCpu: {
        id: 'EcsCpuAlarm',
        name: 'ecs-cpu',
        description: 'Service CPU at or above 85% for 10 minutes',
        namespace: 'AWS/ECS',
        metricName: 'CPUUtilization',
        statistic: 'Average',
        periodSeconds: 300,
        evaluationPeriods: 2,
        threshold: 85,
        comparison: GTE,
        missing: MISSING,
        dimensions: ecs,
      },
      ecsMemory: {
        id: 'EcsMemoryAlarm',
        name: 'ecs-memory',
        description: 'Service memory at or above 85% for 10 minutes',
        namespace: 'AWS/ECS',
        metricName: 'MemoryUtilization',
        statistic: 'Average',
        periodSeconds: 300,
        evaluationPeriods: 2,
        threshold: 85,
        comparison: GTE,
        missing: MISSING,
        dimensions: ecs,
      },
      rdsCpu: {
        id: 'RdsCpuAlarm',
        name: 'rds-cpu',
        description: 'Database CPU at or above 80% for 10 minutes',
        namespace: 'AWS/RDS',
        metricName: 'CPUUtilization',
        statistic: 'Average',
        periodSeconds: 300,
        evaluationPeriods: 2,
        threshold: 80,
        comparison: GTE,
        missing: MISSING,
        dimensions: rds,
      },
      rdsFreeStorage: {
        id: 'RdsFreeStorageAlarm',
        name: 'rds-free-storage',
        description: 'Database free storage below 2 GiB',
        namespace: 'AWS/RDS',
        metricName: 'FreeStorageSpace',
        statistic: 'Minimum',
        periodSeconds: 300,
        evaluationPeriods: 1,
        threshold: 2 * 1024 ** 3,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        missing: MISSING,
        dimensions: rds,
      },
    };
    const action = new cloudwatchActions.SnsAction(this.alarmTopic);
    for (const [key, a] of Object.entries(specs)) {
      const alarm = new cloudwatch.Alarm(this, a.id, {
        alarmName: `${this.prefix}-${a.name}`,
        alarmDescription: a.description,
        metric: new cloudwatch.Metric({
          namespace: a.namespace,
          metricName: a.metricName,
          dimensionsMap: a.dimensions,
          statistic: a.statistic,
          period: Duration.seconds(a.periodSeconds),
        }),
        threshold: a.threshold,
        evaluationPeriods: a.evaluationPeriods,
        datapointsToAlarm: a.evaluationPeriods,
        comparisonOperator: a.comparison,
        treatMissingData: a.missing,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms[key] = alarm;
    }
  }
}
