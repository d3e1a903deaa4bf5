# Data, tasks and storage of prod at plan time (mock AWS provider, no account):
#   terraform test -test-directory=tests/prod -var-file=envs/prod.tfvars \
#     -var docker_image=<repo>:sha-<40 hex>
# The prod guard rails are proven by runs that set a forbidden value and
# expect exactly that variable's validation to fail the plan.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  # What the shared mocks answer (tests/mocks/aws.tfmock.hcl), restated here.
  mock_account    = "123456789012"
  mock_alb_arn    = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/mock/0123456789abcdef"
  mock_db_address = "mock.abcdefghijkl.eu-west-1.rds.amazonaws.com"
  mock_db_secret  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-00000000-0000-0000-0000-000000000000-AbCdEf"
}

################################################################################
# The whole prod root
################################################################################

run "prod_root" {
  command = plan

  assert {
    condition = module.ecs.container_environment == {
      for k, v in jsondecode(file("modules/ecs/container-environment.json")).settings : k => (can(v.ref) ? {
        database_url                 = "postgres://tracker@${var.mock_db_address}:5432/tracker?sslmode=verify-full"
        database_password_secret_arn = var.mock_db_secret
        evidence_bucket              = "action-tracker-prod-evidence-${var.mock_account}"
        evidence_sse                 = "AES256"
        alb_arn                      = var.mock_alb_arn
        region                       = "eu-west-1"
        oidc_user_claim              = "email"
        oidc_groups_claim            = "custom:groups"
        oidc_role_map                = "sre-admins=admin,sre-leads=lead,sre=member,auditors=viewer"
        oidc_default_role            = "none"
      }[v.ref] : tostring(v)) if !contains(["evidence_kms_key_arn", "probe_interval_s"], try(v.ref, ""))
    }
    error_message = "prod container environment is not container-environment.json with its refs resolved: ${jsonencode(module.ecs.container_environment)}"
  }

  assert {
    condition     = lookup(module.ecs.container_definition, "secrets", null) == null && module.ecs.container_environment["DATABASE_PASSWORD_SECRET_ARN"] == output.database_master_secret_arn
    error_message = "prod tasks get no secrets; they read the password from the RDS-managed secret."
  }

  assert {
    condition     = module.ecs.container_definition.readonlyRootFilesystem == true && module.ecs.container_definition.stopTimeout == 30
    error_message = "prod container: read-only root filesystem, stopTimeout 30."
  }

  # No Spot in prod.
  assert {
    condition     = jsondecode(jsonencode(module.ecs.capacity_provider_strategy)) == [{ capacity_provider = "FARGATE", base = 0, weight = 1 }]
    error_message = "prod runs on on-demand FARGATE only."
  }

  assert {
    condition     = module.cloudwatch.log_retention_days == 90
    error_message = "prod keeps application logs 90 days (prod.tfvars)."
  }

  assert {
    condition     = module.cloudwatch.log_retention_days >= 30
    error_message = "prod keeps application logs at least 30 days."
  }

  assert {
    condition     = module.cloudwatch.alarm_emails == tolist(["sre-alerts@example.com", "sre-oncall@example.com"])
    error_message = "prod's alarm recipients come from prod.tfvars."
  }

  assert {
    condition     = module.rds.multi_az == true && module.rds.deletion_protection == true
    error_message = "prod's database runs Multi-AZ with deletion protection."
  }

  assert {
    condition     = module.s3.force_destroy == false && module.logs.force_destroy == false
    error_message = "prod's buckets are never force-destroyable."
  }

  assert {
    condition     = module.s3.cors_allowed_origins == ["https://tracker.example.com"]
    error_message = "prod's evidence bucket allows direct uploads from the prod origin only."
  }

  assert {
    condition     = module.s3.access_logs_target == "action-tracker-prod-logs-${var.mock_account}/s3/evidence/"
    error_message = "prod's evidence bucket logs its accesses to the prod log bucket."
  }

  assert {
    condition     = module.ecs.reconcile_rule_name == "action-tracker-prod-evidence-reconcile"
    error_message = "prod runs the evidence reconcile on a schedule."
  }

  # prod.tfvars: probe_schedule = null, the tasks run the rounds (one at a time, by the lease).
  assert {
    condition     = output.probe_rule_name == null && !contains(keys(module.ecs.container_environment), "PROBE_INTERVAL_S")
    error_message = "prod.tfvars leaves the probe rounds to the tasks: no probe rule, PROBE_INTERVAL_S unset."
  }
}

run "ecs_module_prod" {
  command = plan

  module {
    source = "./modules/ecs"
  }

  # use_fargate_spot, name, env and the OIDC settings come from prod.tfvars.
  variables {
    vpc_id                       = "vpc-0123456789abcdef0"
    private_subnet_ids           = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    alb_security_group_id        = "sg-0123456789abcdef0"
    target_group_arn             = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/app-mock/0123456789abcdef"
    alb_arn_suffix               = "app/mock/0123456789abcdef"
    target_group_arn_suffix      = "targetgroup/app-mock/0123456789abcdef"
    execution_role_arn           = "arn:aws:iam::123456789012:role/action-tracker-prod-execution"
    task_role_arn                = "arn:aws:iam::123456789012:role/action-tracker-prod-task"
    log_group_name               = "/ecs/action-tracker-prod"
    evidence_bucket_name         = "action-tracker-prod-evidence-123456789012"
    database_url                 = "postgres://tracker@db.example:5432/tracker?sslmode=verify-full"
    database_password_secret_arn = var.mock_db_secret
    alb_arn                      = var.mock_alb_arn
  }

  assert {
    condition     = [for s in aws_ecs_service.this.capacity_provider_strategy : "${s.capacity_provider}/${s.base}/${s.weight}"] == ["FARGATE/0/1"]
    error_message = "prod's service runs on FARGATE only."
  }

  assert {
    condition     = aws_ecs_service.this.deployment_circuit_breaker[0].enable == true && aws_ecs_service.this.deployment_circuit_breaker[0].rollback == true && aws_ecs_service.this.health_check_grace_period_seconds == 30
    error_message = "prod's service: circuit breaker with rollback, grace period 30."
  }
}

################################################################################
# Guard rails: each forbidden prod value fails the plan at its own variable
################################################################################

run "prod_refuses_evidence_force_destroy" {
  command = plan

  variables {
    evidence_force_destroy = true
  }

  expect_failures = [var.evidence_force_destroy]
}

run "prod_refuses_fargate_spot" {
  command = plan

  variables {
    use_fargate_spot = true
  }

  expect_failures = [var.use_fargate_spot]
}

run "prod_refuses_no_deletion_protection" {
  command = plan

  variables {
    deletion_protection = false
  }

  expect_failures = [var.deletion_protection]
}

run "prod_refuses_single_az_database" {
  command = plan

  variables {
    multi_az = false
  }

  expect_failures = [var.multi_az]
}

run "prod_refuses_one_day_log_retention" {
  command = plan

  variables {
    log_retention_days = 1
  }

  expect_failures = [var.log_retention_days]
}

run "prod_refuses_fourteen_day_log_retention" {
  command = plan

  variables {
    log_retention_days = 14
  }

  expect_failures = [var.log_retention_days]
}
