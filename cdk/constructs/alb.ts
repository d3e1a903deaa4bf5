// Twin of terraform/modules/alb: the internet-facing load balancer with OIDC
// sign-in on HTTPS, HTTP answering only a 301, the target group, and the WAF.
import { ArnFormat, Duration, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { albAccessLogs, APP_PORT, LISTENER_PRIORITY, type ActionTrackerProps } from '../props';
import { ALB_LOG_PREFIX } from './logs';
import { acknowledge, TerraformModule } from './module';
import { retentionDays } from './monitoring';

/**
 * The AWS managed rule groups of the web ACL and their priorities (terraform/modules/alb/waf.tf):
 * the rate rule is priority 1, after the IP reputation list, so known bad
 * addresses are dropped before they count towards anyone's rate.
 */
export const WAF_MANAGED_RULE_GROUPS = {
  AWSManagedRulesAmazonIpReputationList: 0,
  AWSManagedRulesCommonRuleSet: 2,
  AWSManagedRulesKnownBadInputsRuleSet: 3,
} as const;
export const WAF_RATE_RULE = { name: 'rate-limit-per-ip', priority: 1 } as const;

export interface AlbProps {
  readonly settings: ActionTrackerProps;
  readonly prefix: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** The log bucket (module logs), for access logs at `alb/`. */
  readonly logBucket: s3.IBucket;
}

export class Alb extends TerraformModule {
  readonly securityGroup: ec2.SecurityGroup;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly httpListener: elbv2.ApplicationListener;
  readonly httpsListener: elbv2.ApplicationListener;
  readonly webAcl?: wafv2.CfnWebACL;
  readonly wafLogGroup?: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AlbProps) {
    super(scope, id, 'alb');
    const s = props.settings;
    const stack = Stack.of(this);
    const prod = s.env === 'prod';

    // Only the spec's rules; no group name (CloudFormation generates one, like name_prefix).
    this.securityGroup = new ec2.SecurityGroup(this, 'AlbSecurityGroup', {
      vpc: props.vpc,
      description: 'ALB: HTTP/HTTPS from the internet, 8080 to the app only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP from the internet');
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from the internet');
    acknowledge(this.securityGroup, [
      {
        id: 'AwsSolutions-EC23',
        reason: 'A public web app: the ALB takes 443 (and 80, which only redirects) from anywhere; the WAF filters',
      },
    ]);

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      loadBalancerName: props.prefix,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      internetFacing: true,
      securityGroup: this.securityGroup,
      idleTimeout: Duration.seconds(60),
      dropInvalidHeaderFields: true,
    });
    if (albAccessLogs(s)) {
      // The attributes, not logAccessLogs(): the log bucket's policy (module logs) holds the grants.
      this.loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
      this.loadBalancer.setAttribute('access_logs.s3.bucket', props.logBucket.bucketName);
      this.loadBalancer.setAttribute('access_logs.s3.prefix', ALB_LOG_PREFIX);
      // The ALB checks it may write when the attribute is set.
      if (props.logBucket.policy) this.loadBalancer.node.addDependency(props.logBucket.policy);
    } else {
      acknowledge(this.loadBalancer, [
        { id: 'AwsSolutions-ELB2', reason: `ALB access logs are off in ${s.env} (alb_access_logs_enabled); prod refuses them off` },
      ]);
    }

    // No fixed name: a replacement (port, protocol) never collides with the old group.
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
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
    this.httpListener = this.loadBalancer.addListener('HttpListener', {
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
    this.httpsListener = this.loadBalancer.addListener('HttpsListener', {
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
        next: elbv2.ListenerAction.forward([this.targetGroup]),
      }),
      open: false,
    });
    // /metrics never leaves through the load balancer, not even with a token.
    this.httpsListener.addAction('MetricsBlocked', {
      priority: LISTENER_PRIORITY.metrics,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/metrics', '/metrics/*'])],
      action: elbv2.ListenerAction.fixedResponse(404, {
        contentType: 'application/json',
        messageBody: JSON.stringify({ type: 'https://infra-action-tracker.dev/problems/not-found', title: 'Not found', status: 404 }),
      }),
    });
    // Automation (`Authorization: Bearer iat_...`) goes straight to the tasks, which verify the token.
    this.httpsListener.addAction('BearerToTasks', {
      priority: LISTENER_PRIORITY.bearer,
      conditions: [elbv2.ListenerCondition.httpHeader('Authorization', ['Bearer *'])],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });
    // /health holds no data and serves smoke and uptime checks without sign-in.
    this.httpsListener.addAction('HealthUnauthenticated', {
      priority: LISTENER_PRIORITY.health,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/health']), elbv2.ListenerCondition.httpRequestMethods(['GET', 'HEAD'])],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });

    if (!s.enableWaf) return;
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const aclName = `${props.prefix}-alb`;
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: aclName,
      description: `${props.prefix} ALB: AWS managed rules and a per-IP rate limit`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(aclName),
      rules: [
        ...Object.entries(WAF_MANAGED_RULE_GROUPS).map(([group, priority]): wafv2.CfnWebACL.RuleProperty => ({
          name: group,
          priority,
          // none: each rule of the group keeps its own action (block), as AWS ships it.
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: group,
              // SizeRestrictions_BODY blocks any body over 8 KB, so evidence uploads (up to
              // 100 MB) and large JSON payloads: counted (seen in WAF logs and metrics), not blocked.
              ...(group === 'AWSManagedRulesCommonRuleSet'
                ? { ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }] }
                : {}),
            },
          },
          visibilityConfig: visibility(`${props.prefix}-${group}`),
        })),
        {
          name: WAF_RATE_RULE.name,
          priority: WAF_RATE_RULE.priority,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: s.wafRateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: visibility(`${props.prefix}-${WAF_RATE_RULE.name}`),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.loadBalancer.loadBalancerArn,
      webAclArn: this.webAcl.attrArn,
    });
    // WAF refuses log groups not named aws-waf-logs-*.
    const wafLogGroupName = `aws-waf-logs-${props.prefix}`;
    this.wafLogGroup = new logs.LogGroup(this, 'WafLogGroup', {
      logGroupName: wafLogGroupName,
      retention: retentionDays(s.logRetentionDays),
      ...(s.logKmsKeyArn ? { encryptionKey: kms.Key.fromKeyArn(this, 'WafLogKey', s.logKmsKeyArn) } : {}),
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // WAF delivers through the log delivery service; without this policy WAF would write
    // an account-wide one itself at the first logging call (unmanaged).
    const wafLogGroupArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: wafLogGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const deliveryPolicy = new logs.CfnResourcePolicy(this, 'WafLogsResourcePolicy', {
      policyName: `${props.prefix}-waf-logs`,
      policyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'WafLogDelivery',
            Effect: 'Allow',
            Principal: { Service: 'delivery.logs.amazonaws.com' },
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: `${wafLogGroupArn}:*`,
            Condition: {
              ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:*` },
              StringEquals: { 'aws:SourceAccount': stack.account },
            },
          },
        ],
      }),
    });
    const logging = new wafv2.CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group ARN without the ":*" CloudFormation's Arn attribute ends with.
      logDestinationConfigs: [wafLogGroupArn],
      // Bearer tokens and the ALB's session cookies are credentials: never logged.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'cookie' } }],
    });
    logging.node.addDependency(this.wafLogGroup, deliveryPolicy);
  }
}
