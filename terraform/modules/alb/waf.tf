################################################################################
# WAF: AWS managed rule groups and a per-IP rate limit in front of the ALB
################################################################################

locals {
  waf_log_group_name = "aws-waf-logs-${local.prefix}" # WAF refuses log groups not named aws-waf-logs-*

  # Managed groups in evaluation order (lower priority first); the rate rule is
  # priority 1, after the IP reputation list, so known bad addresses are
  # dropped before they count towards anyone's rate.
  waf_managed_rule_groups = {
    AWSManagedRulesAmazonIpReputationList = 0
    AWSManagedRulesCommonRuleSet          = 2
    AWSManagedRulesKnownBadInputsRuleSet  = 3
  }
}

resource "aws_wafv2_web_acl" "this" {
  count = var.enable_waf ? 1 : 0

  name        = "${local.prefix}-alb"
  description = "${local.prefix} ALB: AWS managed rules and a per-IP rate limit"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  dynamic "rule" {
    for_each = local.waf_managed_rule_groups

    content {
      name     = rule.key
      priority = rule.value

      # none: each rule of the group keeps its own action (block), as AWS ships it.
      override_action {
        none {}
      }

      statement {
        managed_rule_group_statement {
          vendor_name = "AWS"
          name        = rule.key

          # SizeRestrictions_BODY blocks any request body over 8 KB, which would
          # block evidence uploads (up to 100 MB) and large JSON payloads: counted
          # (visible in the WAF logs and metrics), not blocked. The body itself
          # is still inspected by the group's other rules (first 8 KB on an ALB).
          dynamic "rule_action_override" {
            for_each = rule.key == "AWSManagedRulesCommonRuleSet" ? ["SizeRestrictions_BODY"] : []

            content {
              name = rule_action_override.value

              action_to_use {
                count {}
              }
            }
          }
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${local.prefix}-${rule.key}"
        sampled_requests_enabled   = true
      }
    }
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 1

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit                 = var.waf_rate_limit
        aggregate_key_type    = "IP"
        evaluation_window_sec = 300
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.prefix}-rate-limit-per-ip"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${local.prefix}-alb"
    sampled_requests_enabled   = true
  }

  tags = merge(var.tags, { Name = "${local.prefix}-alb" })
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.enable_waf ? 1 : 0

  resource_arn = aws_lb.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this[0].arn
}

################################################################################
# WAF logs: CloudWatch Logs, with the credentials headers redacted
################################################################################

resource "aws_cloudwatch_log_group" "waf" {
  count = var.enable_waf ? 1 : 0

  name              = local.waf_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

# WAF delivers through the log delivery service. Without this policy WAF would
# try to write an account-wide one itself at the first logging call, which
# needs logs:PutResourcePolicy at that moment and leaves an unmanaged policy.
resource "aws_cloudwatch_log_resource_policy" "waf" {
  count = var.enable_waf ? 1 : 0

  policy_name = "${local.prefix}-waf-logs"
  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "WafLogDelivery"
      Effect    = "Allow"
      Principal = { Service = "delivery.logs.amazonaws.com" }
      Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource  = "${aws_cloudwatch_log_group.waf[0].arn}:*"
      # The delivery service presents the account's logs ARN as its source.
      Condition = {
        ArnLike      = { "aws:SourceArn" = "${join(":", slice(split(":", aws_cloudwatch_log_group.waf[0].arn), 0, 5))}:*" }
        StringEquals = { "aws:SourceAccount" = split(":", aws_cloudwatch_log_group.waf[0].arn)[4] }
      }
    }]
  })
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  count = var.enable_waf ? 1 : 0

  resource_arn            = aws_wafv2_web_acl.this[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.waf[0].arn]

  # Bearer tokens and the ALB's session cookies are credentials: never logged.
  redacted_fields {
    single_header {
      name = "authorization"
    }
  }

  redacted_fields {
    single_header {
      name = "cookie"
    }
  }

  depends_on = [aws_cloudwatch_log_resource_policy.waf]
}
