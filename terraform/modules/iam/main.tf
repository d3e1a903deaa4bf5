data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

# Only the roles the tasks run with live here. The CI roles and the account's
# GitHub OIDC provider belong to terraform/bootstrap: destroying an environment
# can then never remove what the pipeline or the other environment needs.

locals {
  prefix = "${var.name}-${var.env}"
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Only ECS acting for this account may assume them (confused deputy).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

################################################################################
# Execution role: pull the image, write logs. It reads no secret: the container
# gets none (the app reads the database password itself, so rotation needs no restart).
################################################################################

resource "aws_iam_role" "execution" {
  name                 = "${local.prefix}-execution"
  description          = "ECS task execution role of ${local.prefix}"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.permissions_boundary

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

################################################################################
# Task role: the evidence bucket's objects, the database password, the
# evidence key when there is one; nothing else.
################################################################################

resource "aws_iam_role" "task" {
  name                 = "${local.prefix}-task"
  description          = "ECS task role of ${local.prefix}: evidence bucket and database password"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.permissions_boundary

  tags = var.tags
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "EvidenceObjects"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${var.evidence_bucket_arn}/*"]
  }

  statement {
    sid       = "EvidenceBucketList"
    actions   = ["s3:ListBucket"]
    resources = [var.evidence_bucket_arn]
  }

  # The RDS-managed master secret (DATABASE_PASSWORD_SECRET_ARN): read at connect
  # time, so a rotated password is picked up without a new task.
  statement {
    sid       = "ReadTheDatabasePassword"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.database_password_secret_arn]
  }

  # SSE-KMS uploads need GenerateDataKey, downloads (and multipart completion) Decrypt.
  dynamic "statement" {
    for_each = var.evidence_kms_key_arn == null ? [] : [var.evidence_kms_key_arn]

    content {
      sid       = "EvidenceKey"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.db_connect_arn == null ? [] : [var.db_connect_arn]

    content {
      sid       = "DatabaseIamAuthentication"
      actions   = ["rds-db:connect"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "evidence-and-database"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}
