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

resource "aws_security_group" "this" {
  name        = "${local.prefix}-db"
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
# Master password
################################################################################

# Letters and digits only: the password is embedded in a postgres:// URL unescaped.
resource "random_password" "this" {
  length  = 32
  special = false
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
  password = random_password.this.result
  port     = local.port

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  multi_az               = var.multi_az

  backup_retention_period = 7
  copy_tags_to_snapshot   = true
  deletion_protection     = var.deletion_protection
  skip_final_snapshot     = var.skip_final_snapshot

  final_snapshot_identifier = var.skip_final_snapshot ? null : "${local.prefix}-final"

  # engine_version is pinned; a minor upgrade made by AWS would show as drift.
  auto_minor_version_upgrade = false
  apply_immediately          = var.apply_immediately

  tags = merge(var.tags, { Name = local.prefix })
}

################################################################################
# Secret: the full connection URL the app reads as DATABASE_URL
################################################################################

resource "aws_secretsmanager_secret" "this" {
  name                    = "${local.prefix}/database-url"
  description             = "PostgreSQL connection URL of ${local.prefix} (DATABASE_URL)"
  recovery_window_in_days = var.secret_recovery_window_in_days

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "this" {
  secret_id     = aws_secretsmanager_secret.this.id
  secret_string = "postgres://${local.username}:${random_password.this.result}@${aws_db_instance.this.address}:${local.port}/${local.db_name}?sslmode=verify-full"
}
