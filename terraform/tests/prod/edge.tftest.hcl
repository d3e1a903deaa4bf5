# Edge and network of prod, planned offline against the mocked AWS provider:
#   terraform test -test-directory=tests/prod -var-file=envs/prod.tfvars -var docker_image=<repo>:sha-<40 hex>
# Root runs prove the wiring and the guard rails with prod.tfvars; module runs
# (module { source = ... }, fed the same tfvars, whose names the modules share)
# prove the resources' own settings, which a root run cannot reach.
# Module runs need `terraform init -test-directory=tests/prod` first.

mock_provider "aws" {
  source = "./tests/mocks"
}

################################################################################
# Root: prod.tfvars as shipped
################################################################################

run "prod_edge_wiring" {
  command = plan

  assert {
    condition     = var.env == "prod"
    error_message = "These tests expect envs/prod.tfvars (env = \"prod\")."
  }

  assert {
    condition     = module.alb.web_acl_arn == "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/mock/00000000-0000-0000-0000-000000000000"
    error_message = "prod: the WAF web ACL must be associated with the ALB (module.alb.web_acl_arn comes from the association)."
  }

  assert {
    condition     = local.alb_access_logs_enabled == true
    error_message = "prod: ALB access logs must be on."
  }

  assert {
    condition     = module.alb.access_logs_location == "s3://${module.logs.bucket_id}/alb"
    error_message = "prod: the ALB must write its access logs to the log bucket under alb/ (got ${coalesce(module.alb.access_logs_location, "null")})."
  }

  assert {
    condition     = module.logs.bucket_id == "action-tracker-prod-logs-123456789012"
    error_message = "prod: the access logs go to the env's own log bucket."
  }

  assert {
    condition     = length(module.vpc.nat_gateway_public_ips) == 2
    error_message = "prod: one NAT gateway per availability zone (2), not a shared one."
  }

  assert {
    condition     = module.vpc.flow_log_destination == "${module.logs.bucket_arn}/vpc-flow-logs/"
    error_message = "prod: VPC flow logs must go to the log bucket under vpc-flow-logs/."
  }

  assert {
    condition     = length(module.vpc.interface_endpoint_ids) == 0
    error_message = "prod.tfvars ships without interface endpoints (enable_interface_endpoints = false)."
  }
}

run "prod_access_logs_default_on" {
  command = plan

  variables {
    alb_access_logs_enabled = null
  }

  assert {
    condition     = local.alb_access_logs_enabled == true && module.alb.access_logs_location == "s3://${module.logs.bucket_id}/alb"
    error_message = "prod: alb_access_logs_enabled = null must mean access logs on."
  }
}

################################################################################
# Root: the prod guard rails refuse the plan
################################################################################

run "prod_refuses_missing_certificate" {
  command = plan

  variables {
    certificate_arn = ""
  }

  expect_failures = [var.certificate_arn]
}

run "prod_refuses_waf_off" {
  command = plan

  variables {
    enable_waf = false
  }

  expect_failures = [var.enable_waf]
}

run "prod_refuses_single_nat" {
  command = plan

  variables {
    single_nat_gateway = true
  }

  expect_failures = [var.single_nat_gateway]
}

run "prod_refuses_access_logs_off" {
  command = plan

  variables {
    alb_access_logs_enabled = false
  }

  expect_failures = [var.alb_access_logs_enabled]
}

################################################################################
# modules/alb with prod.tfvars: load balancer, listeners, target group, WAF
################################################################################

