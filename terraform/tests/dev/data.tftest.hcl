# Data, tasks and storage of dev at plan time (mock AWS provider, no account):
#   terraform test -test-directory=tests/dev -var-file=envs/dev.tfvars \
#     -var docker_image=<repo>:sha-<40 hex>
# Runs without a `module` block plan the whole root with dev.tfvars and read
# module outputs; runs with one plan a single module, whose resources they can
# read directly (values that the module itself sets: circuit breaker, health
# check, scaling targets, parameter group, alarms...).

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  # What the shared mocks answer (tests/mocks/aws.tfmock.hcl), restated here.
  mock_account     = "123456789012"
  mock_alb_arn     = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/mock/0123456789abcdef"
  mock_db_address  = "mock.abcdefghijkl.eu-west-1.rds.amazonaws.com"
  mock_db_secret   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-00000000-0000-0000-0000-000000000000-AbCdEf"
  test_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"

  # The Dockerfile's HEALTHCHECK as an ECS container healthCheck.
  expected_health_check = {
    command     = ["CMD", "node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
    interval    = 15
    timeout     = 5
    retries     = 3
    startPeriod = 30
  }
}

################################################################################
# The whole dev root
################################################################################

run "dev_root" {
  command = plan

  # The environment is container-environment.json with every ref resolved to
  # this deployment's value; no KMS key, so EVIDENCE_KMS_KEY_ID is left out.
  assert {
    condition = module.ecs.container_environment == {
      for k, v in jsondecode(file("modules/ecs/container-environment.json")).settings : k => (can(v.ref) ? {
        database_url                 = "postgres://tracker@${var.mock_db_address}:5432/tracker?sslmode=verify-full"
        database_password_secret_arn = var.mock_db_secret
        evidence_bucket              = "action-tracker-dev-evidence-${var.mock_account}"
        evidence_sse                 = "AES256"
        alb_arn                      = var.mock_alb_arn
        region                       = "eu-west-1"
        oidc_user_claim              = "email"
        oidc_groups_claim            = "custom:groups"
        oidc_role_map                = "sre-admins=admin,sre-leads=lead,sre=member,auditors=viewer"
        oidc_default_role            = "none"
      }[v.ref] : tostring(v)) if !contains(["evidence_kms_key_arn", "probe_interval_s"], try(v.ref, ""))
    }
    error_message = "dev container environment is not container-environment.json with its refs resolved: ${jsonencode(module.ecs.container_environment)}"
  }

  # No probe_schedule: the tasks run the rounds themselves, at the app's default interval.
  assert {
    condition     = !contains(keys(module.ecs.container_environment), "PROBE_INTERVAL_S") && output.probe_rule_name == null && module.ecs.probe_events_role_arn == null
    error_message = "without probe_schedule there is no probe rule or role, and PROBE_INTERVAL_S stays unset (the in-process schedule, 300 s)."
  }

  assert {
    condition     = module.ecs.container_environment["EVIDENCE_SSE"] == "AES256" && !contains(keys(module.ecs.container_environment), "EVIDENCE_KMS_KEY_ID")
    error_message = "without a KMS key the app must write SSE-S3 (AES256) and get no EVIDENCE_KMS_KEY_ID."
  }

  assert {
    condition     = module.ecs.container_environment["DATA_DIR"] == "/tmp/data" && module.ecs.container_environment["PORT"] == "8080"
    error_message = "DATA_DIR must be /tmp/data (on the tmp volume) and PORT 8080."
  }

  # The password is never in the task definition, the plan or the state.
  assert {
    condition     = lookup(module.ecs.container_definition, "secrets", null) == null
    error_message = "the app container must have no secrets (the app reads DATABASE_PASSWORD_SECRET_ARN itself)."
  }

  assert {
    condition     = !strcontains(module.ecs.container_environment["DATABASE_URL"], ":${var.mock_db_address}") && !can(regex("//[^@/]*:[^@/]*@", module.ecs.container_environment["DATABASE_URL"]))
    error_message = "DATABASE_URL must carry no password."
  }

  assert {
    condition     = output.database_master_secret_arn == var.mock_db_secret && module.ecs.container_environment["DATABASE_PASSWORD_SECRET_ARN"] == output.database_master_secret_arn
    error_message = "the tasks must read the password from the RDS-managed master user secret."
  }

  assert {
    condition     = module.ecs.container_definition.readonlyRootFilesystem == true
    error_message = "the app container's root filesystem must be read-only."
  }

  assert {
    condition     = module.ecs.container_definition.mountPoints == [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    error_message = "the tmp volume must be mounted writable at /tmp (and nothing else)."
  }

  assert {
    condition     = module.ecs.container_definition.stopTimeout == 30
    error_message = "container stopTimeout must be 30 s (SHUTDOWN_TIMEOUT_MS 25 s fits inside)."
  }

  assert {
    condition     = module.ecs.container_definition.healthCheck == var.expected_health_check
    error_message = "the container healthCheck must be the Dockerfile's (node fetch of /health, 15/5/3/30)."
  }

  # dev.tfvars: use_fargate_spot = true.
  assert {
    condition = jsonencode(module.ecs.capacity_provider_strategy) == jsonencode([
      { capacity_provider = "FARGATE", base = 1, weight = 0 },
      { capacity_provider = "FARGATE_SPOT", base = 0, weight = 1 },
    ])
    error_message = "dev runs one on-demand task and the rest on Fargate Spot."
  }

  assert {
    condition     = module.ecs.reconcile_rule_name == "action-tracker-dev-evidence-reconcile"
    error_message = "the evidence reconcile schedule must exist by default."
  }

  assert {
    condition     = module.rds.database_url == "postgres://tracker@${var.mock_db_address}:5432/tracker?sslmode=verify-full"
    error_message = "database_url must be postgres://tracker@<address>:5432/tracker?sslmode=verify-full."
  }

  assert {
    condition     = module.cloudwatch.log_retention_days == 30
    error_message = "dev keeps application logs 30 days."
  }

  assert {
    condition     = module.cloudwatch.alarm_emails == tolist(["sre-alerts-dev@example.com"])
    error_message = "dev's alarm recipients come from dev.tfvars."
  }

  assert {
    condition     = module.logs.bucket_id == "action-tracker-dev-logs-${var.mock_account}" && output.log_bucket_name == module.logs.bucket_id
    error_message = "the log bucket is action-tracker-dev-logs-<account>."
  }

  assert {
    condition     = module.s3.access_logs_target == "action-tracker-dev-logs-${var.mock_account}/s3/evidence/"
    error_message = "the evidence bucket's server access logs go to the log bucket under s3/evidence/."
  }

  assert {
    condition     = module.s3.cors_allowed_origins == ["https://tracker-dev.example.com"]
    error_message = "the evidence bucket's CORS rule allows dev's app origin (app_origins)."
  }

  assert {
    condition     = module.s3.force_destroy == false && module.logs.force_destroy == false
    error_message = "buckets are not force-destroyable unless evidence_force_destroy is set."
  }

  assert {
    condition     = module.rds.multi_az == false && module.rds.deletion_protection == false
    error_message = "dev.tfvars: single-AZ database without deletion protection."
  }
}

# With a KMS key the app must ask S3 for aws:kms with that key (it used to send AES256).
run "dev_root_with_kms_key" {
  command = plan

  variables {
    evidence_kms_key_arn = var.test_kms_key_arn
  }

  assert {
    condition     = module.ecs.container_environment["EVIDENCE_SSE"] == "aws:kms"
    error_message = "with a KMS key EVIDENCE_SSE must be aws:kms."
  }

  assert {
    condition     = module.ecs.container_environment["EVIDENCE_KMS_KEY_ID"] == var.test_kms_key_arn
    error_message = "with a KMS key EVIDENCE_KMS_KEY_ID must be that key."
  }

  assert {
    condition     = module.s3.sse_algorithm == "aws:kms" && module.s3.kms_key_arn == var.test_kms_key_arn
    error_message = "with a KMS key the bucket's default encryption must be aws:kms with that key."
  }
}

run "dev_root_teardown_and_options" {
  command = plan

  variables {
    evidence_force_destroy      = true
    evidence_reconcile_schedule = null
    app_origins                 = []
  }

  assert {
    condition     = module.s3.force_destroy == true && module.logs.force_destroy == true
    error_message = "dev teardown: evidence_force_destroy lets destroy empty both buckets."
  }

  assert {
    condition     = module.ecs.reconcile_rule_name == null && module.ecs.reconcile_events_role_arn == null
    error_message = "evidence_reconcile_schedule = null must remove the schedule and its role."
  }

  assert {
    condition     = module.s3.cors_allowed_origins == []
    error_message = "no app_origins, no CORS configuration."
  }
}

# Probe rounds from EventBridge: the rule exists and the tasks' own timers are off.
run "dev_root_probe_schedule" {
  command = plan

  variables {
    probe_schedule = "cron(0/5 * * * ? *)"
  }

  assert {
    condition     = output.probe_rule_name == "action-tracker-dev-probe-round" && module.ecs.probe_events_role_arn != null
    error_message = "probe_schedule must create the action-tracker-dev-probe-round rule and its events role."
  }

  assert {
    condition     = lookup(module.ecs.container_environment, "PROBE_INTERVAL_S", null) == "0"
    error_message = "with probe_schedule the tasks must get PROBE_INTERVAL_S=0 (rounds come from the schedule only)."
  }

  assert {
    condition     = module.ecs.reconcile_rule_name == "action-tracker-dev-evidence-reconcile"
    error_message = "the probe schedule comes beside the evidence reconcile, not instead of it."
  }
}

run "dev_refuses_probe_schedule_plural_one" {
  command = plan

  variables {
    probe_schedule = "rate(1 minutes)"
  }

  expect_failures = [var.probe_schedule]
}

run "dev_refuses_probe_schedule_free_text" {
  command = plan

  variables {
    probe_schedule = "every 5 minutes"
  }

  expect_failures = [var.probe_schedule]
}

run "dev_refuses_probe_schedule_short_cron" {
  command = plan

  variables {
    probe_schedule = "cron(0/5 * * *)"
  }

  expect_failures = [var.probe_schedule]
}

################################################################################
# Module ecs: task definition, service, scaling, reconcile schedule
################################################################################

run "ecs_module" {
  command = plan

  module {
    source = "./modules/ecs"
  }

  variables {
    vpc_id                       = "vpc-0123456789abcdef0"
    private_subnet_ids           = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    alb_security_group_id        = "sg-0123456789abcdef0"
    target_group_arn             = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/app-mock/0123456789abcdef"
    alb_arn_suffix               = "app/mock/0123456789abcdef"
    target_group_arn_suffix      = "targetgroup/app-mock/0123456789abcdef"
    execution_role_arn           = "arn:aws:iam::123456789012:role/action-tracker-dev-execution"
    task_role_arn                = "arn:aws:iam::123456789012:role/action-tracker-dev-task"
    log_group_name               = "/ecs/action-tracker-dev"
    evidence_bucket_name         = "action-tracker-dev-evidence-123456789012"
    database_url                 = "postgres://tracker@db.example:5432/tracker?sslmode=verify-full"
    database_password_secret_arn = var.mock_db_secret
    alb_arn                      = var.mock_alb_arn
    use_fargate_spot             = true
    permissions_boundary         = "arn:aws:iam::123456789012:policy/action-tracker-dev-boundary"
  }

  assert {
    condition     = aws_ecs_service.this.deployment_circuit_breaker[0].enable == true && aws_ecs_service.this.deployment_circuit_breaker[0].rollback == true
    error_message = "the deployment circuit breaker must be enabled with rollback."
  }

  assert {
    condition     = aws_ecs_service.this.health_check_grace_period_seconds == 30
    error_message = "health_check_grace_period_seconds must be 30."
  }

  assert {
    condition     = aws_ecs_service.this.deployment_minimum_healthy_percent == 100 && aws_ecs_service.this.deployment_maximum_percent == 200
    error_message = "rolling deployment must keep 100 % healthy and may run 200 %."
  }

  assert {
    condition = toset([for s in aws_ecs_service.this.capacity_provider_strategy : "${s.capacity_provider}/${s.base}/${s.weight}"]) == toset([
      "FARGATE/1/0", "FARGATE_SPOT/0/1",
    ])
    error_message = "with use_fargate_spot the service runs FARGATE base 1 and FARGATE_SPOT weight 1."
  }

  assert {
    condition     = toset(aws_ecs_cluster_capacity_providers.this.capacity_providers) == toset(["FARGATE", "FARGATE_SPOT"])
    error_message = "the cluster must register FARGATE and FARGATE_SPOT."
  }

  assert {
    condition     = aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].target_value == 60
    error_message = "CPU target tracking must aim at 60 %."
  }

  assert {
    condition     = aws_appautoscaling_policy.requests.target_tracking_scaling_policy_configuration[0].target_value == 500
    error_message = "request target tracking must aim at 500 requests per target."
  }

  # What ECS gets, decoded from the task definition itself.
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].stopTimeout == 30
    error_message = "container stopTimeout must be 30."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].readonlyRootFilesystem == true
    error_message = "readonlyRootFilesystem must be true."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck == var.expected_health_check
    error_message = "the task definition's healthCheck must be the Dockerfile's."
  }

  assert {
    condition     = !can(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].secrets)
    error_message = "the task definition must pass no secrets."
  }

  assert {
    condition     = [for v in aws_ecs_task_definition.this.volume : v.name] == ["tmp"]
    error_message = "the task needs exactly one volume, tmp."
  }

  assert {
    condition     = { for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.name => e.value }["DATABASE_PASSWORD_SECRET_ARN"] == var.mock_db_secret
    error_message = "DATABASE_PASSWORD_SECRET_ARN must be the input secret ARN."
  }

  assert {
    condition     = startswith(aws_security_group.this.name_prefix, "action-tracker-dev-app-") && aws_security_group.this.name_prefix != null
    error_message = "the app security group must use name_prefix (create_before_destroy)."
  }

  # The reconcile: the service's task definition, report-only command, private subnets.
  assert {
    condition     = aws_cloudwatch_event_rule.reconcile[0].schedule_expression == "rate(1 day)"
    error_message = "the reconcile runs once a day by default."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_target.reconcile[0].input) == { containerOverrides = [{ name = "app", command = ["node", "dist/evidence-reconcile.mjs"] }] }
    error_message = "the reconcile target must override the app container's command with the report-only reconcile (no --fix)."
  }

  assert {
    condition     = aws_cloudwatch_event_target.reconcile[0].ecs_target[0].task_definition_arn == aws_ecs_task_definition.this.arn && aws_cloudwatch_event_target.reconcile[0].ecs_target[0].network_configuration[0].assign_public_ip == false
    error_message = "the reconcile must run the service's task definition without a public IP."
  }

  assert {
    condition     = aws_iam_role.reconcile_events[0].name == "action-tracker-dev-reconcile-events" && aws_iam_role.reconcile_events[0].permissions_boundary == "arn:aws:iam::123456789012:policy/action-tracker-dev-boundary"
    error_message = "the events role is action-tracker-dev-reconcile-events and carries the permissions boundary."
  }

  assert {
    condition     = toset(flatten([for s in data.aws_iam_policy_document.reconcile_events[0].statement : s.resources if contains(s.actions, "iam:PassRole")])) == toset(["arn:aws:iam::123456789012:role/action-tracker-dev-execution", "arn:aws:iam::123456789012:role/action-tracker-dev-task"])
    error_message = "the events role may pass the execution and task roles only."
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.reconcile_events[0].statement : alltrue([for r in s.resources : r != "*"])])
    error_message = "the events role's policy must name its resources (no *)."
  }

  assert {
    condition     = toset(one([for s in data.aws_iam_policy_document.reconcile_events[0].statement : s.resources if contains(s.actions, "ecs:RunTask")])) == toset(["arn:aws:ecs:eu-west-1:123456789012:task-definition/action-tracker-dev:*"])
    error_message = "the events role may run this task definition family only."
  }

  # probe_schedule defaults to null: no probe rule, and the tasks keep their own schedule.
  assert {
    condition     = length(aws_cloudwatch_event_rule.probe) == 0 && length(aws_iam_role.probe_events) == 0 && length(aws_cloudwatch_event_target.probe) == 0
    error_message = "without probe_schedule the module creates no probe rule, target or role."
  }

  assert {
    condition     = !contains([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.name], "PROBE_INTERVAL_S")
    error_message = "without probe_schedule the task definition must leave PROBE_INTERVAL_S unset (the app's default)."
  }
}

