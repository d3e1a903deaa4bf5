# Edge and network of dev, planned offline against the mocked AWS provider:
#   terraform test -test-directory=tests/dev -var-file=envs/dev.tfvars -var docker_image=<repo>:sha-<40 hex>
# Root runs prove the wiring with dev.tfvars; module runs (module { source = ... },
# fed the same tfvars, whose names the modules share) prove the resources' own
# settings, which a root run cannot reach.
# Module runs need `terraform init -test-directory=tests/dev` first.

mock_provider "aws" {
  source = "./tests/mocks"
}

################################################################################
# Root: dev.tfvars as shipped
################################################################################

run "dev_edge_wiring" {
  command = plan

  assert {
    condition     = var.env == "dev"
    error_message = "These tests expect envs/dev.tfvars (env = \"dev\")."
  }

  assert {
    condition     = module.alb.web_acl_arn == "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/mock/00000000-0000-0000-0000-000000000000"
    error_message = "dev: the WAF web ACL must be associated with the ALB too (module.alb.web_acl_arn comes from the association)."
  }

  assert {
    condition     = local.alb_access_logs_enabled == false && module.alb.access_logs_location == null
    error_message = "dev.tfvars ships with ALB access logs off."
  }

  assert {
    condition     = length(module.vpc.nat_gateway_public_ips) == 1
    error_message = "dev: one shared NAT gateway (single_nat_gateway = true)."
  }

  assert {
    condition     = module.vpc.flow_log_destination == "${module.logs.bucket_arn}/vpc-flow-logs/"
    error_message = "dev: VPC flow logs must go to the log bucket under vpc-flow-logs/."
  }

  assert {
    condition     = module.logs.bucket_arn == "arn:aws:s3:::action-tracker-dev-logs-123456789012"
    error_message = "dev: flow logs go to the env's own log bucket."
  }
}

run "dev_access_logs_default_off" {
  command = plan

  variables {
    alb_access_logs_enabled = null
  }

  assert {
    condition     = local.alb_access_logs_enabled == false && module.alb.access_logs_location == null
    error_message = "dev: alb_access_logs_enabled = null must mean access logs off."
  }
}

# dev may turn the WAF off and share one NAT (prod may not: tests/prod/edge.tftest.hcl).
run "dev_may_turn_waf_off" {
  command = plan

  variables {
    enable_waf = false
  }

  assert {
    condition     = module.alb.web_acl_arn == null && module.alb.waf_log_group_name == null
    error_message = "dev: enable_waf = false must leave no web ACL and no WAF log group."
  }
}

run "dev_refuses_missing_certificate" {
  command = plan

  variables {
    certificate_arn = ""
  }

  expect_failures = [var.certificate_arn]
}

################################################################################
# modules/alb with dev.tfvars
################################################################################

