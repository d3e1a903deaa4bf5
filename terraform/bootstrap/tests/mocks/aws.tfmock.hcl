# Mock of the hashicorp/aws provider for the bootstrap's plan-time tests:
# mock_provider "aws" { source = "./tests/mocks" } in bootstrap/tests/*.tftest.hcl.
# The same values as terraform/tests/mocks/aws.tfmock.hcl (see terraform/tests/README.md);
# resource blocks set `override_during = plan` so ARNs are known at plan time.

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

mock_data "aws_iam_policy_document" {
  defaults = {
    json          = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    minified_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
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

mock_resource "aws_s3_bucket" {
  override_during = plan
  defaults = {
    arn                         = "arn:aws:s3:::mock-bucket"
    bucket_domain_name          = "mock-bucket.s3.amazonaws.com"
    bucket_regional_domain_name = "mock-bucket.s3.eu-west-1.amazonaws.com"
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

mock_resource "aws_ecr_repository" {
  override_during = plan
  defaults = {
    arn            = "arn:aws:ecr:eu-west-1:123456789012:repository/action-tracker"
    repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/action-tracker"
    registry_id    = "123456789012"
  }
}