# The probe schedule: one round per fire, as a one-off task of the service's
# task definition, run by a role that can do exactly that.
run "ecs_module_probe_schedule" {
  command = plan

  module {
    source = "./modules/ecs"
  }

  # The group's id comes at apply; fix it to check that the task gets the app's group.
  override_resource {
    target          = aws_security_group.this
    override_during = plan
    values = {
      id = "sg-0aaaaaaaaaaaaaaa1"
    }
  }

  variables {
    vpc_id                       = "vpc-0123456789abcdef0"
    private_subnet_ids           = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    alb_security_group_id        = "sg-0123456789abcdef0"
    target_group_arn             = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/app-mock/0123456789abcdef"
    alb_arn_suffix               = "app/mock/0123456789abcdef"
    target_group_arn_suffix      = "targetgroup/app-mock/0123456789abcdef"
    execution_role_arn           = "arn:aws:iam::123456789012:role/action-tracker-dev-execution"
    task_role_arn                = "arn:aws:iam::123456789012:role/action-tracker-dev-task"
    log_group_name               = "/ecs/action-tracker-dev"
    evidence_bucket_name         = "action-tracker-dev-evidence-123456789012"
    database_url                 = "postgres://tracker@db.example:5432/tracker?sslmode=verify-full"
    database_password_secret_arn = var.mock_db_secret
    alb_arn                      = var.mock_alb_arn
    permissions_boundary         = "arn:aws:iam::123456789012:policy/action-tracker-dev-boundary"
    probe_schedule               = "rate(5 minutes)"
  }

  assert {
    condition     = aws_cloudwatch_event_rule.probe[0].name == "action-tracker-dev-probe-round" && aws_cloudwatch_event_rule.probe[0].schedule_expression == "rate(5 minutes)"
    error_message = "the probe rule is action-tracker-dev-probe-round on probe_schedule."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_target.probe[0].input) == { containerOverrides = [{ name = "app", command = ["node", "dist/probe-round.mjs"] }] }
    error_message = "the probe target must override the app container's command with one probe round (node dist/probe-round.mjs)."
  }

  assert {
    condition     = aws_cloudwatch_event_target.probe[0].arn == aws_ecs_cluster.this.arn && aws_cloudwatch_event_target.probe[0].ecs_target[0].task_definition_arn == aws_ecs_task_definition.this.arn && aws_cloudwatch_event_target.probe[0].ecs_target[0].task_count == 1
    error_message = "the probe target must run one task of the service's task definition on this cluster."
  }

  assert {
    condition     = aws_cloudwatch_event_target.probe[0].ecs_target[0].launch_type == "FARGATE" && aws_cloudwatch_event_target.probe[0].ecs_target[0].platform_version == "LATEST"
    error_message = "the probe task runs on Fargate, platform LATEST."
  }

  assert {
    condition = alltrue([for n in aws_cloudwatch_event_target.probe[0].ecs_target[0].network_configuration :
      n.subnets == toset(["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]) && n.security_groups == toset(["sg-0aaaaaaaaaaaaaaa1"]) && n.assign_public_ip == false
    ])
    error_message = "the probe task runs in the private subnets with the app security group and no public IP (it reaches the hosts and the database like the service)."
  }

  assert {
    condition     = aws_cloudwatch_event_target.probe[0].role_arn == aws_iam_role.probe_events[0].arn
    error_message = "EventBridge must run the probe task with the probe events role."
  }

  assert {
    condition     = lookup({ for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.name => e.value }, "PROBE_INTERVAL_S", null) == "0"
    error_message = "with probe_schedule the task definition must set PROBE_INTERVAL_S=0 (no in-process rounds)."
  }

  assert {
    condition     = aws_iam_role.probe_events[0].name == "action-tracker-dev-probe-events" && aws_iam_role.probe_events[0].permissions_boundary == "arn:aws:iam::123456789012:policy/action-tracker-dev-boundary" && aws_iam_role_policy.probe_events[0].name == "run-probe-round-task"
    error_message = "the probe events role is action-tracker-dev-probe-events (policy run-probe-round-task) and carries the permissions boundary."
  }

  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.probe_events_assume[0].statement :
      s.actions == toset(["sts:AssumeRole"]) &&
      toset(flatten([for p in s.principals : p.identifiers if p.type == "Service"])) == toset(["events.amazonaws.com"]) && length(s.principals) == 1 &&
      [for c in s.condition : "${c.test} ${c.variable}=${join(",", c.values)}"] == ["StringEquals aws:SourceAccount=123456789012"]
    ]) && length(data.aws_iam_policy_document.probe_events_assume[0].statement) == 1
    error_message = "only EventBridge of this account may assume the probe events role."
  }

  # Least privilege: two statements, each naming its resources.
  assert {
    condition     = [for s in data.aws_iam_policy_document.probe_events[0].statement : s.sid] == ["RunTheProbeRoundTask", "PassTheTaskRoles"]
    error_message = "the probe events role may run the task and pass its roles, nothing else."
  }

  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.probe_events[0].statement : s.actions == toset(["ecs:RunTask"]) &&
      s.resources == toset(["arn:aws:ecs:eu-west-1:123456789012:task-definition/action-tracker-dev:*"]) &&
      [for c in s.condition : "${c.test} ${c.variable}=${join(",", c.values)}"] == ["ArnEquals ecs:cluster=${aws_ecs_cluster.this.arn}"]
    if s.sid == "RunTheProbeRoundTask"])
    error_message = "the probe events role may run this task definition family only, on this cluster only."
  }

  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.probe_events[0].statement : s.actions == toset(["iam:PassRole"]) &&
      s.resources == toset(["arn:aws:iam::123456789012:role/action-tracker-dev-execution", "arn:aws:iam::123456789012:role/action-tracker-dev-task"]) &&
      [for c in s.condition : "${c.test} ${c.variable}=${join(",", c.values)}"] == ["StringEquals iam:PassedToService=ecs-tasks.amazonaws.com"]
    if s.sid == "PassTheTaskRoles"])
    error_message = "the probe events role may pass the execution and task roles only, and to ECS tasks only."
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.probe_events[0].statement : alltrue([for r in s.resources : r != "*"]) && alltrue([for a in s.actions : !strcontains(a, "*")])])
    error_message = "the probe events role's policy must name its actions and resources (no *)."
  }
}

