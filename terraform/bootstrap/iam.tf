################################################################################
# GitHub OIDC provider: one per account, owned here so that destroying an
# environment can never remove what the other environment's pipeline trusts.
################################################################################

locals {
  oidc_host = "token.actions.githubusercontent.com"
  oidc_arn  = var.create_github_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : data.aws_iam_openid_connect_provider.github[0].arn

  envs = toset(var.environments)

  # What each environment's stack is called: `${name}-${env}-<what>` everywhere.
  env_prefix = { for env in local.envs : env => "${var.name}-${env}" }

  # State of one environment: `<name>/<env>/terraform.tfstate`, its `.tflock`
  # beside it (use_lockfile), and workspaces under `<name>/<env>/workspaces/`
  # (workspace_key_prefix in envs/<env>.backend.hcl), so one prefix covers all.
  state_prefix = { for env in local.envs : env => "${var.name}/${env}" }
  state_key    = { for env in local.envs : env => "${var.name}/${env}/terraform.tfstate" }
  # Saved plans (deploy.yml's prod-plan job): they hold the OIDC client secret in
  # clear, so they live here, beside the state, and never in a GitHub artifact.
  plan_prefix = { for env in local.envs : env => "${var.name}/${env}/plans" }

  # The GitHub environments that may assume each role, and nothing else: a job
  # without an environment (or in another one) gets another `sub` and is refused.
  publish_subject = "repo:${var.github_repository}:environment:image"
  env_subject     = { for env in local.envs : env => "repo:${var.github_repository}:environment:${env}" }
  plan_subject    = "repo:${var.github_repository}:environment:prod-plan"

  create_prod_plan = contains(var.environments, "prod")

  # Roles and policies the bootstrap owns: no environment's Terraform role may touch them,
  # although `${name}-prod-plan` and `${name}-<env>-terraform` match `${name}-<env>-*`.
  bootstrap_role_arns = concat(
    ["arn:${local.partition}:iam::${local.account_id}:role/${var.name}-image-publish"],
    [for env in local.envs : "arn:${local.partition}:iam::${local.account_id}:role/${var.name}-${env}-terraform"],
    local.create_prod_plan ? ["arn:${local.partition}:iam::${local.account_id}:role/${var.name}-prod-plan"] : [],
  )
  boundary_arn = { for env in local.envs : env => "arn:${local.partition}:iam::${local.account_id}:policy/${var.name}-${env}-boundary" }

  # The env stack's buckets by their exact names (modules/s3, modules/logs). Not
  # `<name>-<env>-*`: in IAM that wildcard also matches every object ARN inside
  # (`*` spans `/`), so a bucket-level `s3:*` or `s3:Get*` would read the evidence.
  bucket_arns = { for env in local.envs : env => [
    "arn:${local.partition}:s3:::${local.env_prefix[env]}-evidence-${local.account_id}",
    "arn:${local.partition}:s3:::${local.env_prefix[env]}-logs-${local.account_id}",
  ] }

  arn_iam = "arn:${local.partition}:iam::${local.account_id}"
  # Secrets Manager's own endpoint: KMS calls it makes for a caller carry it as kms:ViaService.
  secretsmanager_endpoint = "secretsmanager.${var.region}.amazonaws.com"
  arn_regional = { for service in ["ecs", "rds", "logs", "sns", "events", "cloudwatch", "secretsmanager", "ssm", "kms"] :
  service => "arn:${local.partition}:${service}:${var.region}:${local.account_id}" }
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://${local.oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
  # AWS no longer checks these for GitHub's provider, but the API still wants a value.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 0 : 1

  url = "https://${local.oidc_host}"
}

################################################################################
# Image publish: environment `image` only; push to the one repository.
################################################################################

data "aws_iam_policy_document" "publish_trust" {
  statement {
    sid     = "GitHubEnvironmentImage"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [local.publish_subject]
    }
  }
}

resource "aws_iam_role" "publish" {
  name                 = "${var.name}-image-publish"
  description          = "GitHub Actions (${var.github_repository}, environment image): push the scanned image to ECR"
  assume_role_policy   = data.aws_iam_policy_document.publish_trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "publish" {
  # GetAuthorizationToken has no resource-level permission.
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "EcrPushToTheRepository"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [local.ecr_repository_arn]
  }
}