run "dev_alb" {
  command = plan

  module {
    source = "./modules/alb"
  }

  # What the root passes from other modules (access logs off, as in dev.tfvars).
  variables {
    vpc_id                = "vpc-0123456789abcdef0"
    public_subnet_ids     = ["subnet-0a0a0a0a0a0a0a0a0", "subnet-0b0b0b0b0b0b0b0b0"]
    app_security_group_id = "sg-0123456789abcdef0"
    access_logs_enabled   = false
    access_logs_bucket    = "action-tracker-dev-logs-123456789012"
  }

  assert {
    condition     = aws_lb.this.drop_invalid_header_fields == true && aws_lb.this.idle_timeout == 60
    error_message = "ALB: drop_invalid_header_fields true, idle timeout 60 s."
  }

  assert {
    condition     = length(aws_lb.this.access_logs) == 0
    error_message = "ALB: access_logs_enabled = false writes no access logs."
  }

  assert {
    condition     = try(aws_lb_listener.http.default_action[0].type == "redirect" && aws_lb_listener.http.default_action[0].redirect[0].status_code == "HTTP_301" && aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS", false)
    error_message = "HTTP listener: only a 301 redirect to HTTPS."
  }

  assert {
    condition     = aws_lb_listener.https.ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06" && aws_lb_listener.https.certificate_arn == var.certificate_arn
    error_message = "HTTPS listener: ELBSecurityPolicy-TLS13-1-2-2021-06 with the dev certificate."
  }

  assert {
    condition     = try(aws_lb_target_group.this.health_check[0].interval == 15 && aws_lb_target_group.this.health_check[0].path == "/health" && aws_lb_target_group.this.health_check[0].matcher == "200", false)
    error_message = "Health check: /health, 200, every 15 s."
  }

  assert {
    condition     = aws_lb_target_group.this.name_prefix == "app-" && aws_security_group.this.name_prefix == "action-tracker-dev-alb-"
    error_message = "Target group and ALB security group use name_prefix (create-before-destroy)."
  }

  assert {
    condition     = try(length(aws_wafv2_web_acl_association.this) == 1 && aws_wafv2_web_acl_association.this[0].resource_arn == aws_lb.this.arn, false)
    error_message = "WAF: the web ACL must be associated with this ALB in dev too."
  }

  assert {
    condition     = try(toset([for r in aws_wafv2_web_acl.this[0].rule : r.name]) == toset(["AWSManagedRulesAmazonIpReputationList", "rate-limit-per-ip", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"]), false)
    error_message = "WAF: the three AWS managed groups and the rate rule."
  }

  assert {
    condition     = try(aws_cloudwatch_log_group.waf[0].name == "aws-waf-logs-action-tracker-dev" && aws_cloudwatch_log_group.waf[0].retention_in_days == var.log_retention_days, false)
    error_message = "WAF logs: aws-waf-logs-action-tracker-dev with log_retention_days."
  }
}

run "dev_alb_refuses_access_logs_without_bucket" {
  command = plan

  module {
    source = "./modules/alb"
  }

  variables {
    vpc_id                = "vpc-0123456789abcdef0"
    public_subnet_ids     = ["subnet-0a0a0a0a0a0a0a0a0", "subnet-0b0b0b0b0b0b0b0b0"]
    app_security_group_id = "sg-0123456789abcdef0"
    access_logs_enabled   = true
    access_logs_bucket    = null
  }

  expect_failures = [var.access_logs_bucket]
}

################################################################################
# modules/vpc with dev.tfvars: one NAT, flow logs, endpoints
################################################################################

run "dev_vpc" {
  command = plan

  module {
    source = "./modules/vpc"
  }

  variables {
    flow_logs_bucket_arn = "arn:aws:s3:::action-tracker-dev-logs-123456789012"
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_route.private_nat) == 2
    error_message = "dev VPC: one shared NAT gateway, a default route in both private route tables."
  }

  assert {
    condition     = try(length(aws_flow_log.this) == 1 && aws_flow_log.this[0].traffic_type == "ALL" && aws_flow_log.this[0].log_destination_type == "s3" && aws_flow_log.this[0].max_aggregation_interval == 600, false)
    error_message = "Flow logs: on in dev too, all traffic, to S3, 10-minute aggregation."
  }

  assert {
    condition     = try(aws_flow_log.this[0].log_destination == "arn:aws:s3:::action-tracker-dev-logs-123456789012/vpc-flow-logs/", false)
    error_message = "Flow logs: to the log bucket under vpc-flow-logs/."
  }

  assert {
    condition     = aws_vpc_endpoint.s3.vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.s3.service_name == "com.amazonaws.eu-west-1.s3"
    error_message = "The S3 gateway endpoint must exist."
  }

  assert {
    condition     = length(aws_vpc_endpoint.interface) == 0
    error_message = "dev.tfvars ships without interface endpoints."
  }
}

run "dev_vpc_interface_endpoints" {
  command = plan

  module {
    source = "./modules/vpc"
  }

  variables {
    flow_logs_bucket_arn       = "arn:aws:s3:::action-tracker-dev-logs-123456789012"
    enable_interface_endpoints = true
  }

  assert {
    condition     = { for k, e in aws_vpc_endpoint.interface : k => e.service_name } == { "ecr.api" = "com.amazonaws.eu-west-1.ecr.api", "ecr.dkr" = "com.amazonaws.eu-west-1.ecr.dkr", logs = "com.amazonaws.eu-west-1.logs", secretsmanager = "com.amazonaws.eu-west-1.secretsmanager" }
    error_message = "Interface endpoints: ecr.api, ecr.dkr, logs and secretsmanager."
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : e.vpc_endpoint_type == "Interface" && e.private_dns_enabled == true])
    error_message = "Interface endpoints: private DNS on, so the SDKs use them with their default host names."
  }

  assert {
    condition     = try(length(aws_security_group.endpoints) == 1 && aws_security_group.endpoints[0].name_prefix == "action-tracker-dev-endpoints-", false)
    error_message = "Interface endpoints: their own security group (name_prefix)."
  }

  assert {
    condition     = try(aws_vpc_security_group_ingress_rule.endpoints_https[0].from_port == 443 && aws_vpc_security_group_ingress_rule.endpoints_https[0].to_port == 443 && aws_vpc_security_group_ingress_rule.endpoints_https[0].ip_protocol == "tcp" && aws_vpc_security_group_ingress_rule.endpoints_https[0].cidr_ipv4 == "10.20.0.0/16", false)
    error_message = "Interface endpoints: HTTPS from the VPC CIDR only."
  }
}

run "dev_vpc_refuses_flow_logs_without_bucket" {
  command = plan

  module {
    source = "./modules/vpc"
  }

  variables {
    flow_logs_bucket_arn = null
  }

  expect_failures = [var.flow_logs_bucket_arn]
}