run "ecs_module_refuses_malformed_probe_schedule" {
  command = plan

  module {
    source = "./modules/ecs"
  }

  variables {
    vpc_id                       = "vpc-0123456789abcdef0"
    private_subnet_ids           = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    alb_security_group_id        = "sg-0123456789abcdef0"
    target_group_arn             = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/app-mock/0123456789abcdef"
    alb_arn_suffix               = "app/mock/0123456789abcdef"
    target_group_arn_suffix      = "targetgroup/app-mock/0123456789abcdef"
    execution_role_arn           = "arn:aws:iam::123456789012:role/action-tracker-dev-execution"
    task_role_arn                = "arn:aws:iam::123456789012:role/action-tracker-dev-task"
    log_group_name               = "/ecs/action-tracker-dev"
    evidence_bucket_name         = "action-tracker-dev-evidence-123456789012"
    database_url                 = "postgres://tracker@db.example:5432/tracker?sslmode=verify-full"
    database_password_secret_arn = var.mock_db_secret
    alb_arn                      = var.mock_alb_arn
    probe_schedule               = "rate(0 minutes)"
  }

  expect_failures = [var.probe_schedule]
}

################################################################################
# Module rds
################################################################################

run "rds_module" {
  command = plan

  module {
    source = "./modules/rds"
  }

  # The group's name comes from name_prefix at apply; fix it to check the wiring.
  override_resource {
    target          = aws_db_parameter_group.this
    override_during = plan
    values = {
      name = "action-tracker-dev-pg16-00000000000000000000000001"
    }
  }

  variables {
    vpc_id                = "vpc-0123456789abcdef0"
    private_subnet_ids    = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    app_security_group_id = "sg-0123456789abcdef0"
  }

  assert {
    condition     = aws_db_instance.this.manage_master_user_password == true && aws_db_instance.this.password == null
    error_message = "RDS must manage the master password (none in the state)."
  }

  assert {
    condition     = aws_db_instance.this.allocated_storage == 20 && aws_db_instance.this.max_allocated_storage == 100
    error_message = "storage must start at 20 GiB and may grow to 100 GiB."
  }

  assert {
    condition     = aws_db_instance.this.engine == "postgres" && aws_db_instance.this.engine_version == "16.4" && aws_db_instance.this.storage_type == "gp3" && aws_db_instance.this.storage_encrypted == true && aws_db_instance.this.publicly_accessible == false
    error_message = "PostgreSQL 16.4 on encrypted gp3, not public."
  }

  assert {
    condition     = one([for p in aws_db_parameter_group.this.parameter : p.value if p.name == "rds.force_ssl"]) == "1"
    error_message = "the parameter group must set rds.force_ssl = 1."
  }

  assert {
    condition     = aws_db_parameter_group.this.family == "postgres16" && aws_db_instance.this.parameter_group_name == aws_db_parameter_group.this.name
    error_message = "the instance must use the module's postgres16 parameter group."
  }

  assert {
    condition     = aws_db_instance.this.performance_insights_enabled == true && aws_db_instance.this.performance_insights_retention_period == 7
    error_message = "Performance Insights on, 7 days."
  }

  assert {
    condition     = toset(aws_db_instance.this.enabled_cloudwatch_logs_exports) == toset(["postgresql", "upgrade"])
    error_message = "the postgresql and upgrade logs must be exported."
  }

  assert {
    condition     = aws_db_instance.this.backup_retention_period == 7 && aws_db_instance.this.backup_window == "02:00-03:00" && aws_db_instance.this.maintenance_window == "sun:03:30-sun:04:30"
    error_message = "7 days of backups at 02:00-03:00, maintenance sun:03:30-sun:04:30."
  }

  assert {
    condition     = aws_db_instance.this.iam_database_authentication_enabled == false
    error_message = "IAM database authentication is off by default."
  }

  assert {
    condition     = startswith(aws_security_group.this.name_prefix, "action-tracker-dev-db-") && startswith(aws_db_parameter_group.this.name_prefix, "action-tracker-dev-pg16-")
    error_message = "the DB security group and parameter group must use name_prefix."
  }
}

