data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id

  tags = merge({
    Project     = var.name
    Environment = var.env
    ManagedBy   = "terraform"
  }, var.tags)

  ecr_repository_url = "${local.account_id}.dkr.ecr.${var.region}.${data.aws_partition.current.dns_suffix}/${var.ecr_repository_name}"

  alb_access_logs_enabled = coalesce(var.alb_access_logs_enabled, var.env == "prod")
}

################################################################################
# Network
################################################################################

module "vpc" {
  source = "./modules/vpc"

  name                 = var.name
  env                  = var.env
  vpc_cidr             = var.vpc_cidr
  availability_zones   = var.availability_zones
  public_subnet_cidrs  = var.public_subnet_cidrs
  private_subnet_cidrs = var.private_subnet_cidrs
  single_nat_gateway   = var.single_nat_gateway

  region                     = var.region
  enable_flow_logs           = var.enable_flow_logs
  flow_logs_bucket_arn       = module.logs.bucket_arn
  flow_logs_prefix           = module.logs.flow_logs_prefix
  enable_interface_endpoints = var.enable_interface_endpoints
}

################################################################################
# Evidence bucket
################################################################################

module "s3" {
  source = "./modules/s3"

  name        = var.name
  env         = var.env
  kms_key_arn = var.evidence_kms_key_arn

  # Off in prod (a variable validation); teardown of dev sets it first.
  force_destroy        = var.evidence_force_destroy
  access_logs_bucket   = module.logs.bucket_id
  access_logs_prefix   = "${module.logs.s3_access_logs_prefix}evidence/"
  cors_allowed_origins = var.app_origins
}

################################################################################
# Log bucket: ALB access logs, VPC flow logs, S3 server access logs
################################################################################

module "logs" {
  source = "./modules/logs"

  name                      = var.name
  env                       = var.env
  region                    = var.region
  log_bucket_retention_days = var.log_bucket_retention_days
  force_destroy             = var.evidence_force_destroy
}

################################################################################
# Load balancer
################################################################################

module "alb" {
  source = "./modules/alb"

  name                  = var.name
  env                   = var.env
  vpc_id                = module.vpc.vpc_id
  public_subnet_ids     = module.vpc.public_subnet_ids
  app_security_group_id = module.ecs.security_group_id
  certificate_arn       = var.certificate_arn

  # Access logs: on by default in prod only (var.alb_access_logs_enabled null).
  access_logs_enabled = local.alb_access_logs_enabled
  access_logs_bucket  = module.logs.bucket_id
  access_logs_prefix  = module.logs.alb_logs_prefix

  enable_waf         = var.enable_waf
  waf_rate_limit     = var.waf_rate_limit
  log_retention_days = var.log_retention_days
  log_kms_key_arn    = var.log_kms_key_arn

  oidc_issuer                 = var.oidc_issuer
  oidc_authorization_endpoint = var.oidc_authorization_endpoint
  oidc_token_endpoint         = var.oidc_token_endpoint
  oidc_user_info_endpoint     = var.oidc_user_info_endpoint
  oidc_client_id              = var.oidc_client_id
  oidc_client_secret_arn      = var.oidc_client_secret_arn
  oidc_scope                  = var.oidc_scope
  oidc_session_timeout        = var.oidc_session_timeout
}

################################################################################
# Database
################################################################################

module "rds" {
  source = "./modules/rds"

  name                  = var.name
  env                   = var.env
  vpc_id                = module.vpc.vpc_id
  private_subnet_ids    = module.vpc.private_subnet_ids
  app_security_group_id = module.ecs.security_group_id
  instance_class        = var.db_instance_class
  multi_az              = var.multi_az
  deletion_protection   = var.deletion_protection
  apply_immediately     = var.apply_immediately
  skip_final_snapshot   = var.skip_final_snapshot

  iam_database_authentication = var.db_iam_authentication
}

################################################################################
# Roles of the tasks (execution, task); the CI roles are terraform/bootstrap's
################################################################################

module "iam" {
  source = "./modules/iam"

  name                         = var.name
  env                          = var.env
  evidence_bucket_arn          = module.s3.bucket_arn
  database_password_secret_arn = module.rds.master_user_secret_arn
  evidence_kms_key_arn         = var.evidence_kms_key_arn
  permissions_boundary         = var.permissions_boundary_arn
}

################################################################################
# Logs and alarms
################################################################################

module "cloudwatch" {
  source = "./modules/cloudwatch"

  name                    = var.name
  env                     = var.env
  log_retention_days      = var.log_retention_days
  log_kms_key_arn         = var.log_kms_key_arn
  alarm_emails            = var.alarm_emails
  alb_arn_suffix          = module.alb.arn_suffix
  target_group_arn_suffix = module.alb.target_group_arn_suffix
  ecs_cluster_name        = module.ecs.cluster_name
  ecs_service_name        = module.ecs.service_name
  db_instance_identifier  = module.rds.instance_identifier
}

################################################################################
# Service
################################################################################

module "ecs" {
  source = "./modules/ecs"

  name                     = var.name
  env                      = var.env
  region                   = var.region
  docker_image             = var.docker_image
  cpu_architecture         = var.cpu_architecture
  task_cpu                 = var.task_cpu
  task_memory              = var.task_memory
  desired_count            = var.desired_count
  autoscaling_min_capacity = var.autoscaling_min_capacity
  autoscaling_max_capacity = var.autoscaling_max_capacity
  vpc_id                   = module.vpc.vpc_id
  private_subnet_ids       = module.vpc.private_subnet_ids
  alb_security_group_id    = module.alb.security_group_id
  target_group_arn         = module.alb.target_group_arn
  alb_arn_suffix           = module.alb.arn_suffix
  target_group_arn_suffix  = module.alb.target_group_arn_suffix
  execution_role_arn       = module.iam.execution_role_arn
  task_role_arn            = module.iam.task_role_arn
  log_group_name           = module.cloudwatch.log_group_name
  evidence_bucket_name     = module.s3.bucket_name
  evidence_kms_key_arn     = var.evidence_kms_key_arn

  # No password in the task definition: the app reads it from the RDS-managed
  # secret (DATABASE_PASSWORD_SECRET_ARN), so a rotation needs no restart.
  database_url                 = module.rds.database_url
  database_password_secret_arn = module.rds.master_user_secret_arn

  # Spot is refused in prod (variable validation).
  use_fargate_spot            = var.use_fargate_spot
  evidence_reconcile_schedule = var.evidence_reconcile_schedule
  probe_schedule              = var.probe_schedule
  permissions_boundary        = var.permissions_boundary_arn

  # The task verifies what this load balancer signed. No cycle: the ALB does not
  # depend on the task definition (the service attaches to its target group).
  alb_arn           = module.alb.arn
  oidc_user_claim   = var.oidc_user_claim
  oidc_groups_claim = var.oidc_groups_claim
  oidc_role_map     = var.oidc_role_map
  oidc_default_role = var.oidc_default_role
}

################################################################################
# Bastion (optional)
################################################################################

module "bastion" {
  source = "./modules/bastion"

  name           = var.name
  env            = var.env
  enable_bastion = var.enable_bastion
  vpc_id         = module.vpc.vpc_id
  subnet_id      = module.vpc.private_subnet_ids[0]

  permissions_boundary = var.permissions_boundary_arn
}
