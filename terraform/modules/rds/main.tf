locals {
  prefix   = "${var.name}-${var.env}"
  db_name  = "tracker"
  username = "tracker"
  port     = 5432
}

################################################################################
# Network: private subnets, reachable from the app tasks only
################################################################################

resource "aws_db_subnet_group" "this" {
  name       = local.prefix
  subnet_ids = var.private_subnet_ids

  tags = merge(var.tags, { Name = local.prefix })
}

# name_prefix: a replacement is created before the old group goes, so the two
# must not share a name.
resource "aws_security_group" "this" {
  name_prefix = "${local.prefix}-db-"
  description = "PostgreSQL: tcp 5432 from the app tasks only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${local.prefix}-db" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_app" {
  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from the app tasks"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = var.app_security_group_id
}

################################################################################
# Parameters: TLS required, slow statements logged
################################################################################

resource "aws_db_parameter_group" "this" {
  name_prefix = "${local.prefix}-pg16-"
  family      = "postgres16"
  description = "PostgreSQL 16 of ${local.prefix}: TLS only, slow statements logged"

  # The server refuses unencrypted connections, whatever a client asks for.
  # pending-reboot is accepted for static and dynamic parameters alike; a new
  # instance starts with it applied.
  parameter {
    name         = "rds.force_ssl"
    value        = "1"
    apply_method = "pending-reboot"
  }

  # Statements slower than 1 s go to the postgresql log (exported to CloudWatch).
  parameter {
    name         = "log_min_duration_statement"
    value        = "1000"
    apply_method = "immediate"
  }

  tags = merge(var.tags, { Name = "${local.prefix}-pg16" })

  lifecycle {
    create_before_destroy = true
  }
}

################################################################################
# Instance
################################################################################

resource "aws_db_instance" "this" {
  identifier     = local.prefix
  engine         = "postgres"
  engine_version = "16.4"
  instance_class = var.instance_class

  allocated_storage     = 20
  max_allocated_storage = 100
  storage_type          = "gp3"
  storage_encrypted     = true

  db_name  = local.db_name
  username = local.username
  port     = local.port

  # RDS creates the master password and keeps it in its own Secrets Manager
  # secret (rotated by RDS, every 7 days by default): no password in the
  # Terraform state or plan. The app reads it from that secret.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.master_user_secret_kms_key_id

  iam_database_authentication_enabled = var.iam_database_authentication

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false
  multi_az               = var.multi_az

  backup_retention_period = 7
  backup_window           = "02:00-03:00"
  maintenance_window      = "sun:03:30-sun:04:30"
  copy_tags_to_snapshot   = true
  deletion_protection     = var.deletion_protection
  skip_final_snapshot     = var.skip_final_snapshot

  final_snapshot_identifier = var.skip_final_snapshot ? null : "${local.prefix}-final"

  performance_insights_enabled          = true
  performance_insights_retention_period = 7
  enabled_cloudwatch_logs_exports       = ["postgresql", "upgrade"]

  # engine_version is pinned; a minor upgrade made by AWS would show as drift.
  auto_minor_version_upgrade = false
  apply_immediately          = var.apply_immediately

  tags = merge(var.tags, { Name = local.prefix })
}