resource "aws_iam_role_policy" "publish" {
  name   = "ecr-push"
  role   = aws_iam_role.publish.id
  policy = data.aws_iam_policy_document.publish.json
}

################################################################################
# Permissions boundary per environment: the most any role of that environment's
# stack (execution, task, reconcile and probe events, bastion) can ever do, whatever
# policy its Terraform role writes.
################################################################################

data "aws_iam_policy_document" "boundary" {
  for_each = local.envs

  statement {
    sid       = "EcrPull"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "EcrPullTheRepository"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [local.ecr_repository_arn]
  }

  statement {
    sid     = "LogsOfTheEnvironment"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [
      "${local.arn_regional.logs}:log-group:/ecs/${local.env_prefix[each.key]}*",
      "${local.arn_regional.logs}:log-group:/ecs/${local.env_prefix[each.key]}*:log-stream:*",
    ]
  }

  statement {
    sid       = "BucketsOfTheEnvironment"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = local.bucket_arns[each.key]
  }

  statement {
    sid       = "ObjectsOfTheEnvironment"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [for arn in local.bucket_arns[each.key] : "${arn}/*"]
  }

  # RDS names its managed secret `rds!db-<uuid>`: the name cannot tell dev's from
  # prod's, so the task role's own policy names the one secret ARN.
  statement {
    sid     = "SecretsOfTheEnvironment"
    actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [
      "${local.arn_regional.secretsmanager}:secret:rds!db-*",
      "${local.arn_regional.secretsmanager}:secret:${var.name}/${each.key}/*",
    ]
  }

  # The RDS-managed secret is encrypted with the AWS managed key aws/secretsmanager;
  # Secrets Manager decrypts it with the reader's credentials, which the boundary
  # caps too. Only through Secrets Manager, and only that key (its alias).
  statement {
    sid       = "DecryptSecretsThroughSecretsManager"
    actions   = ["kms:Decrypt"]
    resources = ["${local.arn_regional.kms}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.secretsmanager_endpoint]
    }

    condition {
      test     = "ForAnyValue:StringEquals"
      variable = "kms:ResourceAliases"
      values   = ["alias/aws/secretsmanager"]
    }
  }

  statement {
    sid       = "DatabaseIamAuthentication"
    actions   = ["rds-db:connect"]
    resources = ["arn:${local.partition}:rds-db:${var.region}:${local.account_id}:dbuser:*/*"]
  }

  # The reconcile and probe schedules (EventBridge) run this environment's task definition.
  statement {
    sid       = "RunTheEnvironmentsTasks"
    actions   = ["ecs:RunTask"]
    resources = ["${local.arn_regional.ecs}:task-definition/${local.env_prefix[each.key]}*"]

    condition {
      test     = "ArnLike"
      variable = "ecs:cluster"
      values   = ["${local.arn_regional.ecs}:cluster/${local.env_prefix[each.key]}*"]
    }
  }

  statement {
    sid       = "PassTheEnvironmentsRolesToEcs"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn_iam}:role/${local.env_prefix[each.key]}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  # The bastion (AmazonSSMManagedInstanceCore): Session Manager only.
  statement {
    sid = "SessionManager"
    actions = [
      "ssm:UpdateInstanceInformation",
      "ssm:ListInstanceAssociations",
      "ssm:DescribeAssociation",
      "ssm:GetDocument",
      "ssm:UpdateInstanceAssociationStatus",
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
      "ec2messages:AcknowledgeMessage",
      "ec2messages:DeleteMessage",
      "ec2messages:FailMessage",
      "ec2messages:GetEndpoint",
      "ec2messages:GetMessages",
      "ec2messages:SendReply",
    ]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = contains(keys(var.kms_key_arns), each.key) ? [var.kms_key_arns[each.key]] : []

    content {
      sid       = "EvidenceKey"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_policy" "boundary" {
  for_each = local.envs

  name        = "${local.env_prefix[each.key]}-boundary"
  description = "Permissions boundary of every role the ${each.key} stack creates"
  policy      = data.aws_iam_policy_document.boundary[each.key].json
}

################################################################################
# Terraform role per environment: environment `<env>` only; applies that
# environment's stack and nothing else.
################################################################################

data "aws_iam_policy_document" "terraform_trust" {
  for_each = local.envs

  statement {
    sid     = "GitHubEnvironment"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [local.env_subject[each.key]]
    }
  }
}

resource "aws_iam_role" "terraform" {
  for_each = local.envs

  name                 = "${local.env_prefix[each.key]}-terraform"
  description          = "GitHub Actions (${var.github_repository}, environment ${each.key}): terraform apply of the ${each.key} stack"
  assume_role_policy   = data.aws_iam_policy_document.terraform_trust[each.key].json
  max_session_duration = var.max_session_duration
}

data "aws_iam_policy_document" "terraform" {
  for_each = local.envs

  ##############################################################################
  # State: this environment's prefix only (state, .tflock, workspaces).

  statement {
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.state_prefix[each.key]}/*"]
    }
  }

  statement {
    sid       = "StateObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_bucket_arn}/${local.state_prefix[each.key]}/*"]
  }

  # The apply job fetches the exact version of the saved plan the approver saw,
  # then deletes that version: the secret in it does not linger in the versioned bucket.
  statement {
    sid       = "SavedPlanVersions"
    actions   = ["s3:GetObjectVersion", "s3:DeleteObjectVersion"]
    resources = ["${local.state_bucket_arn}/${local.plan_prefix[each.key]}/*"]
  }

  ##############################################################################
  # Services without useful resource-level scoping on create (a VPC, subnet,
  # ALB, target group with name_prefix or web ACL has no name yet): whole
  # service, this region only. Separate accounts per environment are what
  # isolates dev from prod here; see README.

  statement {
    sid = "NetworkEdgeAndScaling"
    actions = [
      "ec2:*",
      "elasticloadbalancing:*",
      "wafv2:*",
      "application-autoscaling:*",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }

  # Calls that take no resource ARN (Describe*/List*, task definition registration).
  statement {
    sid = "NoResourceLevelPermissions"
    actions = [
      "ecs:Describe*",
      "ecs:List*",
      "ecs:RegisterTaskDefinition",
      "ecs:DeregisterTaskDefinition",
      "rds:Describe*",
      "logs:Describe*",
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "cloudwatch:Describe*",
      "cloudwatch:ListTagsForResource",
      "sns:ListTopics",
      "events:Describe*",
      "events:List*",
      "s3:ListAllMyBuckets",
      "secretsmanager:ListSecrets",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }

  # Log deliveries (WAF to CloudWatch Logs, flow logs to S3) and the account's
  # log resource policies (aws_cloudwatch_log_resource_policy for WAF) have no
  # resource ARN AWS could check: the APIs require "*".
  statement {
    sid = "LogDeliveries"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DeleteResourcePolicy",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }

  # Interface endpoints with private DNS (enable_interface_endpoints): EC2 associates
  # the VPC with an AWS-owned private hosted zone in the caller's name. The
  # condition holds the association to VPCs of this region.
  statement {
    sid       = "PrivateDnsOfInterfaceEndpoints"
    actions   = ["route53:AssociateVPCWithHostedZone", "route53:DisassociateVPCFromHostedZone"]
    resources = ["arn:${local.partition}:route53:::hostedzone/*"]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "route53:VPCs"
      values   = ["VPCId=*,VPCRegion=${var.region}"]
    }
  }

  ##############################################################################
  # Services whose resources carry the environment's name.

  statement {
    sid     = "EcsOfTheEnvironment"
    actions = ["ecs:*"]
    resources = [
      "${local.arn_regional.ecs}:cluster/${local.env_prefix[each.key]}*",
      "${local.arn_regional.ecs}:service/${local.env_prefix[each.key]}*",
      "${local.arn_regional.ecs}:task-definition/${local.env_prefix[each.key]}*",
      "${local.arn_regional.ecs}:capacity-provider/${local.env_prefix[each.key]}*",
      "${local.arn_regional.ecs}:task/${local.env_prefix[each.key]}*",
    ]
  }

  statement {
    sid     = "DatabaseOfTheEnvironment"
    actions = ["rds:*"]
    resources = [
      "${local.arn_regional.rds}:db:${local.env_prefix[each.key]}*",
      "${local.arn_regional.rds}:subgrp:${local.env_prefix[each.key]}*",
      "${local.arn_regional.rds}:pg:${local.env_prefix[each.key]}*",
      "${local.arn_regional.rds}:snapshot:${local.env_prefix[each.key]}*",
      "${local.arn_regional.rds}:og:default:*",
    ]
  }

  # manage_master_user_password: RDS creates and rotates the `rds!db-…` secret in the caller's name.
  statement {
    sid = "DatabaseManagedSecret"
    actions = [
      "secretsmanager:CreateSecret",
      "secretsmanager:TagResource",
      "secretsmanager:RotateSecret",
      "secretsmanager:DescribeSecret",
      "secretsmanager:DeleteSecret",
    ]
    resources = ["${local.arn_regional.secretsmanager}:secret:rds!db-*"]
  }

  # That secret is encrypted with aws/secretsmanager (master_user_secret_kms_key_id
  # null): the key is used through Secrets Manager only, in the caller's name.
  statement {
    sid       = "DatabaseManagedSecretKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = ["${local.arn_regional.kms}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.secretsmanager_endpoint]
    }

    condition {
      test     = "ForAnyValue:StringEquals"
      variable = "kms:ResourceAliases"
      values   = ["alias/aws/secretsmanager"]
    }
  }

  # Every plan reads the OIDC client secret for the listener (modules/alb); the
  # convention is a secret or parameter under `<name>/<env>/`.
  statement {
    sid       = "ReadTheOidcClientSecret"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["${local.arn_regional.secretsmanager}:secret:${var.name}/${each.key}/*"]
  }

  statement {
    sid     = "ReadParameters"
    actions = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = [
      "${local.arn_regional.ssm}:parameter/${var.name}/${each.key}/*",
      # The bastion's AMI id (public parameter).
      "arn:${local.partition}:ssm:${var.region}::parameter/aws/service/*",
    ]
  }

  statement {
    sid     = "LogGroupsOfTheEnvironment"
    actions = ["logs:*"]
    resources = [
      "${local.arn_regional.logs}:log-group:/ecs/${local.env_prefix[each.key]}*",
      "${local.arn_regional.logs}:log-group:aws-waf-logs-${local.env_prefix[each.key]}*",
    ]
  }

  # Target tracking policies (modules/ecs) make Application Auto Scaling create
  # and delete their alarms `TargetTracking-service/<cluster>/<service>-Alarm…`
  # with the caller's permissions.
  statement {
    sid     = "AlarmsOfTheEnvironment"
    actions = ["cloudwatch:*"]
    resources = [
      "${local.arn_regional.cloudwatch}:alarm:${local.env_prefix[each.key]}-*",
      "${local.arn_regional.cloudwatch}:alarm:TargetTracking-service/${local.env_prefix[each.key]}/*",
    ]
  }

  statement {
    sid       = "TopicsOfTheEnvironment"
    actions   = ["sns:*"]
    resources = ["${local.arn_regional.sns}:${local.env_prefix[each.key]}-*"]
  }

  statement {
    sid       = "RulesOfTheEnvironment"
    actions   = ["events:*"]
    resources = ["${local.arn_regional.events}:rule/${local.env_prefix[each.key]}-*"]
  }

  # Bucket configuration of the evidence and log buckets (exact bucket ARNs, so
  # `s3:*` reaches no object), never their objects' contents: only the deletes
  # that force_destroy (dev teardown) needs, and the listing it starts with.
  statement {
    sid       = "BucketsOfTheEnvironment"
    actions   = ["s3:*"]
    resources = local.bucket_arns[each.key]
  }

  statement {
    sid       = "EmptyTheBucketsOfTheEnvironment"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = [for arn in local.bucket_arns[each.key] : "${arn}/*"]
  }

  ##############################################################################
  # IAM: roles `${name}-${env}-*` only, and only with the environment's boundary.

  statement {
    sid = "RolesOnlyWithTheBoundary"
    actions = [
      "iam:CreateRole",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
      "iam:DeleteRolePolicy",
      "iam:AttachRolePolicy",
      "iam:DetachRolePolicy",
    ]
    resources = ["${local.arn_iam}:role/${local.env_prefix[each.key]}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arn[each.key]]
    }
  }

  statement {
    sid = "RolesOfTheEnvironment"
    actions = [
      "iam:DeleteRole",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:ListRoleTags",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = ["${local.arn_iam}:role/${local.env_prefix[each.key]}-*"]
  }

  statement {
    sid = "InstanceProfilesOfTheEnvironment"
    actions = [
      "iam:AddRoleToInstanceProfile",
      "iam:CreateInstanceProfile",
      "iam:DeleteInstanceProfile",
      "iam:GetInstanceProfile",
      "iam:ListInstanceProfileTags",
      "iam:RemoveRoleFromInstanceProfile",
      "iam:TagInstanceProfile",
      "iam:UntagInstanceProfile",
    ]
    resources = ["${local.arn_iam}:instance-profile/${local.env_prefix[each.key]}-*"]
  }

  statement {
    sid = "PoliciesOfTheEnvironment"
    actions = [
      "iam:CreatePolicy",
      "iam:CreatePolicyVersion",
      "iam:DeletePolicy",
      "iam:DeletePolicyVersion",
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
      "iam:ListPolicyVersions",
      "iam:TagPolicy",
      "iam:UntagPolicy",
    ]
    resources = ["${local.arn_iam}:policy/${local.env_prefix[each.key]}-*"]
  }

  statement {
    sid       = "ReadAwsManagedPolicies"
    actions   = ["iam:GetPolicy", "iam:GetPolicyVersion"]
    resources = ["arn:${local.partition}:iam::aws:policy/*"]
  }

  # ECS tasks and the reconcile and probe schedules take the environment's roles; the
  # bastion's instance profile passes its role to EC2.
  statement {
    sid       = "PassTheEnvironmentsRoles"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn_iam}:role/${local.env_prefix[each.key]}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com", "events.amazonaws.com", "ec2.amazonaws.com"]
    }
  }

  # First use of ECS, ELB, RDS and autoscaling in an account creates their service-linked roles.
  statement {
    sid       = "ServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["${local.arn_iam}:role/aws-service-role/*"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values = [
        "ecs.amazonaws.com",
        "elasticloadbalancing.amazonaws.com",
        "rds.amazonaws.com",
        "ecs.application-autoscaling.amazonaws.com",
      ]
    }
  }

  # The boundary itself and the bootstrap's roles match `${name}-${env}-*`
  # (e.g. `${name}-prod-plan`, this role): an explicit deny keeps them out of reach.
  statement {
    sid    = "DenyTheBootstrapsOwnIdentity"
    effect = "Deny"
    actions = [
      "iam:AttachRolePolicy",
      "iam:CreatePolicyVersion",
      "iam:DeletePolicy",
      "iam:DeletePolicyVersion",
      "iam:DeleteRole",
      "iam:DeleteRolePermissionsBoundary",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
      "iam:SetDefaultPolicyVersion",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
    ]
    resources = concat(local.bootstrap_role_arns, [for env in local.envs : local.boundary_arn[env]])
  }

  # Removing the boundary would lift every limit above.
  statement {
    sid       = "DenyRemovingTheBoundary"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary"]
    resources = ["${local.arn_iam}:role/*"]
  }

  dynamic "statement" {
    for_each = contains(keys(var.kms_key_arns), each.key) ? [var.kms_key_arns[each.key]] : []

    content {
      sid       = "EvidenceKey"
      actions   = ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "terraform" {
  for_each = local.envs

  name   = "terraform-${each.key}"
  role   = aws_iam_role.terraform[each.key].id
  policy = data.aws_iam_policy_document.terraform[each.key].json
}

################################################################################
# Prod plan: environment `prod-plan` only; reads what the prod plan reads, locks
# the prod state while planning, stores the saved plan under `<name>/prod/plans/`
# for the approved apply, changes nothing.
################################################################################

data "aws_iam_policy_document" "plan_trust" {
  count = local.create_prod_plan ? 1 : 0

  statement {
    sid     = "GitHubEnvironmentProdPlan"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [local.plan_subject]
    }
  }
}

resource "aws_iam_role" "plan" {
  count = local.create_prod_plan ? 1 : 0

  name                 = "${var.name}-prod-plan"
  description          = "GitHub Actions (${var.github_repository}, environment prod-plan): read-only terraform plan of prod"
  assume_role_policy   = data.aws_iam_policy_document.plan_trust[0].json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "plan" {
  count = local.create_prod_plan ? 1 : 0

  statement {
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.state_prefix.prod}/*"]
    }
  }

  statement {
    sid       = "StateRead"
    actions   = ["s3:GetObject"]
    resources = ["${local.state_bucket_arn}/${local.state_prefix.prod}/*"]
  }

  # A plan holds the lock while it runs; it never writes the state itself.
  statement {
    sid       = "StateLock"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_bucket_arn}/${local.state_key.prod}.tflock"]
  }

  # The saved plan holds the OIDC client secret in clear: it goes to the state
  # bucket (what only the prod roles read), never to a GitHub artifact. Write
  # only, and only there: the plan role can neither overwrite the state nor read plans back.
  statement {
    sid       = "SavedPlanUpload"
    actions   = ["s3:PutObject"]
    resources = ["${local.state_bucket_arn}/${local.plan_prefix.prod}/*"]
  }

  statement {
    sid = "ReadOnly"
    actions = [
      "ec2:Describe*",
      "elasticloadbalancing:Describe*",
      "wafv2:Get*",
      "wafv2:List*",
      "application-autoscaling:Describe*",
      "ecs:Describe*",
      "ecs:List*",
      "rds:Describe*",
      "rds:ListTagsForResource",
      "logs:Describe*",
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "logs:GetLogDelivery",
      "logs:ListLogDeliveries",
      "cloudwatch:Describe*",
      "cloudwatch:ListTagsForResource",
      "sns:GetTopicAttributes",
      "sns:GetSubscriptionAttributes",
      "sns:ListSubscriptionsByTopic",
      "sns:ListTagsForResource",
      "events:Describe*",
      "events:List*",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }

  # Bucket configuration: Get* on the exact bucket ARNs reaches no object.
  statement {
    sid       = "BucketConfiguration"
    actions   = ["s3:Get*", "s3:ListBucket"]
    resources = local.bucket_arns.prod
  }

  statement {
    sid = "ReadIam"
    actions = [
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListRolePolicies",
      "iam:ListRoleTags",
      "iam:GetInstanceProfile",
      "iam:ListInstanceProfileTags",
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
    ]
    resources = [
      "${local.arn_iam}:role/${local.env_prefix.prod}-*",
      "${local.arn_iam}:instance-profile/${local.env_prefix.prod}-*",
      "${local.arn_iam}:policy/${local.env_prefix.prod}-*",
      "arn:${local.partition}:iam::aws:policy/*",
    ]
  }

  # Of all secrets, only the OIDC client secret (the listener needs its value);
  # never the database's.
  statement {
    sid       = "ReadTheOidcClientSecret"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["${local.arn_regional.secretsmanager}:secret:${var.name}/prod/*"]
  }

  statement {
    sid     = "ReadParameters"
    actions = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = [
      "${local.arn_regional.ssm}:parameter/${var.name}/prod/*",
      "arn:${local.partition}:ssm:${var.region}::parameter/aws/service/*",
    ]
  }

  dynamic "statement" {
    for_each = contains(keys(var.kms_key_arns), "prod") ? [var.kms_key_arns.prod] : []

    content {
      sid       = "DescribeTheEvidenceKey"
      actions   = ["kms:DescribeKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "plan" {
  count = local.create_prod_plan ? 1 : 0

  name   = "terraform-plan-prod"
  role   = aws_iam_role.plan[0].id
  policy = data.aws_iam_policy_document.plan[0].json
}
