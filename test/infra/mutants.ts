// Single-property mutations of the deployment code for `npm run iac:mutants`
// (scripts/iac-mutants.mjs): each one is applied alone to a scratch copy of the
// repository, and the IaC suites (test/infra, without the container suite) must
// then fail. A mutation whose `find` no longer matches exactly once is STALE:
// the code moved, so update `find` rather than delete the mutation.
//
// `find` is an exact string or a RegExp (no `g` flag; named groups such as
// `(?<keep>…)` may be reused in `replace` as `$<keep>`). Replacements change
// values only, never the alignment of `=`, so `terraform fmt -check` alone
// never "catches" a mutation.

export interface Mutant {
  /** Unique, stable: `tf-…` or `cdk-…`. */
  id: string;
  target: 'terraform' | 'cdk';
  /** The property the suites must protect. */
  description: string;
  /** Relative to the repository root. */
  file: string;
  find: string | RegExp;
  replace: string;
}

const tf = (id: string, description: string, file: string, find: string | RegExp, replace: string): Mutant => ({
  id: `tf-${id}`,
  target: 'terraform',
  description,
  file: `terraform/${file}`,
  find,
  replace,
});
const cdk = (id: string, description: string, file: string, find: string | RegExp, replace: string): Mutant => ({
  id: `cdk-${id}`,
  target: 'cdk',
  description,
  file: `cdk/${file}`,
  find,
  replace,
});

