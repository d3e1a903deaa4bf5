data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  prefix     = "${var.name}-${var.env}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # The container environment comes only from container-environment.json, the
  # table the CDK twin reads too. A string is the value; {"ref": x} takes
  # local.refs[x] (an unknown ref name fails the plan), and a null ref leaves
  # the setting out (EVIDENCE_KMS_KEY_ID without a key).
  settings = jsondecode(file("${path.module}/container-environment.json")).settings

  required_refs = {
    database_url                 = var.database_url
    database_password_secret_arn = var.database_password_secret_arn
    evidence_bucket              = var.evidence_bucket_name
    # With a key the app writes aws:kms with that key (S3 would otherwise use
    # the aws/s3 key for a request that names aws:kms without one).
    evidence_sse      = var.evidence_kms_key_arn == null ? "AES256" : "aws:kms"
    alb_arn           = var.alb_arn
    region            = var.region
    oidc_user_claim   = var.oidc_user_claim
    oidc_groups_claim = var.oidc_groups_claim
    oidc_role_map     = var.oidc_role_map
    oidc_default_role = var.oidc_default_role
  }

  # Refs that may be null, which leaves their setting out. Kept apart because
  # their null-ness must be known at plan time (a resource attribute's is not).
  optional_refs = {
    evidence_kms_key_arn = var.evidence_kms_key_arn
    # With the EventBridge schedule on, the tasks' own timers are off
    # (PROBE_INTERVAL_S=0): rounds come from one place. Off, the app's default.
    probe_interval_s = local.probe_enabled ? "0" : null
  }

  refs         = merge(local.required_refs, local.optional_refs)
  omitted_refs = [for k, v in local.optional_refs : k if v == null]

  container_environment_map = {
    for name, v in local.settings : name => (can(v.ref) ? local.refs[v.ref] : tostring(v))
    if !contains(local.omitted_refs, try(v.ref, ""))
  }

  # Sorted by name (a map iterates in key order): a stable order means no
  # spurious task definition revisions.
  container_environment = [
    for name, value in local.container_environment_map : { name = name, value = value }
  ]

  # The Dockerfile's HEALTHCHECK, repeated here because ECS ignores the image's.
  # No curl in the slim image: Node's fetch.
  health_check = {
    command     = ["CMD", "node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
    interval    = 15
    timeout     = 5
    retries     = 3
    startPeriod = 30
  }

  app_container = {
    name        = "app"
    image       = var.docker_image
    essential   = true
    stopTimeout = 30
    # Only the tmp volume is writable (DATA_DIR is /tmp/data).
    readonlyRootFilesystem = true
    portMappings = [
      { containerPort = 8080, hostPort = 8080, protocol = "tcp" },
    ]
    mountPoints = [
      { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
    ]
    environment = local.container_environment
    # No secrets: the app reads the database password from
    # DATABASE_PASSWORD_SECRET_ARN itself, so an RDS rotation needs no restart.
    healthCheck = local.health_check
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = var.log_group_name
        awslogs-region        = var.region
        awslogs-stream-prefix = "app"
      }
    }
  }

  # Spot (dev only, the root refuses it in prod): one on-demand task always,
  # every further task on Spot.
  capacity_provider_strategy = var.use_fargate_spot ? [
    { capacity_provider = "FARGATE", base = 1, weight = 0 },
    { capacity_provider = "FARGATE_SPOT", base = 0, weight = 1 },
    ] : [
    { capacity_provider = "FARGATE", base = 0, weight = 1 },
  ]

  reconcile_enabled = var.evidence_reconcile_schedule != null
  reconcile_command = ["node", "dist/evidence-reconcile.mjs"]

  probe_enabled = var.probe_schedule != null
  probe_command = ["node", "dist/probe-round.mjs"]
}

################################################################################
# Cluster
################################################################################

