# Roles of the dev tasks, planned offline against the mocked AWS provider:
#   terraform test -test-directory=tests/dev -var-file=envs/dev.tfvars -var docker_image=<repo>:sha-<40 hex>
# The root run proves the wiring (both roles carry the env's boundary); the
# module runs (modules/iam, fed the same tfvars) prove the task role's statements,
# which a root run cannot reach. The CI roles are terraform/bootstrap's (tests/roles.tftest.hcl there).

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  # What the root passes to modules/iam (the mocked RDS-managed secret, the env's evidence bucket).
  identity_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-00000000-0000-0000-0000-000000000000-AbCdEf"
  identity_bucket_arn = "arn:aws:s3:::action-tracker-dev-evidence-123456789012"
  identity_key_arn    = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
}

run "dev_roles_carry_the_boundary" {
  command = plan

  assert {
    condition     = var.env == "dev"
    error_message = "These tests expect envs/dev.tfvars (env = \"dev\")."
  }

  assert {
    condition     = var.permissions_boundary_arn == "arn:aws:iam::123456789012:policy/action-tracker-dev-boundary"
    error_message = "dev.tfvars must set the bootstrap's dev boundary (action-tracker-dev-boundary)."
  }

  assert {
    condition     = module.iam.permissions_boundaries == { execution = var.permissions_boundary_arn, task = var.permissions_boundary_arn }
    error_message = "Both task roles must carry permissions_boundary_arn (got ${jsonencode(module.iam.permissions_boundaries)})."
  }
}

run "dev_task_role" {
  command = plan

  module {
    source = "./modules/iam"
  }

  variables {
    evidence_bucket_arn          = var.identity_bucket_arn
    database_password_secret_arn = var.identity_secret_arn
    evidence_kms_key_arn         = null
    permissions_boundary         = var.permissions_boundary_arn
  }

  assert {
    condition     = aws_iam_role.task.name == "action-tracker-dev-task" && aws_iam_role.execution.name == "action-tracker-dev-execution"
    error_message = "The roles are action-tracker-dev-task and action-tracker-dev-execution (the bootstrap scopes by that prefix)."
  }

  assert {
    condition     = aws_iam_role.task.permissions_boundary == var.permissions_boundary_arn && aws_iam_role.execution.permissions_boundary == var.permissions_boundary_arn
    error_message = "Both roles must carry the permissions boundary."
  }

  # Exactly: evidence objects, list of the bucket, the one database secret.
  assert {
    condition = (
      length(data.aws_iam_policy_document.task.statement) == 3 &&
      length([for s in data.aws_iam_policy_document.task.statement : s if s.actions == toset(["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]) && s.resources == toset(["${var.identity_bucket_arn}/*"])]) == 1 &&
      length([for s in data.aws_iam_policy_document.task.statement : s if s.actions == toset(["s3:ListBucket"]) && s.resources == toset([var.identity_bucket_arn])]) == 1 &&
      length([for s in data.aws_iam_policy_document.task.statement : s if s.actions == toset(["secretsmanager:GetSecretValue"]) && s.resources == toset([var.identity_secret_arn])]) == 1
    )
    error_message = "The task role may use the evidence objects, list the bucket and read the one RDS-managed secret, nothing else (no KMS without a key)."
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.task.statement : (s.effect == null || s.effect == "Allow") && !contains(s.resources, "*") && alltrue([for a in s.actions : !strcontains(a, "*")])])
    error_message = "No task role statement may use a wildcard action or resource \"*\"."
  }

  # The execution role pulls and logs (the AWS managed policy) and reads no secret.
  assert {
    condition     = aws_iam_role_policy_attachment.execution.policy_arn == "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    error_message = "The execution role has AmazonECSTaskExecutionRolePolicy and nothing else."
  }

  # ecs-tasks may assume them, only for this account (confused deputy).
  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.ecs_tasks_assume.statement :
      [for p in s.principals : p.identifiers] == [toset(["ecs-tasks.amazonaws.com"])] &&
      flatten([for c in s.condition : c.values if c.variable == "aws:SourceAccount" && c.test == "StringEquals"]) == ["123456789012"]
    ])
    error_message = "The task roles trust ecs-tasks.amazonaws.com with aws:SourceAccount = the account."
  }
}

run "dev_task_role_with_a_kms_key" {
  command = plan

  module {
    source = "./modules/iam"
  }

  variables {
    evidence_bucket_arn          = var.identity_bucket_arn
    database_password_secret_arn = var.identity_secret_arn
    evidence_kms_key_arn         = var.identity_key_arn
    permissions_boundary         = var.permissions_boundary_arn
  }

  assert {
    condition = (
      length(data.aws_iam_policy_document.task.statement) == 4 &&
      length([for s in data.aws_iam_policy_document.task.statement : s if s.actions == toset(["kms:GenerateDataKey", "kms:Decrypt"]) && s.resources == toset([var.identity_key_arn])]) == 1
    )
    error_message = "With evidence_kms_key_arn set, the task role must get kms:GenerateDataKey and kms:Decrypt on that key (SSE-KMS uploads and downloads)."
  }
}

run "dev_root_passes_the_key_to_the_roles" {
  command = plan

  variables {
    evidence_kms_key_arn = var.identity_key_arn
  }

  assert {
    condition     = module.iam.task_role_kms_key_arn == var.identity_key_arn && module.s3.kms_key_arn == var.identity_key_arn
    error_message = "The root must pass evidence_kms_key_arn to the task role's grant and to the bucket's encryption alike."
  }
}