run "rds_module_iam_auth" {
  command = plan

  module {
    source = "./modules/rds"
  }

  variables {
    vpc_id                      = "vpc-0123456789abcdef0"
    private_subnet_ids          = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    app_security_group_id       = "sg-0123456789abcdef0"
    iam_database_authentication = true
  }

  assert {
    condition     = aws_db_instance.this.iam_database_authentication_enabled == true
    error_message = "iam_database_authentication must switch IAM database authentication on."
  }
}

################################################################################
# Module cloudwatch
################################################################################

run "cloudwatch_module" {
  command = plan

  module {
    source = "./modules/cloudwatch"
  }

  variables {
    alb_arn_suffix          = "app/mock/0123456789abcdef"
    target_group_arn_suffix = "targetgroup/app-mock/0123456789abcdef"
    ecs_cluster_name        = "action-tracker-dev"
    ecs_service_name        = "action-tracker-dev"
    db_instance_identifier  = "action-tracker-dev"
    log_kms_key_arn         = var.test_kms_key_arn
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.alb_target_5xx.threshold == 10 && aws_cloudwatch_metric_alarm.alb_target_5xx.period == 300 && aws_cloudwatch_metric_alarm.alb_target_5xx.evaluation_periods == 1
    error_message = "the 5xx alarm fires at 10 responses in 5 minutes."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.alb_target_5xx.treat_missing_data == "notBreaching" && length(aws_cloudwatch_metric_alarm.alb_target_5xx.ok_actions) == 1
    error_message = "the 5xx alarm treats missing data as not breaching and notifies on recovery."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == var.test_kms_key_arn && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "the log group takes log_kms_key_arn and log_retention_days."
  }

  assert {
    condition     = toset([for s in aws_sns_topic_subscription.email : s.endpoint]) == toset(["sre-alerts-dev@example.com"])
    error_message = "the alarm topic's e-mail subscriptions are alarm_emails."
  }
}

