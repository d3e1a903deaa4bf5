# Plan-time checks of the CI roles (no AWS): `terraform test` in terraform/bootstrap.
# The mock provider answers the data sources; the policies are asserted on the
# statements their documents are built from (a mocked document's `json` is noise).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{}"
    }
  }
}

variables {
  github_repository = "example-org/action-tracker"

  # What the env stack (terraform/main.tf, modules/*) creates and reads, call by
  # call, as [action, resource]: ENV is the environment, OTHER the other one. A new
  # resource type in the stack belongs in these lists (run "covers_the_env_stack"
  # matches them against the Allow statements: an action glob and a resource glob
  # must both match, IAM's `*` spanning `/`; conditions are IAM's to evaluate).
  terraform_role_needs = [
    # network, edge, bastion instance (ec2, region-pinned)
    ["ec2:CreateVpc", "*"], ["ec2:DescribeAvailabilityZones", "*"], ["ec2:CreateFlowLogs", "*"],
    ["ec2:CreateVpcEndpoint", "*"], ["ec2:AuthorizeSecurityGroupIngress", "*"], ["ec2:RunInstances", "*"],
    ["route53:AssociateVPCWithHostedZone", "arn:aws:route53:::hostedzone/Z0123456789"],
    ["elasticloadbalancing:CreateLoadBalancer", "*"], ["elasticloadbalancing:CreateRule", "*"],
    ["wafv2:CreateWebACL", "*"], ["wafv2:AssociateWebACL", "*"], ["wafv2:PutLoggingConfiguration", "*"],
    ["application-autoscaling:RegisterScalableTarget", "*"], ["application-autoscaling:PutScalingPolicy", "*"],
    # log groups, WAF's log resource policy, log deliveries (flow logs, WAF)
    ["logs:CreateLogGroup", "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/action-tracker-ENV"],
    ["logs:PutRetentionPolicy", "arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-action-tracker-ENV"],
    ["logs:PutResourcePolicy", "*"], ["logs:DescribeResourcePolicies", "*"], ["logs:DeleteResourcePolicy", "*"],
    ["logs:CreateLogDelivery", "*"], ["logs:DeleteLogDelivery", "*"], ["logs:DescribeLogGroups", "*"],
    # ECS: cluster, capacity providers, task definition, service, reconcile task definition
    ["ecs:CreateCluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/action-tracker-ENV"],
    ["ecs:PutClusterCapacityProviders", "arn:aws:ecs:eu-west-1:123456789012:cluster/action-tracker-ENV"],
    ["ecs:RegisterTaskDefinition", "*"],
    ["ecs:TagResource", "arn:aws:ecs:eu-west-1:123456789012:task-definition/action-tracker-ENV:3"],
    ["ecs:CreateService", "arn:aws:ecs:eu-west-1:123456789012:service/action-tracker-ENV/action-tracker-ENV"],
    # RDS: instance, subnet group, parameter group (name_prefix), final snapshot, default option group
    ["rds:CreateDBInstance", "arn:aws:rds:eu-west-1:123456789012:db:action-tracker-ENV"],
    ["rds:CreateDBSubnetGroup", "arn:aws:rds:eu-west-1:123456789012:subgrp:action-tracker-ENV"],
    ["rds:CreateDBParameterGroup", "arn:aws:rds:eu-west-1:123456789012:pg:action-tracker-ENV-pg16-20250101"],
    ["rds:CreateDBSnapshot", "arn:aws:rds:eu-west-1:123456789012:snapshot:action-tracker-ENV-final"],
    ["rds:CreateDBInstance", "arn:aws:rds:eu-west-1:123456789012:og:default:postgres-16"],
    # the RDS-managed master secret (manage_master_user_password)
    ["secretsmanager:CreateSecret", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"],
    ["secretsmanager:TagResource", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"],
    ["secretsmanager:RotateSecret", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"],
    ["secretsmanager:DeleteSecret", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"],
    ["kms:GenerateDataKey", "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-0000-0000-000000000000"],
    # the OIDC client secret (data source), the bastion's public AMI parameter
    ["secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:action-tracker/ENV/oidc-client-secret-AbCdEf"],
    ["ssm:GetParameter", "arn:aws:ssm:eu-west-1::parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"],
    # alarms (own and target tracking), alarm topic, policy, subscriptions
    ["cloudwatch:PutMetricAlarm", "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:action-tracker-ENV-alb-target-5xx"],
    ["cloudwatch:PutMetricAlarm", "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:TargetTracking-service/action-tracker-ENV/action-tracker-ENV-AlarmHigh-1"],
    ["sns:CreateTopic", "arn:aws:sns:eu-west-1:123456789012:action-tracker-ENV-alarms"],
    ["sns:SetTopicAttributes", "arn:aws:sns:eu-west-1:123456789012:action-tracker-ENV-alarms"],
    ["sns:Subscribe", "arn:aws:sns:eu-west-1:123456789012:action-tracker-ENV-alarms"],
    ["sns:Unsubscribe", "arn:aws:sns:eu-west-1:123456789012:action-tracker-ENV-alarms:0a1b2c3d"],
    # the reconcile and probe schedules
    ["events:PutRule", "arn:aws:events:eu-west-1:123456789012:rule/action-tracker-ENV-evidence-reconcile"],
    ["events:PutTargets", "arn:aws:events:eu-west-1:123456789012:rule/action-tracker-ENV-evidence-reconcile"],
    ["events:PutRule", "arn:aws:events:eu-west-1:123456789012:rule/action-tracker-ENV-probe-round"],
    ["events:PutTargets", "arn:aws:events:eu-west-1:123456789012:rule/action-tracker-ENV-probe-round"],
    # evidence and log buckets: every sub-resource the modules configure
    ["s3:CreateBucket", "arn:aws:s3:::action-tracker-ENV-logs-123456789012"],
    ["s3:PutBucketLogging", "arn:aws:s3:::action-tracker-ENV-evidence-123456789012"],
    ["s3:PutBucketCORS", "arn:aws:s3:::action-tracker-ENV-evidence-123456789012"],
    ["s3:PutLifecycleConfiguration", "arn:aws:s3:::action-tracker-ENV-logs-123456789012"],
    ["s3:PutBucketPolicy", "arn:aws:s3:::action-tracker-ENV-logs-123456789012"],
    ["s3:PutEncryptionConfiguration", "arn:aws:s3:::action-tracker-ENV-evidence-123456789012"],
    ["s3:PutBucketVersioning", "arn:aws:s3:::action-tracker-ENV-evidence-123456789012"],
    ["s3:PutBucketOwnershipControls", "arn:aws:s3:::action-tracker-ENV-logs-123456789012"],
    ["s3:PutBucketPublicAccessBlock", "arn:aws:s3:::action-tracker-ENV-logs-123456789012"],
    ["s3:DeleteObjectVersion", "arn:aws:s3:::action-tracker-ENV-logs-123456789012/alb/AWSLogs/x.gz"],
    # roles of the stack (execution, task, reconcile and probe events, bastion) and the bastion's instance profile
    ["iam:CreateRole", "arn:aws:iam::123456789012:role/action-tracker-ENV-reconcile-events"],
    ["iam:CreateRole", "arn:aws:iam::123456789012:role/action-tracker-ENV-probe-events"],
    ["iam:AttachRolePolicy", "arn:aws:iam::123456789012:role/action-tracker-ENV-execution"],
    ["iam:PutRolePolicy", "arn:aws:iam::123456789012:role/action-tracker-ENV-task"],
    ["iam:PassRole", "arn:aws:iam::123456789012:role/action-tracker-ENV-bastion"],
    ["iam:CreateInstanceProfile", "arn:aws:iam::123456789012:instance-profile/action-tracker-ENV-bastion"],
    ["iam:AddRoleToInstanceProfile", "arn:aws:iam::123456789012:instance-profile/action-tracker-ENV-bastion"],
    ["iam:GetPolicy", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"],
    ["iam:CreateServiceLinkedRole", "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"],
  ]
  # Nothing of the other environment, no object contents, not the database password's value.
  terraform_role_never = [
    ["secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"],
    ["secretsmanager:CreateSecret", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-AbCdEf"],
    ["secretsmanager:DeleteSecret", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:action-tracker/ENV/oidc-client-secret-AbCdEf"],
    ["secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:action-tracker/OTHER/oidc-client-secret-AbCdEf"],
    ["s3:PutBucketPolicy", "arn:aws:s3:::action-tracker-OTHER-logs-123456789012"],
    ["s3:GetObject", "arn:aws:s3:::action-tracker-ENV-evidence-123456789012/evidence/1"],
    ["s3:GetObject", "arn:aws:s3:::action-tracker-tfstate-123456789012/action-tracker/OTHER/terraform.tfstate"],
    ["ecs:UpdateService", "arn:aws:ecs:eu-west-1:123456789012:service/action-tracker-OTHER/action-tracker-OTHER"],
    ["iam:CreateInstanceProfile", "arn:aws:iam::123456789012:instance-profile/someone-else"],
    ["iam:CreateRole", "arn:aws:iam::123456789012:role/someone-else"],
  ]
  # The runtime roles: execution (ECR pull, logs), task (evidence and log buckets, the RDS
  # secret through aws/secretsmanager), reconcile and probe events (RunTask, PassRole to ECS tasks), bastion (SSM).
  boundary_allows = [
    ["ecr:GetAuthorizationToken", "*"],
    ["ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:123456789012:repository/action-tracker"],
    ["logs:PutLogEvents", "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/action-tracker-ENV:log-stream:app/app/1"],
    ["s3:PutObject", "arn:aws:s3:::action-tracker-ENV-evidence-123456789012/evidence/1"],
    ["s3:ListBucket", "arn:aws:s3:::action-tracker-ENV-logs-123456789012"],
    ["secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"],
    ["kms:Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-0000-0000-000000000000"],
    ["ecs:RunTask", "arn:aws:ecs:eu-west-1:123456789012:task-definition/action-tracker-ENV:7"],
    ["iam:PassRole", "arn:aws:iam::123456789012:role/action-tracker-ENV-task"],
    ["ssmmessages:OpenDataChannel", "*"], ["ssm:UpdateInstanceInformation", "*"],
  ]
  boundary_never = [
    ["s3:GetObject", "arn:aws:s3:::action-tracker-OTHER-evidence-123456789012/evidence/1"],
    ["ecs:RunTask", "arn:aws:ecs:eu-west-1:123456789012:task-definition/action-tracker-OTHER:7"],
    ["iam:PassRole", "arn:aws:iam::123456789012:role/action-tracker-OTHER-task"],
    ["secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-AbCdEf"],
    ["iam:CreateRole", "arn:aws:iam::123456789012:role/action-tracker-ENV-x"],
  ]
  # The prod plan reads every service of the stack and stores the saved plan.
  plan_role_needs = [
    ["ec2:DescribeFlowLogs", "*"], ["ec2:DescribeVpcEndpoints", "*"], ["ec2:DescribeInstances", "*"],
    ["elasticloadbalancing:DescribeListeners", "*"], ["wafv2:GetLoggingConfiguration", "*"], ["wafv2:GetWebACLForResource", "*"],
    ["application-autoscaling:DescribeScalingPolicies", "*"], ["ecs:DescribeServices", "*"], ["ecs:DescribeCapacityProviders", "*"],
    ["rds:DescribeDBParameters", "*"], ["logs:DescribeResourcePolicies", "*"], ["logs:GetLogDelivery", "*"],
    ["cloudwatch:DescribeAlarms", "*"], ["sns:GetSubscriptionAttributes", "*"], ["events:ListTargetsByRule", "*"],
    ["s3:GetBucketLogging", "arn:aws:s3:::action-tracker-prod-evidence-123456789012"],
    ["s3:GetBucketCORS", "arn:aws:s3:::action-tracker-prod-evidence-123456789012"],
    ["s3:GetLifecycleConfiguration", "arn:aws:s3:::action-tracker-prod-logs-123456789012"],
    ["iam:GetInstanceProfile", "arn:aws:iam::123456789012:instance-profile/action-tracker-prod-bastion"],
    ["iam:GetRolePolicy", "arn:aws:iam::123456789012:role/action-tracker-prod-reconcile-events"],
    ["iam:GetRolePolicy", "arn:aws:iam::123456789012:role/action-tracker-prod-probe-events"],
    ["secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:action-tracker/prod/oidc-client-secret-AbCdEf"],
    ["ssm:GetParameter", "arn:aws:ssm:eu-west-1::parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"],
    ["s3:PutObject", "arn:aws:s3:::action-tracker-tfstate-123456789012/action-tracker/prod/plans/42-1.tfplan"],
  ]
  plan_role_never = [
    ["ec2:CreateVpc", "*"], ["rds:ModifyDBInstance", "*"], ["logs:PutResourcePolicy", "*"],
    ["secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"],
    ["s3:PutObject", "arn:aws:s3:::action-tracker-tfstate-123456789012/action-tracker/prod/terraform.tfstate"],
    ["s3:GetObject", "arn:aws:s3:::action-tracker-prod-evidence-123456789012/evidence/1"],
  ]
}

run "roles_and_trust" {
  command = plan

  # Each role trusts exactly one GitHub environment of this repository (never a branch),
  # for the STS audience.
  assert {
    condition = alltrue([for env in ["dev", "prod"] : alltrue([
      for statement in data.aws_iam_policy_document.terraform_trust[env].statement : (
        statement.actions == toset(["sts:AssumeRoleWithWebIdentity"]) &&
        flatten([for c in statement.condition : c.values if c.variable == "token.actions.githubusercontent.com:sub"]) == ["repo:example-org/action-tracker:environment:${env}"] &&
        [for c in statement.condition : c.test if c.variable == "token.actions.githubusercontent.com:sub"] == ["StringEquals"] &&
        flatten([for c in statement.condition : c.values if c.variable == "token.actions.githubusercontent.com:aud"]) == ["sts.amazonaws.com"]
      )
    ]) && length(data.aws_iam_policy_document.terraform_trust[env].statement) == 1])
    error_message = "Each <env>-terraform role must trust only sub repo:<repo>:environment:<env> (StringEquals) with aud sts.amazonaws.com."
  }

  assert {
    condition = alltrue([
      for statement in data.aws_iam_policy_document.publish_trust.statement :
      flatten([for c in statement.condition : c.values if c.variable == "token.actions.githubusercontent.com:sub"]) == ["repo:example-org/action-tracker:environment:image"] &&
      flatten([for c in statement.condition : c.values if c.variable == "token.actions.githubusercontent.com:aud"]) == ["sts.amazonaws.com"]
    ]) && length(data.aws_iam_policy_document.publish_trust.statement) == 1
    error_message = "The image-publish role must trust only environment:image."
  }

  assert {
    condition = alltrue([
      for statement in data.aws_iam_policy_document.plan_trust[0].statement :
      flatten([for c in statement.condition : c.values if c.variable == "token.actions.githubusercontent.com:sub"]) == ["repo:example-org/action-tracker:environment:prod-plan"] &&
      flatten([for c in statement.condition : c.values if c.variable == "token.actions.githubusercontent.com:aud"]) == ["sts.amazonaws.com"]
    ]) && length(data.aws_iam_policy_document.plan_trust[0].statement) == 1
    error_message = "The prod-plan role must trust only environment:prod-plan."
  }

  # No trust anywhere names a branch (the old `ref:refs/heads/main` let any job on main in).
  assert {
    condition = alltrue([
      for doc in concat(values(data.aws_iam_policy_document.terraform_trust), [data.aws_iam_policy_document.publish_trust], data.aws_iam_policy_document.plan_trust) :
      alltrue([for statement in doc.statement : alltrue([for c in statement.condition : alltrue([for v in c.values : !strcontains(v, ":ref:") && !strcontains(v, "*")])])])
    ])
    error_message = "No trust policy may name a ref or a wildcard subject."
  }

  assert {
    condition = (
      aws_iam_role.terraform["dev"].name == "action-tracker-dev-terraform" &&
      aws_iam_role.terraform["prod"].name == "action-tracker-prod-terraform" &&
      aws_iam_role.publish.name == "action-tracker-image-publish" &&
      aws_iam_role.plan[0].name == "action-tracker-prod-plan" &&
      aws_iam_policy.boundary["dev"].name == "action-tracker-dev-boundary" &&
      aws_iam_policy.boundary["prod"].name == "action-tracker-prod-boundary"
    )
    error_message = "Role and boundary names are action-tracker-<env>-terraform, -image-publish, -prod-plan and -<env>-boundary."
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 1 && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The bootstrap creates the account's GitHub OIDC provider for the STS audience."
  }
}

run "state_scoped_to_the_environment" {
  command = plan

  # Object access to the state bucket: this env's prefix only (state, .tflock,
  # workspaces), and the saved plans' versions under it.
  assert {
    condition = alltrue([for env in ["dev", "prod"] : alltrue([
      for statement in data.aws_iam_policy_document.terraform[env].statement : alltrue([
        for r in statement.resources : contains([
          "arn:aws:s3:::action-tracker-tfstate-123456789012/action-tracker/${env}/*",
          "arn:aws:s3:::action-tracker-tfstate-123456789012/action-tracker/${env}/plans/*",
        ], r)
      ]) if anytrue([for r in statement.resources : startswith(r, "arn:aws:s3:::action-tracker-tfstate-123456789012/")])
    ])])
    error_message = "A Terraform role's state objects must be arn:aws:s3:::<bucket>/action-tracker/<env>/* (plans/* for versions) and nothing wider."
  }

  # The backend files put the state, its lock and any workspace under the prefix
  # the role reaches (`terraform init` lists workspaces under workspace_key_prefix:
  # the default `env:` would be refused).
  assert {
    condition = alltrue([for env in ["dev", "prod"] : (
      regex("(?m)^key\\s*=\\s*\"([^\"]+)\"", file("../envs/${env}.backend.hcl"))[0] == output.state_keys[env] &&
      startswith(regex("(?m)^workspace_key_prefix\\s*=\\s*\"([^\"]+)\"", file("../envs/${env}.backend.hcl"))[0], "action-tracker/${env}/") &&
      !startswith(regex("(?m)^workspace_key_prefix\\s*=\\s*\"([^\"]+)\"", file("../envs/${env}.backend.hcl"))[0], "action-tracker/${env}/plans")
    )])
    error_message = "envs/<env>.backend.hcl: key must be the bootstrap's state_keys[env] (action-tracker/<env>/terraform.tfstate) and workspace_key_prefix under action-tracker/<env>/ (not plans/)."
  }

  # The apply job reads the exact version of the approved plan and deletes it.
  assert {
    condition = length([
      for statement in data.aws_iam_policy_document.terraform["prod"].statement : statement
      if statement.actions == toset(["s3:GetObjectVersion", "s3:DeleteObjectVersion"]) &&
      statement.resources == toset(["arn:aws:s3:::action-tracker-tfstate-123456789012/action-tracker/prod/plans/*"])
    ]) == 1
    error_message = "The prod Terraform role must get and delete versions of the saved plans under action-tracker/prod/plans/* only."
  }

  assert {
    condition = alltrue([for env in ["dev", "prod"] : length([
      for statement in data.aws_iam_policy_document.terraform[env].statement : statement
      if contains(statement.resources, "arn:aws:s3:::action-tracker-tfstate-123456789012/action-tracker/${env}/*") && statement.actions == toset(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
    ]) == 1])
    error_message = "A Terraform role reads and writes its own state and lock (Get/Put/DeleteObject)."
  }

  # ListBucket only under the env's prefix.
  assert {
    condition = alltrue([for env in ["dev", "prod"] : alltrue([
      for statement in data.aws_iam_policy_document.terraform[env].statement :
      statement.actions == toset(["s3:ListBucket"]) &&
      flatten([for c in statement.condition : c.values if c.variable == "s3:prefix"]) == ["action-tracker/${env}/*"]
      if contains(statement.resources, "arn:aws:s3:::action-tracker-tfstate-123456789012")
    ])])
    error_message = "ListBucket on the state bucket must carry an s3:prefix condition on action-tracker/<env>/*."
  }

  # The plan role reads prod's state; it writes the lock, and the saved plan
  # under plans/ (put only); it deletes the lock only. It never writes the state.
  assert {
    condition = alltrue([
      for statement in data.aws_iam_policy_document.plan[0].statement : (
        contains(statement.actions, "s3:DeleteObject")
        ? statement.resources == toset(["arn:aws:s3:::action-tracker-tfstate-123456789012/action-tracker/prod/terraform.tfstate.tflock"])
        : contains(statement.actions, "s3:PutObject")
        ? statement.resources == toset(["arn:aws:s3:::action-tracker-tfstate-123456789012/action-tracker/prod/plans/*"])
        : true
      )
    ]) && length([for s in data.aws_iam_policy_document.plan[0].statement : s if contains(s.actions, "s3:PutObject")]) == 2
    error_message = "The prod-plan role may write the prod .tflock (put/delete) and put saved plans under action-tracker/prod/plans/, nothing else."
  }

  assert {
    condition = alltrue([
      for statement in data.aws_iam_policy_document.plan[0].statement :
      alltrue([for r in statement.resources : startswith(r, "arn:aws:s3:::action-tracker-tfstate-123456789012/action-tracker/prod/")])
      if anytrue([for r in statement.resources : startswith(r, "arn:aws:s3:::action-tracker-tfstate-123456789012/")])
    ])
    error_message = "The prod-plan role reaches the prod state prefix only."
  }

  # Read-only: no mutating action of any service.
  assert {
    condition = alltrue([
      for statement in data.aws_iam_policy_document.plan[0].statement : alltrue([
        for a in statement.actions : can(regex(":(Describe|Get|List)", a)) || contains(["s3:PutObject", "s3:DeleteObject"], a)
      ])
    ])
    error_message = "The prod-plan role must stay read-only (Describe/Get/List, plus the lock object and the saved plan)."
  }

  # The plan reads the OIDC client secret (the listener) and no other secret's value.
  assert {
    condition = alltrue([
      for statement in data.aws_iam_policy_document.plan[0].statement :
      statement.resources == toset(["arn:aws:secretsmanager:eu-west-1:123456789012:secret:action-tracker/prod/*"])
      if anytrue([for a in statement.actions : startswith(a, "secretsmanager:")])
    ])
    error_message = "The prod-plan role may read secrets under action-tracker/prod/ only (never rds!db-*)."
  }
}

run "iam_limits" {
  command = plan

  # PassRole never on "*": the env's own roles, to the services that run them.
  assert {
    condition = alltrue([for env in ["dev", "prod"] : alltrue([
      for statement in data.aws_iam_policy_document.terraform[env].statement :
      statement.resources == toset(["arn:aws:iam::123456789012:role/action-tracker-${env}-*"]) &&
      [for c in statement.condition : c.variable if c.variable == "iam:PassedToService"] == ["iam:PassedToService"]
      if contains(statement.actions, "iam:PassRole")
    ])])
    error_message = "iam:PassRole must be limited to role/action-tracker-<env>-* with an iam:PassedToService condition."
  }

  assert {
    condition = alltrue([for doc in concat(values(data.aws_iam_policy_document.terraform), values(data.aws_iam_policy_document.boundary), [data.aws_iam_policy_document.publish], data.aws_iam_policy_document.plan) : alltrue([
      for statement in doc.statement : !contains(statement.resources, "*") if contains(statement.actions, "iam:PassRole") || contains(statement.actions, "iam:*")
    ])])
    error_message = "No policy of the bootstrap may pass or manage roles on \"*\"."
  }

  # Creating or changing a role's policies needs the env's boundary on it.
  assert {
    condition = alltrue([for env in ["dev", "prod"] : length([
      for statement in data.aws_iam_policy_document.terraform[env].statement : statement
      if contains(statement.actions, "iam:CreateRole") &&
      contains(statement.actions, "iam:PutRolePolicy") &&
      contains(statement.actions, "iam:AttachRolePolicy") &&
      flatten([for c in statement.condition : c.values if c.variable == "iam:PermissionsBoundary" && c.test == "StringEquals"]) == ["arn:aws:iam::123456789012:policy/action-tracker-${env}-boundary"]
    ]) == 1])
    error_message = "CreateRole/PutRolePolicy/AttachRolePolicy must require the env's boundary (iam:PermissionsBoundary)."
  }

  # Every IAM write outside that statement must not be CreateRole or a policy change without the condition.
  assert {
    condition = alltrue([for env in ["dev", "prod"] : alltrue([
      for statement in data.aws_iam_policy_document.terraform[env].statement :
      length([for c in statement.condition : c if c.variable == "iam:PermissionsBoundary"]) == 1
      if statement.effect != "Deny" && length(setintersection(statement.actions, ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"])) > 0
    ])])
    error_message = "An allowed CreateRole/PutRolePolicy/AttachRolePolicy/PutRolePermissionsBoundary without the boundary condition exists."
  }

  # The bootstrap's roles and the boundaries are explicitly out of reach.
  assert {
    condition = alltrue([for env in ["dev", "prod"] : length([
      for statement in data.aws_iam_policy_document.terraform[env].statement : statement
      if statement.effect == "Deny" &&
      contains(statement.resources, "arn:aws:iam::123456789012:role/action-tracker-${env}-terraform") &&
      contains(statement.resources, "arn:aws:iam::123456789012:role/action-tracker-prod-plan") &&
      contains(statement.resources, "arn:aws:iam::123456789012:policy/action-tracker-${env}-boundary") &&
      contains(statement.actions, "iam:CreatePolicyVersion") && contains(statement.actions, "iam:UpdateAssumeRolePolicy")
    ]) == 1])
    error_message = "Each Terraform role must be denied changing the bootstrap roles and its boundary."
  }

  # Every wildcard-service grant is pinned to the region.
  assert {
    condition = alltrue([for env in ["dev", "prod"] : alltrue([
      for statement in data.aws_iam_policy_document.terraform[env].statement :
      flatten([for c in statement.condition : c.values if c.variable == "aws:RequestedRegion"]) == ["eu-west-1"]
      if contains(statement.resources, "*") && anytrue([for a in statement.actions : endswith(a, ":*")])
    ])])
    error_message = "Service-wide grants on \"*\" must carry aws:RequestedRegion."
  }

  # The boundary confines the env's buckets, secrets and PassRole to that env.
  assert {
    condition = alltrue([for env in ["dev", "prod"] : alltrue([
      for statement in data.aws_iam_policy_document.boundary[env].statement : alltrue([
        for r in statement.resources : !startswith(r, "arn:aws:s3:::") || startswith(r, "arn:aws:s3:::action-tracker-${env}-")
      ]) && (contains(statement.actions, "iam:PassRole") ? statement.resources == toset(["arn:aws:iam::123456789012:role/action-tracker-${env}-*"]) : true)
    ])])
    error_message = "The boundary of <env> may reach only action-tracker-<env>-* buckets and roles."
  }

  # The image role pushes to the one repository and does nothing else.
  assert {
    condition = alltrue([
      for statement in data.aws_iam_policy_document.publish.statement :
      alltrue([for a in statement.actions : startswith(a, "ecr:")]) &&
      (statement.resources == toset(["*"]) ? statement.actions == toset(["ecr:GetAuthorizationToken"]) : statement.resources == toset(["arn:aws:ecr:eu-west-1:123456789012:repository/action-tracker"]))
    ])
    error_message = "The image-publish role may log in to ECR and push to the one repository only."
  }
}

run "kms_only_when_given" {
  command = plan

  variables {
    kms_key_arns = { prod = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555" }
  }

  assert {
    condition = (
      length([for s in data.aws_iam_policy_document.boundary["prod"].statement : s if contains(s.actions, "kms:GenerateDataKey") && contains(s.resources, "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555")]) == 1 &&
      length([for s in data.aws_iam_policy_document.terraform["prod"].statement : s if contains(s.resources, "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555")]) == 1
    )
    error_message = "The env with a key gets KMS permissions on it (boundary and Terraform role)."
  }

  # Without a key: KMS only through Secrets Manager, on its AWS managed key
  # (the RDS-managed secret), never a key of anyone's choosing.
  assert {
    condition = alltrue([for doc in [data.aws_iam_policy_document.boundary["dev"], data.aws_iam_policy_document.terraform["dev"]] : alltrue([
      for s in doc.statement : (
        flatten([for c in s.condition : c.values if c.variable == "kms:ViaService"]) == ["secretsmanager.eu-west-1.amazonaws.com"] &&
        flatten([for c in s.condition : c.values if c.variable == "kms:ResourceAliases"]) == ["alias/aws/secretsmanager"]
      ) if anytrue([for a in s.actions : startswith(a, "kms:")])
    ])])
    error_message = "Without a key in kms_key_arns, KMS may be used only via secretsmanager.<region>.amazonaws.com with alias/aws/secretsmanager."
  }
}

run "dev_only_account" {
  command = plan

  variables {
    environments                = ["dev"]
    create_github_oidc_provider = false
  }

  assert {
    condition     = length(aws_iam_role.plan) == 0 && keys(aws_iam_role.terraform) == ["dev"] && length(aws_iam_openid_connect_provider.github) == 0
    error_message = "Without prod there is no prod-plan role; with create_github_oidc_provider = false the provider is looked up."
  }
}

run "refuses_unknown_environment" {
  command = plan

  variables {
    environments = ["dev", "staging"]
  }

  expect_failures = [var.environments]
}

run "covers_the_env_stack" {
  command = plan

  assert {
    condition = length(flatten([for env in ["dev", "prod"] : [
      for req in var.terraform_role_needs : "${env}: ${req[0]} on ${replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")}"
      if !anytrue([for s in data.aws_iam_policy_document.terraform[env].statement :
        s.effect != "Deny" &&
        anytrue([for a in s.actions : can(regex("(?i)^${replace(a, "*", ".*")}$", req[0]))]) &&
        anytrue([for r in s.resources : can(regex("^${replace(replace(r, ".", "\\."), "*", ".*")}$", replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")))])
      ])
    ]])) == 0
    error_message = "A Terraform role lacks what the env stack needs: ${jsonencode(flatten([for env in ["dev", "prod"] : [
      for req in var.terraform_role_needs : "${env}: ${req[0]} on ${replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")}"
      if !anytrue([for s in data.aws_iam_policy_document.terraform[env].statement :
        s.effect != "Deny" &&
        anytrue([for a in s.actions : can(regex("(?i)^${replace(a, "*", ".*")}$", req[0]))]) &&
        anytrue([for r in s.resources : can(regex("^${replace(replace(r, ".", "\\."), "*", ".*")}$", replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")))])
      ])
    ]]))}"
  }

  assert {
    condition = length(flatten([for env in ["dev", "prod"] : [
      for req in var.terraform_role_never : "${env}: ${req[0]} on ${replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")}"
      if anytrue([for s in data.aws_iam_policy_document.terraform[env].statement :
        s.effect != "Deny" &&
        anytrue([for a in s.actions : can(regex("(?i)^${replace(a, "*", ".*")}$", req[0]))]) &&
        anytrue([for r in s.resources : can(regex("^${replace(replace(r, ".", "\\."), "*", ".*")}$", replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")))])
      ])
    ]])) == 0
    error_message = "A Terraform role reaches beyond its environment's stack: ${jsonencode(flatten([for env in ["dev", "prod"] : [
      for req in var.terraform_role_never : "${env}: ${req[0]} on ${replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")}"
      if anytrue([for s in data.aws_iam_policy_document.terraform[env].statement :
        s.effect != "Deny" &&
        anytrue([for a in s.actions : can(regex("(?i)^${replace(a, "*", ".*")}$", req[0]))]) &&
        anytrue([for r in s.resources : can(regex("^${replace(replace(r, ".", "\\."), "*", ".*")}$", replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")))])
      ])
    ]]))}"
  }

  assert {
    condition = length(flatten([for env in ["dev", "prod"] : [
      for req in var.boundary_allows : "${env}: ${req[0]} on ${replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")}"
      if !anytrue([for s in data.aws_iam_policy_document.boundary[env].statement :
        anytrue([for a in s.actions : can(regex("(?i)^${replace(a, "*", ".*")}$", req[0]))]) &&
        anytrue([for r in s.resources : can(regex("^${replace(replace(r, ".", "\\."), "*", ".*")}$", replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")))])
      ])
    ]])) == 0
    error_message = "The boundary must allow what the runtime roles of the env do: ${jsonencode(flatten([for env in ["dev", "prod"] : [
      for req in var.boundary_allows : "${env}: ${req[0]} on ${replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")}"
      if !anytrue([for s in data.aws_iam_policy_document.boundary[env].statement :
        anytrue([for a in s.actions : can(regex("(?i)^${replace(a, "*", ".*")}$", req[0]))]) &&
        anytrue([for r in s.resources : can(regex("^${replace(replace(r, ".", "\\."), "*", ".*")}$", replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")))])
      ])
    ]]))}"
  }

  # RunTask only in the env's own cluster (the events role's condition, capped here).
  assert {
    condition = alltrue([for env in ["dev", "prod"] : length([
      for s in data.aws_iam_policy_document.boundary[env].statement : s
      if contains(s.actions, "ecs:RunTask") &&
      s.resources == toset(["arn:aws:ecs:eu-west-1:123456789012:task-definition/action-tracker-${env}*"]) &&
      flatten([for c in s.condition : c.values if c.variable == "ecs:cluster"]) == ["arn:aws:ecs:eu-west-1:123456789012:cluster/action-tracker-${env}*"]
    ]) == 1])
    error_message = "The boundary allows ecs:RunTask of the env's task definitions in the env's cluster only."
  }

  assert {
    condition = length(flatten([for env in ["dev", "prod"] : [
      for req in var.boundary_never : "${env}: ${req[0]} on ${replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")}"
      if anytrue([for s in data.aws_iam_policy_document.boundary[env].statement :
        anytrue([for a in s.actions : can(regex("(?i)^${replace(a, "*", ".*")}$", req[0]))]) &&
        anytrue([for r in s.resources : can(regex("^${replace(replace(r, ".", "\\."), "*", ".*")}$", replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")))])
      ])
    ]])) == 0
    error_message = "The boundary of an env must not reach the other env's buckets, tasks or roles, foreign secrets, or IAM writes: ${jsonencode(flatten([for env in ["dev", "prod"] : [
      for req in var.boundary_never : "${env}: ${req[0]} on ${replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")}"
      if anytrue([for s in data.aws_iam_policy_document.boundary[env].statement :
        anytrue([for a in s.actions : can(regex("(?i)^${replace(a, "*", ".*")}$", req[0]))]) &&
        anytrue([for r in s.resources : can(regex("^${replace(replace(r, ".", "\\."), "*", ".*")}$", replace(replace(req[1], "ENV", env), "OTHER", env == "dev" ? "prod" : "dev")))])
      ])
    ]]))}"
  }

  assert {
    condition = length([
      for req in var.plan_role_needs : "${req[0]} on ${req[1]}"
      if !anytrue([for s in data.aws_iam_policy_document.plan[0].statement :
        anytrue([for a in s.actions : can(regex("(?i)^${replace(a, "*", ".*")}$", req[0]))]) &&
        anytrue([for r in s.resources : can(regex("^${replace(replace(r, ".", "\\."), "*", ".*")}$", req[1]))])
      ])
    ]) == 0
    error_message = "The prod-plan role must read every service of the stack and store the saved plan: ${jsonencode([
      for req in var.plan_role_needs : "${req[0]} on ${req[1]}"
      if !anytrue([for s in data.aws_iam_policy_document.plan[0].statement :
        anytrue([for a in s.actions : can(regex("(?i)^${replace(a, "*", ".*")}$", req[0]))]) &&
        anytrue([for r in s.resources : can(regex("^${replace(replace(r, ".", "\\."), "*", ".*")}$", req[1]))])
      ])
    ])}"
  }

  assert {
    condition = length([
      for req in var.plan_role_never : "${req[0]} on ${req[1]}"
      if anytrue([for s in data.aws_iam_policy_document.plan[0].statement :
        anytrue([for a in s.actions : can(regex("(?i)^${replace(a, "*", ".*")}$", req[0]))]) &&
        anytrue([for r in s.resources : can(regex("^${replace(replace(r, ".", "\\."), "*", ".*")}$", req[1]))])
      ])
    ]) == 0
    error_message = "The prod-plan role must not change the stack, overwrite the state, or read the database secret or evidence: ${jsonencode([
      for req in var.plan_role_never : "${req[0]} on ${req[1]}"
      if anytrue([for s in data.aws_iam_policy_document.plan[0].statement :
        anytrue([for a in s.actions : can(regex("(?i)^${replace(a, "*", ".*")}$", req[0]))]) &&
        anytrue([for r in s.resources : can(regex("^${replace(replace(r, ".", "\\."), "*", ".*")}$", req[1]))])
      ])
    ])}"
  }

  # No policy of the bootstrap grants every action of a service family at once.
  assert {
    condition = alltrue([for doc in concat(values(data.aws_iam_policy_document.terraform), values(data.aws_iam_policy_document.boundary), [data.aws_iam_policy_document.publish], data.aws_iam_policy_document.plan) : alltrue([
      for s in doc.statement : !contains(s.actions, "*") && !contains(s.actions, "iam:*") && !contains(s.actions, "sts:*") && !contains(s.actions, "kms:*")
    ])])
    error_message = "No statement may allow \"*\", iam:*, sts:* or kms:*."
  }
}