resource "aws_ecs_cluster" "this" {
  name = local.prefix

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

################################################################################
# Task definition
################################################################################

resource "aws_ecs_task_definition" "this" {
  # Earlier revisions stay registered (ACTIVE) when an apply replaces this one, so a
  # break-glass `aws ecs update-service --task-definition <family>:<n>` can roll back to one.
  skip_destroy = true

  family                   = local.prefix
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = var.execution_role_arn
  task_role_arn            = var.task_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # Fargate task storage mounted at /tmp: the one writable path of the
  # read-only root filesystem.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([local.app_container])

  tags = var.tags
}

################################################################################
# Security group: reachable from the load balancer only
################################################################################

# name_prefix: a replacement is created before the old group goes, so the two
# must not share a name.
resource "aws_security_group" "this" {
  name_prefix = "${local.prefix}-app-"
  description = "App tasks: tcp 8080 from the ALB only; all egress (S3, Secrets Manager, ECR via NAT)"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${local.prefix}-app" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_alb" {
  security_group_id            = aws_security_group.this.id
  description                  = "HTTP from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  referenced_security_group_id = var.alb_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.this.id
  description       = "All outbound (AWS APIs through the NAT gateway, PostgreSQL in the VPC)"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

################################################################################
# Service
################################################################################

resource "aws_ecs_service" "this" {
  name                               = local.prefix
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.desired_count
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 30
  propagate_tags                     = "SERVICE"
  enable_ecs_managed_tags            = true

  # A capacity provider strategy instead of launch_type. With
  # force_new_deployment a change of strategy (use_fargate_spot) is an
  # in-place update plus a rolling deployment, not a replacement.
  force_new_deployment = true

  dynamic "capacity_provider_strategy" {
    for_each = local.capacity_provider_strategy

    content {
      capacity_provider = capacity_provider_strategy.value.capacity_provider
      base              = capacity_provider_strategy.value.base
      weight            = capacity_provider_strategy.value.weight
    }
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.target_group_arn
    container_name   = "app"
    container_port   = 8080
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  tags = var.tags

  # The strategy may only name providers registered on the cluster.
  depends_on = [aws_ecs_cluster_capacity_providers.this]

  lifecycle {
    # Autoscaling owns the running count once the service exists.
    ignore_changes = [desired_count]
  }
}

################################################################################
# Autoscaling: target tracking on CPU and requests per target
################################################################################

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.autoscaling_min_capacity
  max_capacity       = var.autoscaling_max_capacity

  lifecycle {
    precondition {
      condition     = var.autoscaling_min_capacity <= var.autoscaling_max_capacity
      error_message = "autoscaling_min_capacity must not exceed autoscaling_max_capacity."
    }
  }
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${local.prefix}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  name               = "${local.prefix}-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = 500

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${var.alb_arn_suffix}/${var.target_group_arn_suffix}"
    }
  }
}

################################################################################
# Evidence reconcile on a schedule: the same task definition as a one-off task
# with the reconcile command. Report only (no --fix): a human decides from the
# logs. Being a standalone task, a failing container health check (nothing
# listens on 8080) does not stop it.
################################################################################

resource "aws_cloudwatch_event_rule" "reconcile" {
  count = local.reconcile_enabled ? 1 : 0

  name                = "${local.prefix}-evidence-reconcile"
  description         = "Runs the evidence reconcile (report only) of ${local.prefix}"
  schedule_expression = var.evidence_reconcile_schedule

  tags = var.tags
}

data "aws_iam_policy_document" "reconcile_events_assume" {
  count = local.reconcile_enabled ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "reconcile_events" {
  count = local.reconcile_enabled ? 1 : 0

  statement {
    sid     = "RunTheReconcileTask"
    actions = ["ecs:RunTask"]
    # Any revision of this family (the rule follows the service's revision),
    # and only on this cluster.
    resources = ["arn:${local.partition}:ecs:${var.region}:${local.account_id}:task-definition/${aws_ecs_task_definition.this.family}:*"]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.this.arn]
    }
  }

  statement {
    sid       = "PassTheTaskRoles"
    actions   = ["iam:PassRole"]
    resources = [var.execution_role_arn, var.task_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "reconcile_events" {
  count = local.reconcile_enabled ? 1 : 0

  name                 = "${local.prefix}-reconcile-events"
  description          = "EventBridge runs the evidence reconcile task of ${local.prefix}"
  assume_role_policy   = data.aws_iam_policy_document.reconcile_events_assume[0].json
  permissions_boundary = var.permissions_boundary

  tags = var.tags
}

resource "aws_iam_role_policy" "reconcile_events" {
  count = local.reconcile_enabled ? 1 : 0

  name   = "run-reconcile-task"
  role   = aws_iam_role.reconcile_events[0].id
  policy = data.aws_iam_policy_document.reconcile_events[0].json
}

resource "aws_cloudwatch_event_target" "reconcile" {
  count = local.reconcile_enabled ? 1 : 0

  rule      = aws_cloudwatch_event_rule.reconcile[0].name
  target_id = "evidence-reconcile"
  arn       = aws_ecs_cluster.this.arn
  role_arn  = aws_iam_role.reconcile_events[0].arn

  ecs_target {
    task_definition_arn = aws_ecs_task_definition.this.arn
    task_count          = 1
    launch_type         = "FARGATE"
    platform_version    = "LATEST"

    network_configuration {
      subnets          = var.private_subnet_ids
      security_groups  = [aws_security_group.this.id]
      assign_public_ip = false
    }
  }

  input = jsonencode({
    containerOverrides = [
      { name = "app", command = local.reconcile_command },
    ]
  })

  # The role must be able to run the task before the first schedule fires.
  depends_on = [aws_iam_role_policy.reconcile_events]
}

################################################################################
# Probe rounds on a schedule (probe_schedule): the same task definition as a
# one-off task that runs one round (dist/probe-round.mjs) and exits, instead of
# each task's in-process timer. The round takes the PostgreSQL lease like any
# other, so one still running (or a POST /api/v1/probes/rounds) makes it skip.
################################################################################

resource "aws_cloudwatch_event_rule" "probe" {
  count = local.probe_enabled ? 1 : 0

  name                = "${local.prefix}-probe-round"
  description         = "Runs one probe round of ${local.prefix}"
  schedule_expression = var.probe_schedule

  tags = var.tags
}

data "aws_iam_policy_document" "probe_events_assume" {
  count = local.probe_enabled ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "probe_events" {
  count = local.probe_enabled ? 1 : 0

  statement {
    sid     = "RunTheProbeRoundTask"
    actions = ["ecs:RunTask"]
    # Any revision of this family (the rule follows the service's revision),
    # and only on this cluster.
    resources = ["arn:${local.partition}:ecs:${var.region}:${local.account_id}:task-definition/${aws_ecs_task_definition.this.family}:*"]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.this.arn]
    }
  }

  statement {
    sid       = "PassTheTaskRoles"
    actions   = ["iam:PassRole"]
    resources = [var.execution_role_arn, var.task_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "probe_events" {
  count = local.probe_enabled ? 1 : 0

  name                 = "${local.prefix}-probe-events"
  description          = "EventBridge runs the probe round task of ${local.prefix}"
  assume_role_policy   = data.aws_iam_policy_document.probe_events_assume[0].json
  permissions_boundary = var.permissions_boundary

  tags = var.tags
}

resource "aws_iam_role_policy" "probe_events" {
  count = local.probe_enabled ? 1 : 0

  name   = "run-probe-round-task"
  role   = aws_iam_role.probe_events[0].id
  policy = data.aws_iam_policy_document.probe_events[0].json
}

resource "aws_cloudwatch_event_target" "probe" {
  count = local.probe_enabled ? 1 : 0

  rule      = aws_cloudwatch_event_rule.probe[0].name
  target_id = "probe-round"
  arn       = aws_ecs_cluster.this.arn
  role_arn  = aws_iam_role.probe_events[0].arn

  ecs_target {
    task_definition_arn = aws_ecs_task_definition.this.arn
    task_count          = 1
    launch_type         = "FARGATE"
    platform_version    = "LATEST"

    network_configuration {
      subnets          = var.private_subnet_ids
      security_groups  = [aws_security_group.this.id]
      assign_public_ip = false
    }
  }

  input = jsonencode({
    containerOverrides = [
      { name = "app", command = local.probe_command },
    ]
  })

  # The role must be able to run the task before the first schedule fires.
  depends_on = [aws_iam_role_policy.probe_events]
}