################################################################################
# Modules s3 and logs
################################################################################

run "s3_module" {
  command = plan

  module {
    source = "./modules/s3"
  }

  variables {
    access_logs_bucket   = "action-tracker-dev-logs-123456789012"
    cors_allowed_origins = ["https://tracker-dev.example.com"]
    kms_key_arn          = var.test_kms_key_arn
  }

  assert {
    condition     = aws_s3_bucket.this.force_destroy == false
    error_message = "force_destroy is off by default."
  }

  assert {
    condition     = aws_s3_bucket_logging.this[0].target_bucket == "action-tracker-dev-logs-123456789012" && aws_s3_bucket_logging.this[0].target_prefix == "s3/evidence/"
    error_message = "server access logs go to the log bucket under s3/evidence/."
  }

  assert {
    condition = alltrue([for r in aws_s3_bucket_cors_configuration.this[0].cors_rule :
      toset(r.allowed_methods) == toset(["PUT", "POST", "GET", "HEAD"]) && r.allowed_origins == toset(["https://tracker-dev.example.com"]) && r.allowed_headers == toset(["*"]) && r.expose_headers == toset(["ETag"]) && r.max_age_seconds == 3000
    ])
    error_message = "the CORS rule allows PUT, POST, GET, HEAD from the app origins, any header, exposes ETag, max age 3000."
  }

  assert {
    condition = alltrue([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule :
      r.bucket_key_enabled == true && alltrue([for d in r.apply_server_side_encryption_by_default : d.sse_algorithm == "aws:kms" && d.kms_master_key_id == var.test_kms_key_arn])
    ])
    error_message = "with a KMS key: SSE-KMS with that key and bucket keys."
  }
}