run "prod_alb" {
  command = plan

  module {
    source = "./modules/alb"
  }

  # What the root passes from other modules.
  variables {
    vpc_id                = "vpc-0123456789abcdef0"
    public_subnet_ids     = ["subnet-0a0a0a0a0a0a0a0a0", "subnet-0b0b0b0b0b0b0b0b0"]
    app_security_group_id = "sg-0123456789abcdef0"
    access_logs_enabled   = true
    access_logs_bucket    = "action-tracker-prod-logs-123456789012"
    access_logs_prefix    = "alb"
  }

  # Load balancer
  assert {
    condition     = aws_lb.this.drop_invalid_header_fields == true
    error_message = "ALB: drop_invalid_header_fields must be true (malformed headers never reach the tasks)."
  }

  assert {
    condition     = aws_lb.this.idle_timeout == 60
    error_message = "ALB: idle timeout must be 60 s."
  }

  assert {
    condition     = aws_lb.this.internal == false && aws_lb.this.load_balancer_type == "application"
    error_message = "ALB: an internet-facing application load balancer."
  }

  assert {
    condition     = try(length(aws_lb.this.access_logs) == 1 && aws_lb.this.access_logs[0].enabled == true && aws_lb.this.access_logs[0].bucket == "action-tracker-prod-logs-123456789012" && aws_lb.this.access_logs[0].prefix == "alb", false)
    error_message = "ALB: access logs on, to the log bucket under alb."
  }

  # Listeners
  assert {
    condition     = try(aws_lb_listener.http.port == 80 && aws_lb_listener.http.protocol == "HTTP" && length(aws_lb_listener.http.default_action) == 1 && aws_lb_listener.http.default_action[0].type == "redirect", false)
    error_message = "HTTP listener: port 80, one default action, a redirect."
  }

  assert {
    condition     = try(aws_lb_listener.http.default_action[0].redirect[0].status_code == "HTTP_301" && aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS" && aws_lb_listener.http.default_action[0].redirect[0].port == "443", false)
    error_message = "HTTP listener: permanent redirect (HTTP_301) to HTTPS on 443."
  }

  assert {
    condition     = aws_lb_listener.https.ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    error_message = "HTTPS listener: TLS policy must be ELBSecurityPolicy-TLS13-1-2-2021-06 (TLS 1.2+, no weak ciphers)."
  }

  assert {
    condition     = aws_lb_listener.https.port == 443 && aws_lb_listener.https.protocol == "HTTPS" && aws_lb_listener.https.certificate_arn == var.certificate_arn
    error_message = "HTTPS listener: port 443 with the prod certificate."
  }

  # Target group
  assert {
    condition     = aws_lb_target_group.this.name_prefix == "app-"
    error_message = "Target group: name_prefix app- (no fixed name: it is replaced create-before-destroy)."
  }

  assert {
    condition     = aws_lb_target_group.this.port == 8080 && aws_lb_target_group.this.protocol == "HTTP" && aws_lb_target_group.this.target_type == "ip" && aws_lb_target_group.this.deregistration_delay == "30"
    error_message = "Target group: HTTP 8080, ip targets, deregistration delay 30 s."
  }

  assert {
    condition     = try(aws_lb_target_group.this.health_check[0].path == "/health" && aws_lb_target_group.this.health_check[0].matcher == "200", false)
    error_message = "Health check: GET /health expecting 200."
  }

  assert {
    condition     = try(aws_lb_target_group.this.health_check[0].interval == 15 && aws_lb_target_group.this.health_check[0].timeout == 5, false)
    error_message = "Health check: every 15 s, timeout 5 s."
  }

  assert {
    condition     = try(aws_lb_target_group.this.health_check[0].healthy_threshold == 2 && aws_lb_target_group.this.health_check[0].unhealthy_threshold == 3, false)
    error_message = "Health check: healthy after 2, unhealthy after 3."
  }

  # Security group
  assert {
    condition     = aws_security_group.this.name_prefix == "action-tracker-prod-alb-"
    error_message = "ALB security group: name_prefix action-tracker-prod-alb- (no fixed name: it is replaced create-before-destroy)."
  }

  # WAF: the web ACL, its rules, the association and the logging
  assert {
    condition     = try(length(aws_wafv2_web_acl.this) == 1 && aws_wafv2_web_acl.this[0].scope == "REGIONAL" && length(aws_wafv2_web_acl.this[0].default_action[0].allow) == 1, false)
    error_message = "WAF: one REGIONAL web ACL, default action allow."
  }

  assert {
    condition = try({ for r in aws_wafv2_web_acl.this[0].rule : r.name => r.priority } == {
      AWSManagedRulesAmazonIpReputationList = 0
      rate-limit-per-ip                     = 1
      AWSManagedRulesCommonRuleSet          = 2
      AWSManagedRulesKnownBadInputsRuleSet  = 3
    }, false)
    error_message = "WAF: exactly the IP reputation list (0), the rate limit (1), the common rule set (2) and known bad inputs (3)."
  }

  assert {
    condition = try(alltrue([
      for r in aws_wafv2_web_acl.this[0].rule : (
        length(r.override_action) == 1 && length(r.override_action[0].none) == 1 && length(r.override_action[0].count) == 0
        && r.statement[0].managed_rule_group_statement[0].vendor_name == "AWS"
        && r.statement[0].managed_rule_group_statement[0].name == r.name
      ) if r.name != "rate-limit-per-ip"
    ]), false)
    error_message = "WAF: every managed group is AWS's, with override_action none (its rules block)."
  }

  assert {
    condition = try({
      for r in aws_wafv2_web_acl.this[0].rule : r.name => [
        for o in r.statement[0].managed_rule_group_statement[0].rule_action_override : {
          name  = o.name
          count = length(o.action_to_use[0].count)
          other = length(o.action_to_use[0].allow) + length(o.action_to_use[0].block) + length(o.action_to_use[0].captcha) + length(o.action_to_use[0].challenge)
        }
      ] if r.name != "rate-limit-per-ip"
      } == {
      AWSManagedRulesAmazonIpReputationList = []
      AWSManagedRulesCommonRuleSet          = [{ name = "SizeRestrictions_BODY", count = 1, other = 0 }]
      AWSManagedRulesKnownBadInputsRuleSet  = []
    }, false)
    error_message = "WAF: the only rule override is the common rule set's SizeRestrictions_BODY, set to count (evidence uploads)."
  }

  assert {
    condition = try(alltrue([
      for r in aws_wafv2_web_acl.this[0].rule : (
        length(r.action) == 1 && length(r.action[0].block) == 1
        && r.statement[0].rate_based_statement[0].limit == 2000
        && r.statement[0].rate_based_statement[0].aggregate_key_type == "IP"
        && r.statement[0].rate_based_statement[0].evaluation_window_sec == 300
      ) if r.name == "rate-limit-per-ip"
    ]), false)
    error_message = "WAF: the rate rule blocks an IP above 2000 requests per 5 minutes."
  }

  assert {
    condition     = try(length(aws_wafv2_web_acl_association.this) == 1 && aws_wafv2_web_acl_association.this[0].resource_arn == aws_lb.this.arn && aws_wafv2_web_acl_association.this[0].web_acl_arn == aws_wafv2_web_acl.this[0].arn, false)
    error_message = "WAF: the web ACL must be associated with this ALB."
  }

  assert {
    condition     = try(aws_cloudwatch_log_group.waf[0].name == "aws-waf-logs-action-tracker-prod" && aws_cloudwatch_log_group.waf[0].retention_in_days == var.log_retention_days, false)
    error_message = "WAF logs: log group aws-waf-logs-action-tracker-prod, retention log_retention_days."
  }

  assert {
    condition     = try(aws_wafv2_web_acl_logging_configuration.this[0].resource_arn == aws_wafv2_web_acl.this[0].arn && aws_wafv2_web_acl_logging_configuration.this[0].log_destination_configs == toset([aws_cloudwatch_log_group.waf[0].arn]), false)
    error_message = "WAF logs: the web ACL logs to its log group."
  }

  assert {
    condition     = try(toset([for f in aws_wafv2_web_acl_logging_configuration.this[0].redacted_fields : f.single_header[0].name]) == toset(["authorization", "cookie"]), false)
    error_message = "WAF logs: the authorization and cookie headers must be redacted."
  }
}

################################################################################
# modules/vpc with prod.tfvars: NAT per AZ, flow logs, endpoints
################################################################################

run "prod_vpc" {
  command = plan

  module {
    source = "./modules/vpc"
  }

  variables {
    flow_logs_bucket_arn = "arn:aws:s3:::action-tracker-prod-logs-123456789012"
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 2 && length(aws_eip.nat) == 2 && length(aws_route.private_nat) == 2
    error_message = "prod VPC: two NAT gateways (one per AZ), each private route table with its own default route."
  }

  assert {
    condition     = try(length(aws_flow_log.this) == 1 && aws_flow_log.this[0].traffic_type == "ALL" && aws_flow_log.this[0].log_destination_type == "s3", false)
    error_message = "Flow logs: on, all traffic, to S3."
  }

  assert {
    condition     = try(aws_flow_log.this[0].log_destination == "arn:aws:s3:::action-tracker-prod-logs-123456789012/vpc-flow-logs/" && aws_flow_log.this[0].max_aggregation_interval == 600, false)
    error_message = "Flow logs: to the log bucket under vpc-flow-logs/, aggregated over 10 minutes."
  }

  assert {
    condition     = aws_vpc_endpoint.s3.vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.s3.service_name == "com.amazonaws.eu-west-1.s3"
    error_message = "The S3 gateway endpoint must exist (free; keeps image layers and evidence off the NAT)."
  }

  assert {
    condition     = length(aws_vpc_endpoint.interface) == 0 && length(aws_security_group.endpoints) == 0
    error_message = "prod.tfvars ships without interface endpoints."
  }
}
