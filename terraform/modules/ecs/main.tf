locals {
  prefix = "${var.name}-${var.env}"

  # The settings (lib/config.ts SETTINGS) this deployment decides; any other
  # keeps the app's default. Values are strings, as ECS requires. The tests
  # check that every name is a setting, that the app's own parser accepts the
  # whole environment, and that the CDK twin sets the same names to the same values.
  container_environment = [
    # Listen on the task's interface; only the ALB's security group reaches it.
    { name = "PORT", value = "8080" },
    { name = "HOST", value = "0.0.0.0" },
    { name = "DATA_DIR", value = "/tmp/data" },
    { name = "DB_POOL_MAX", value = "10" },
    { name = "DB_STATEMENT_TIMEOUT_MS", value = "5000" },
    { name = "DB_QUERY_TIMEOUT_MS", value = "6000" },
    { name = "MIGRATE_ON_START", value = "true" },
    { name = "LOG_LEVEL", value = "info" },
    { name = "MAX_JSON_BODY_BYTES", value = "1048576" },
    # Below the target group's 5 s health-check timeout.
    { name = "HEALTH_TIMEOUT_MS", value = "1500" },
    # The ALB's idle timeout (aws_lb.idle_timeout); keep-alive is set above it.
    { name = "ALB_IDLE_TIMEOUT_S", value = "60" },
    # Inside the container's 30 s stopTimeout.
    { name = "SHUTDOWN_TIMEOUT_MS", value = "25000" },
    { name = "EVIDENCE_BUCKET", value = var.evidence_bucket_name },
    { name = "EVIDENCE_SSE", value = "AES256" },
    { name = "EVIDENCE_MAX_BYTES", value = "104857600" },
    { name = "EVIDENCE_PRESIGN_DOWNLOADS", value = "false" },
    { name = "EVIDENCE_PRESIGN_TTL_S", value = "60" },
    { name = "EVIDENCE_UPLOAD_TTL_S", value = "3600" },
    # Identity: the ALB signs users in (OIDC) and signs their claims; the app
    # accepts only tokens this load balancer signed, with keys from its region.
    { name = "AUTH_MODE", value = "alb-oidc" },
    { name = "ALB_OIDC_SIGNER_ARN", value = var.alb_arn },
    { name = "AWS_REGION", value = var.region },
    { name = "OIDC_USER_CLAIM", value = var.oidc_user_claim },
    { name = "OIDC_GROUPS_CLAIM", value = var.oidc_groups_claim },
    { name = "OIDC_ROLE_MAP", value = var.oidc_role_map },
    { name = "OIDC_DEFAULT_ROLE", value = var.oidc_default_role },
  ]

  container_secrets = [
    { name = "DATABASE_URL", valueFrom = var.database_url_secret_arn },
  ]
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
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

################################################################################
# Task definition
################################################################################

resource "aws_ecs_task_definition" "this" {
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

  container_definitions = jsonencode([
    {
      name        = "app"
      image       = var.docker_image
      essential   = true
      stopTimeout = 30
      portMappings = [
        { containerPort = 8080, hostPort = 8080, protocol = "tcp" },
      ]
      environment = local.container_environment
      secrets     = local.container_secrets
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = var.log_group_name
          awslogs-region        = var.region
          awslogs-stream-prefix = "app"
        }
      }
    },
  ])

  tags = var.tags
}

################################################################################
# Security group: reachable from the load balancer only
################################################################################

resource "aws_security_group" "this" {
  name        = "${local.prefix}-app"
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
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 30
  propagate_tags                     = "SERVICE"
  enable_ecs_managed_tags            = true

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