run "logs_module" {
  command = plan

  module {
    source = "./modules/logs"
  }

  assert {
    condition     = output.bucket_id == "action-tracker-dev-logs-123456789012" && output.bucket_arn == "arn:aws:s3:::action-tracker-dev-logs-123456789012"
    error_message = "the log bucket is <name>-<env>-logs-<account>, name and ARN known at plan time."
  }

  assert {
    condition = alltrue([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule :
      alltrue([for d in r.apply_server_side_encryption_by_default : d.sse_algorithm == "AES256"])
    ])
    error_message = "the log bucket uses SSE-S3 (log delivery cannot write to KMS targets)."
  }

  assert {
    condition     = one(flatten([for r in aws_s3_bucket_lifecycle_configuration.this.rule : [for e in r.expiration : e.days] if r.id == "expire-logs"])) == 90
    error_message = "log objects expire after 90 days by default."
  }

  assert {
    condition     = one([for r in aws_s3_bucket_ownership_controls.this.rule : r.object_ownership]) == "BucketOwnerEnforced"
    error_message = "the log bucket must disable ACLs (BucketOwnerEnforced)."
  }

  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.this.statement : [for p in s.principals : p.identifiers] if s.effect != "Deny"])) == toset([
      "logdelivery.elasticloadbalancing.amazonaws.com",
      "arn:aws:iam::156460612806:root",
      "logging.s3.amazonaws.com",
      "delivery.logs.amazonaws.com",
    ])
    error_message = "the log bucket grants exactly ELB (service principal and eu-west-1's ELB account), S3 server access logging and flow log delivery."
  }

  assert {
    condition     = toset(one([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "ElbLogDelivery"])) == toset(["arn:aws:s3:::action-tracker-dev-logs-123456789012/alb/AWSLogs/123456789012/*"])
    error_message = "ALB log delivery may write under alb/AWSLogs/<account>/ only."
  }

  assert {
    condition     = contains(flatten([for s in data.aws_iam_policy_document.this.statement : [for c in s.condition : c.values if c.variable == "aws:SourceAccount"] if s.sid == "S3ServerAccessLogDelivery"]), "123456789012")
    error_message = "S3 server access log delivery is limited to this account (aws:SourceAccount)."
  }

  assert {
    condition     = contains(flatten([for s in data.aws_iam_policy_document.this.statement : [for c in s.condition : c.values if c.variable == "s3:x-amz-acl"] if s.sid == "FlowLogDeliveryWrite"]), "bucket-owner-full-control")
    error_message = "flow log delivery must write with bucket-owner-full-control."
  }

  assert {
    condition     = contains([for s in data.aws_iam_policy_document.this.statement : s.sid if s.effect == "Deny"], "DenyInsecureTransport")
    error_message = "the log bucket must refuse requests without TLS."
  }
}
