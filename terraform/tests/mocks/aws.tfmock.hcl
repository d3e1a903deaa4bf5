# Shared mock of the hashicorp/aws provider for the plan-time tests of the
# environment root: mock_provider "aws" { source = "./tests/mocks" } in
# tests/{dev,prod}/*.tftest.hcl. See tests/README.md.
#
# mock_data: data sources are read during plan, so these values are what the
# configuration sees (an account id, a partition, two AZs, ...).
# mock_resource: computed attributes are unknown during plan unless a mock
# supplies them; the blocks below set `override_during = plan` so that ARNs
# and names that feed other resources (policies, environment variables) are
# known, valid-looking values at plan time. Types without a block here stay
# unknown until apply (assert on what the configuration sets, not on them).

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/terraform-test"
    user_id    = "AIDAMOCKMOCKMOCKMOCK"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition          = "aws"
    dns_suffix         = "amazonaws.com"
    reverse_dns_prefix = "com.amazonaws"
  }
}

mock_data "aws_region" {
  defaults = {
    name        = "eu-west-1"
    description = "Europe (Ireland)"
    endpoint    = "ec2.eu-west-1.amazonaws.com"
  }
}

mock_data "aws_availability_zones" {
  defaults = {
    names    = ["eu-west-1a", "eu-west-1b"]
    zone_ids = ["euw1-az1", "euw1-az2"]
  }
}

# A policy document's JSON is passed on to roles, buckets and topics; it must parse.
mock_data "aws_iam_policy_document" {
  defaults = {
    json          = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    minified_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

mock_data "aws_secretsmanager_secret_version" {
  defaults = {
    arn           = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:action-tracker/mock-AbCdEf"
    secret_string = "mock-secret-value"
    version_id    = "00000000-0000-0000-0000-000000000000"
  }
}

mock_data "aws_ssm_parameter" {
  defaults = {
    arn            = "arn:aws:ssm:eu-west-1:123456789012:parameter/mock"
    value          = "ami-0123456789abcdef0"
    insecure_value = "ami-0123456789abcdef0"
    type           = "String"
    version        = 1
  }
}

# eu-west-1's Elastic Load Balancing account (log delivery grants in the log bucket policy).
mock_data "aws_elb_service_account" {
  defaults = {
    arn = "arn:aws:iam::156460612806:root"
    id  = "156460612806"
  }
}

mock_data "aws_iam_openid_connect_provider" {
  defaults = {
    arn             = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    url             = "token.actions.githubusercontent.com"
    client_id_list  = ["sts.amazonaws.com"]
    thumbprint_list = []
  }
}

mock_data "aws_kms_key" {
  defaults = {
    arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }
}

mock_resource "aws_lb" {
  override_during = plan
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/mock/0123456789abcdef"
    arn_suffix = "app/mock/0123456789abcdef"
    dns_name   = "mock-0123456789.eu-west-1.elb.amazonaws.com"
    zone_id    = "Z32O12XQLNTSW2"
  }
}

mock_resource "aws_lb_target_group" {
  override_during = plan
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/app-mock/0123456789abcdef"
    arn_suffix = "targetgroup/app-mock/0123456789abcdef"
  }
}

mock_resource "aws_lb_listener" {
  override_during = plan
  defaults = {
    arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/mock/0123456789abcdef/0123456789abcdef"
  }
}

mock_resource "aws_wafv2_web_acl" {
  override_during = plan
  defaults = {
    arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/mock/00000000-0000-0000-0000-000000000000"
  }
}

mock_resource "aws_s3_bucket" {
  override_during = plan
  defaults = {
    arn                         = "arn:aws:s3:::mock-bucket"
    bucket_domain_name          = "mock-bucket.s3.amazonaws.com"
    bucket_regional_domain_name = "mock-bucket.s3.eu-west-1.amazonaws.com"
  }
}

mock_resource "aws_db_instance" {
  override_during = plan
  defaults = {
    arn      = "arn:aws:rds:eu-west-1:123456789012:db:mock"
    address  = "mock.abcdefghijkl.eu-west-1.rds.amazonaws.com"
    endpoint = "mock.abcdefghijkl.eu-west-1.rds.amazonaws.com:5432"
    # RDS-managed master credentials: the secret RDS creates and rotates.
    master_user_secret = [{
      kms_key_id    = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
      secret_arn    = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-00000000-0000-0000-0000-000000000000-AbCdEf"
      secret_status = "active"
    }]
  }
}

mock_resource "aws_ecs_cluster" {
  override_during = plan
  defaults = {
    arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/mock"
  }
}

mock_resource "aws_ecs_task_definition" {
  override_during = plan
  defaults = {
    arn                  = "arn:aws:ecs:eu-west-1:123456789012:task-definition/mock:1"
    arn_without_revision = "arn:aws:ecs:eu-west-1:123456789012:task-definition/mock"
    revision             = 1
  }
}

mock_resource "aws_iam_role" {
  override_during = plan
  defaults = {
    arn       = "arn:aws:iam::123456789012:role/mock-role"
    unique_id = "AROAMOCKMOCKMOCKMOCK"
  }
}

mock_resource "aws_iam_policy" {
  override_during = plan
  defaults = {
    arn = "arn:aws:iam::123456789012:policy/mock-policy"
  }
}

mock_resource "aws_iam_openid_connect_provider" {
  override_during = plan
  defaults = {
    arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }
}

mock_resource "aws_secretsmanager_secret" {
  override_during = plan
  defaults = {
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:action-tracker/mock-AbCdEf"
  }
}

mock_resource "aws_sns_topic" {
  override_during = plan
  defaults = {
    arn = "arn:aws:sns:eu-west-1:123456789012:mock-alarms"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  override_during = plan
  defaults = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mock"
  }
}

mock_resource "aws_ecr_repository" {
  override_during = plan
  defaults = {
    arn            = "arn:aws:ecr:eu-west-1:123456789012:repository/action-tracker"
    repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/action-tracker"
    registry_id    = "123456789012"
  }
}