export const MUTANTS: Mutant[] = [
  // ---- The 14 mutations of issue 14 that every IaC suite let through ----
  tf(
    'rollback-off',
    'ECS circuit breaker without rollback',
    'modules/ecs/main.tf',
    /(?<k>deployment_circuit_breaker \{\n\s*enable\s*=\s*true\n\s*rollback\s*=\s*)true/,
    '$<k>false',
  ),
  cdk(
    'rollback-off',
    'ECS circuit breaker without rollback',
    'constructs/ecs.ts',
    'circuitBreaker: { enable: true, rollback: true }',
    'circuitBreaker: { enable: true, rollback: false }',
  ),

  tf(
    'grace-0',
    'service health-check grace period 0',
    'modules/ecs/main.tf',
    /(?<k>health_check_grace_period_seconds\s*=\s*)30\b/,
    '$<k>0',
  ),
  cdk(
    'grace-0',
    'service health-check grace period 0',
    'constructs/ecs.ts',
    'healthCheckGracePeriod: Duration.seconds(30)',
    'healthCheckGracePeriod: Duration.seconds(0)',
  ),

  tf('stop-timeout-2', 'container stopTimeout 2 s (no graceful drain)', 'modules/ecs/main.tf', /(?<k>stopTimeout\s*=\s*)30\b/, '$<k>2'),
  cdk(
    'stop-timeout-2',
    'container stopTimeout 2 s (no graceful drain)',
    'constructs/ecs.ts',
    'stopTimeout: Duration.seconds(30)',
    'stopTimeout: Duration.seconds(2)',
  ),

  tf('cpu-target-95', 'CPU scaling target 95 %', 'modules/ecs/main.tf', /(?<k>target_value\s*=\s*)60\b/, '$<k>95'),
  cdk('cpu-target-95', 'CPU scaling target 95 %', 'constructs/ecs.ts', 'targetUtilizationPercent: 60', 'targetUtilizationPercent: 95'),

  tf(
    'drop-invalid-headers-off',
    'ALB keeps invalid header fields',
    'modules/alb/main.tf',
    /(?<k>drop_invalid_header_fields\s*=\s*)true/,
    '$<k>false',
  ),
  cdk(
    'drop-invalid-headers-off',
    'ALB keeps invalid header fields',
    'constructs/alb.ts',
    'dropInvalidHeaderFields: true',
    'dropInvalidHeaderFields: false',
  ),

  tf('health-interval-300', 'target group health check every 300 s', 'modules/alb/main.tf', /(?<k>\binterval\s*=\s*)15\b/, '$<k>300'),
  cdk(
    'health-interval-300',
    'target group health check every 300 s',
    'constructs/alb.ts',
    'interval: Duration.seconds(15)',
    'interval: Duration.seconds(300)',
  ),

  tf(
    'tls-2016',
    'HTTPS listener on ELBSecurityPolicy-2016-08',
    'modules/alb/main.tf',
    '"ELBSecurityPolicy-TLS13-1-2-2021-06"',
    '"ELBSecurityPolicy-2016-08"',
  ),
  cdk(
    'tls-2016',
    'HTTPS listener on ELBSecurityPolicy-2016-08',
    'constructs/alb.ts',
    'sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS',
    'sslPolicy: elbv2.SslPolicy.LEGACY',
  ),

  tf('redirect-302', 'HTTP → HTTPS redirect 302 instead of 301', 'modules/alb/main.tf', '"HTTP_301"', '"HTTP_302"'),
  cdk(
    'redirect-302',
    'HTTP → HTTPS redirect 302 instead of 301',
    'constructs/alb.ts',
    "redirect({ protocol: 'HTTPS', port: '443', permanent: true })",
    "redirect({ protocol: 'HTTPS', port: '443', permanent: false })",
  ),

  tf(
    'oidc-extra-sub',
    'image-publish role also trusts pull_request jobs (an extra OIDC sub)',
    'bootstrap/iam.tf',
    /(?<k>variable\s*=\s*"\$\{local\.oidc_host\}:sub"\n\s*values\s*=\s*)\[local\.publish_subject\]/,
    '$<k>[local.publish_subject, "repo:${var.github_repository}:pull_request"]',
  ),
  cdk(
    'oidc-extra-sub',
    'CI roles also trust pull_request jobs (an extra OIDC sub)',
    'bootstrap.ts',
    '[`${GITHUB_OIDC_HOST}:sub`]: `repo:${s.githubRepository}:environment:${environment}`,',
    '[`${GITHUB_OIDC_HOST}:sub`]: [`repo:${s.githubRepository}:environment:${environment}`, `repo:${s.githubRepository}:pull_request`],',
  ),

  tf(
    'passrole-star',
    'environment Terraform role may pass any role',
    'bootstrap/iam.tf',
    /(?<k>sid\s*=\s*"PassTheEnvironmentsRoles"\n\s*actions\s*=\s*\["iam:PassRole"\]\n\s*resources\s*=\s*)\[[^\n]*\]/,
    '$<k>["*"]',
  ),
  cdk(
    'passrole-star',
    'environment Terraform role may pass any role',
    'bootstrap.ts',
    "allow('PassTheEnvironmentsRoles', ['iam:PassRole'], [`${iamArn}:role/${prefix}-*`],",
    "allow('PassTheEnvironmentsRoles', ['iam:PassRole'], ['*'],",
  ),

  tf(
    'max-storage-20',
    'RDS storage autoscaling off (max_allocated_storage = allocated)',
    'modules/rds/main.tf',
    /(?<k>max_allocated_storage\s*=\s*)100\b/,
    '$<k>20',
  ),
  cdk(
    'max-storage-20',
    'RDS storage autoscaling off (max_allocated_storage = allocated)',
    'constructs/rds.ts',
    'maxAllocatedStorage: 100,',
    'maxAllocatedStorage: 20,',
  ),

  tf('prod-single-nat', 'prod on a single NAT gateway', 'envs/prod.tfvars', /(?<k>single_nat_gateway\s*=\s*)false/, '$<k>true'),
  cdk('prod-single-nat', 'prod on a single NAT gateway', 'props.ts', 'singleNatGateway: !prod,', 'singleNatGateway: true,'),

  tf('prod-log-retention-1', 'prod application logs kept 1 day', 'envs/prod.tfvars', /(?<k>\nlog_retention_days\s*=\s*)\d+/, '$<k>1'),
  cdk(
    'prod-log-retention-1',
    'prod application logs kept 1 day',
    'props.ts',
    'logRetentionDays: prod ? 90 : 30,',
    'logRetentionDays: prod ? 1 : 30,',
  ),

  tf(
    'alarm-5xx-100000',
    '5xx alarm threshold 100000',
    'modules/cloudwatch/main.tf',
    /(?<k>"HTTPCode_Target_5XX_Count"[^}]*?threshold\s*=\s*)10\b/,
    '$<k>100000',
  ),
  cdk(
    'alarm-5xx-100000',
    '5xx alarm threshold 100000',
    'constructs/monitoring.ts',
    /(?<k>name: 'alb-target-5xx',[^}]*?threshold: )10,/,
    '$<k>100000,',
  ),

  // ---- Guard rails added by issue 14 ----
  tf(
    'waf-unassociated',
    'web ACL no longer associated with the ALB',
    'modules/alb/waf.tf',
    /(?<k>resource "aws_wafv2_web_acl_association" "this" \{\n\s*count\s*=\s*)var\.enable_waf \? 1 : 0/,
    '$<k>0',
  ),
  cdk(
    'waf-unassociated',
    'web ACL no longer associated with the ALB',
    'constructs/alb.ts',
    /\n\s*new wafv2\.CfnWebACLAssociation\(this, 'WebAclAssociation', \{[^}]*\}\);/,
    '',
  ),

  tf(
    'force-ssl-0',
    'RDS accepts unencrypted connections (rds.force_ssl = 0)',
    'modules/rds/main.tf',
    /(?<k>name\s*=\s*"rds\.force_ssl"\n\s*value\s*=\s*)"1"/,
    '$<k>"0"',
  ),
  cdk(
    'force-ssl-0',
    'RDS accepts unencrypted connections (rds.force_ssl = 0)',
    'constructs/rds.ts',
    "'rds.force_ssl': '1',",
    "'rds.force_ssl': '0',",
  ),

  tf(
    'terraform-trust-main',
    'environment Terraform role trusts ref:refs/heads/main again',
    'bootstrap/iam.tf',
    /(?<k>variable\s*=\s*"\$\{local\.oidc_host\}:sub"\n\s*values\s*=\s*)\[local\.env_subject\[each\.key\]\]/,
    '$<k>[local.env_subject[each.key], "repo:${var.github_repository}:ref:refs/heads/main"]',
  ),
  cdk(
    'terraform-trust-main',
    'CI roles trust ref:refs/heads/main again',
    'bootstrap.ts',
    '[`${GITHUB_OIDC_HOST}:sub`]: `repo:${s.githubRepository}:environment:${environment}`,',
    '[`${GITHUB_OIDC_HOST}:sub`]: [`repo:${s.githubRepository}:environment:${environment}`, `repo:${s.githubRepository}:ref:refs/heads/main`],',
  ),

  tf(
    'state-prefix-wildcard',
    "each environment's roles reach every state key (prefix widened to *)",
    'bootstrap/iam.tf',
    'state_prefix = { for env in local.envs : env => "${var.name}/${env}" }',
    'state_prefix = { for env in local.envs : env => "*" }',
  ),
  cdk(
    'state-prefix-wildcard',
    "each environment's roles reach every state key (prefix widened to *)",
    'bootstrap.ts',
    'const statePrefix = (env: DeployEnv): string => `${s.name}/${env}`;',
    "const statePrefix = (_env: DeployEnv): string => '*';",
  ),

  tf(
    'evidence-sse-aes256',
    'EVIDENCE_SSE stays AES256 although a KMS key is set',
    'modules/ecs/main.tf',
    /(?<k>evidence_sse\s*=\s*)var\.evidence_kms_key_arn == null \? "AES256" : "aws:kms"/,
    '$<k>"AES256"',
  ),
  cdk(
    'evidence-sse-aes256',
    'EVIDENCE_SSE stays AES256 although a KMS key is set',
    'stack.ts',
    "evidence_sse: s.kmsKeyArn ? 'aws:kms' : 'AES256',",
    "evidence_sse: 'AES256',",
  ),

  tf(
    'reconcile-passrole-star',
    'the reconcile schedule role may pass any role',
    'modules/ecs/main.tf',
    /(?<k>data "aws_iam_policy_document" "reconcile_events" \{[\s\S]*?actions\s*=\s*\["iam:PassRole"\]\n\s*resources\s*=\s*)\[var\.execution_role_arn, var\.task_role_arn\]/,
    '$<k>["*"]',
  ),
  // One role builder serves both schedules in the CDK: this one widens the probe role too.
  cdk(
    'reconcile-passrole-star',
    "the schedules' events roles (reconcile and probe rounds) may pass any role",
    'constructs/ecs.ts',
    'resources: [props.executionRole.roleArn, props.taskRole.roleArn],',
    "resources: ['*'],",
  ),
  // ---- Added with the rollback procedure and the guard rails ----
  tf(
    'task-revisions-deregistered',
    'an apply deregisters the previous task definition (no break-glass rollback)',
    'modules/ecs/main.tf',
    '  skip_destroy = true\n',
    '  skip_destroy = false\n',
  ),
  cdk(
    'task-revisions-deregistered',
    'a replaced task definition is deleted (no break-glass rollback)',
    'constructs/ecs.ts',
    'this.taskDefinition.applyRemovalPolicy(RemovalPolicy.RETAIN);',
    'this.taskDefinition.applyRemovalPolicy(RemovalPolicy.DESTROY);',
  ),

  tf(
    'readonly-root-off',
    'the container may write its root filesystem',
    'modules/ecs/main.tf',
    'readonlyRootFilesystem = true',
    'readonlyRootFilesystem = false',
  ),
  cdk(
    'readonly-root-off',
    'the container may write its root filesystem',
    'constructs/ecs.ts',
    'readonlyRootFilesystem: true,',
    'readonlyRootFilesystem: false,',
  ),

  tf(
    'prod-access-logs-off',
    'prod without ALB access logs',
    'envs/prod.tfvars',
    'alb_access_logs_enabled = true',
    'alb_access_logs_enabled = false',
  ),
  cdk('prod-access-logs-off', 'prod without ALB access logs', 'props.ts', 'albAccessLogsEnabled: prod,', 'albAccessLogsEnabled: false,'),

  // ---- Probe rounds on a schedule (issue 16) ----
  tf(
    'probe-command-server',
    'the probe schedule starts another server instead of one probe round',
    'modules/ecs/main.tf',
    'probe_command = ["node", "dist/probe-round.mjs"]',
    'probe_command = ["node", "dist/server.mjs"]',
  ),
  cdk(
    'probe-command-server',
    'the probe schedule starts another server instead of one probe round',
    'constructs/ecs.ts',
    "export const PROBE_ROUND_COMMAND = ['node', 'dist/probe-round.mjs'] as const;",
    "export const PROBE_ROUND_COMMAND = ['node', 'dist/server.mjs'] as const;",
  ),

  tf(
    'probe-passrole-star',
    'the probe schedule role may pass any role',
    'modules/ecs/main.tf',
    /(?<k>data "aws_iam_policy_document" "probe_events" \{[\s\S]*?actions\s*=\s*\["iam:PassRole"\]\n\s*resources\s*=\s*)\[var\.execution_role_arn, var\.task_role_arn\]/,
    '$<k>["*"]',
  ),
  cdk(
    'probe-role-widened',
    'targets.EcsTask may add its own grants to the probe role (TagResource, PassRole to any service)',
    'constructs/ecs.ts',
    'role: role.withoutPolicyUpdates(),',
    'role,',
  ),

  tf(
    'probe-interval-on',
    'with the probe schedule on, the tasks still run their own rounds (PROBE_INTERVAL_S not 0)',
    'modules/ecs/main.tf',
    'probe_interval_s = local.probe_enabled ? "0" : null',
    'probe_interval_s = null',
  ),
  cdk(
    'probe-interval-on',
    'with the probe schedule on, the tasks still run their own rounds (PROBE_INTERVAL_S not 0)',
    'stack.ts',
    "probe_interval_s: s.probeSchedule === null ? null : '0',",
    'probe_interval_s: null,',
  ),

  tf(
    'probe-any-cluster',
    'the probe schedule role may run the task definition on any cluster',
    'modules/ecs/main.tf',
    /(?<k>sid\s*=\s*"RunTheProbeRoundTask"[\s\S]*?)\n\s*condition \{\n\s*test\s*=\s*"ArnEquals"[^}]*\}/,
    '$<k>',
  ),

  tf(
    'probe-public-ip',
    'the probe task gets a public IP',
    'modules/ecs/main.tf',
    /(?<k>resource "aws_cloudwatch_event_target" "probe" \{[\s\S]*?assign_public_ip\s*=\s*)false/,
    '$<k>true',
  ),
];
