variable "name" {
  description = "Name prefix for every resource (e.g. `action-tracker`)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name))
    error_message = "name must be 3-24 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "env" {
  description = "Environment: `dev` or `prod`."
  type        = string
  nullable    = false

  validation {
    condition     = contains(["dev", "prod"], var.env)
    error_message = "env must be \"dev\" or \"prod\"."
  }
}

variable "vpc_id" {
  description = "ID of the VPC the load balancer and its target group live in."
  type        = string
  nullable    = false
}

variable "public_subnet_ids" {
  description = "IDs of the public subnets (two availability zones) for the internet-facing load balancer."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "An application load balancer needs subnets in at least two availability zones."
  }
}

variable "app_security_group_id" {
  description = "Security group of the ECS tasks: the only destination the load balancer may send traffic to (tcp 8080)."
  type        = string
  nullable    = false
}

variable "certificate_arn" {
  description = "ACM certificate ARN of the HTTPS listener. Required: the load balancer signs browsers in with OIDC, which AWS runs on HTTPS listeners only (HTTP only redirects)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>): OIDC sign-in needs an HTTPS listener."
  }
}

variable "oidc_issuer" {
  description = "OIDC issuer identifier of the identity provider (its `issuer`, an https URL)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^https://[^\\s/]+", var.oidc_issuer))
    error_message = "oidc_issuer must be an https:// URL."
  }
}

variable "oidc_authorization_endpoint" {
  description = "Authorization endpoint of the identity provider (`authorization_endpoint` of its discovery document)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^https://[^\\s/]+", var.oidc_authorization_endpoint))
    error_message = "oidc_authorization_endpoint must be an https:// URL."
  }
}

variable "oidc_token_endpoint" {
  description = "Token endpoint of the identity provider (`token_endpoint`); the load balancer calls it itself."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^https://[^\\s/]+", var.oidc_token_endpoint))
    error_message = "oidc_token_endpoint must be an https:// URL."
  }
}

variable "oidc_user_info_endpoint" {
  description = "User info endpoint of the identity provider (`userinfo_endpoint`); the claims it returns are what the load balancer signs for the tasks."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^https://[^\\s/]+", var.oidc_user_info_endpoint))
    error_message = "oidc_user_info_endpoint must be an https:// URL."
  }
}

variable "oidc_client_id" {
  description = "OAuth 2.0 client id of the app registered with the identity provider."
  type        = string
  nullable    = false

  validation {
    condition     = length(trimspace(var.oidc_client_id)) > 0
    error_message = "oidc_client_id must not be empty."
  }
}

variable "oidc_client_secret_arn" {
  description = "Where the OAuth 2.0 client secret is kept: the ARN of a Secrets Manager secret (its whole SecretString) or of an SSM SecureString parameter. Never the secret itself."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+|ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+)$", var.oidc_client_secret_arn))
    error_message = "oidc_client_secret_arn must be the ARN of a Secrets Manager secret or an SSM parameter holding the client secret, not the secret itself."
  }
}

variable "oidc_scope" {
  description = "Scopes the load balancer asks for: `openid` plus what brings the user and groups claims into the user info response (e.g. `openid email groups` for Okta)."
  type        = string
  default     = "openid email"
  nullable    = false

  validation {
    condition     = contains(split(" ", var.oidc_scope), "openid")
    error_message = "oidc_scope must include openid (space-separated scopes)."
  }
}

variable "oidc_session_timeout" {
  description = "Seconds a sign-in lasts before the load balancer sends the browser back to the identity provider (the groups, hence the role, are read again then)."
  type        = number
  default     = 28800
  nullable    = false

  validation {
    condition     = var.oidc_session_timeout >= 60 && var.oidc_session_timeout <= 604800
    error_message = "oidc_session_timeout must be between 60 seconds and 7 days (604800)."
  }
}

variable "access_logs_enabled" {
  description = "Write ALB access logs to `access_logs_bucket`. A plan-time switch of its own, because the bucket's name is often known only after apply."
  type        = bool
  default     = false
  nullable    = false
}

variable "access_logs_bucket" {
  description = "Name of the S3 bucket for ALB access logs (SSE-S3; its policy must allow the ELB log delivery). Required when `access_logs_enabled`."
  type        = string
  default     = null

  validation {
    condition     = !var.access_logs_enabled || var.access_logs_bucket != null
    error_message = "access_logs_bucket must be set when access_logs_enabled is true."
  }
}

variable "access_logs_prefix" {
  description = "Key prefix of the access logs inside `access_logs_bucket`, without slashes at either end (logs land under <prefix>/AWSLogs/<account>/elasticloadbalancing/)."
  type        = string
  default     = "alb"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$", var.access_logs_prefix)) && !strcontains(var.access_logs_prefix, "AWSLogs")
    error_message = "access_logs_prefix must be a key prefix without leading or trailing slashes that does not contain AWSLogs."
  }
}

variable "enable_waf" {
  description = "Attach a WAFv2 web ACL (AWS managed common, known bad inputs and IP reputation groups, plus a per-IP rate limit) to the load balancer, with logging."
  type        = bool
  default     = true
  nullable    = false
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes one client IP may send before the WAF blocks it (until its rate falls again)."
  type        = number
  default     = 2000
  nullable    = false

  validation {
    condition     = var.waf_rate_limit >= 10 && var.waf_rate_limit <= 2000000000 && floor(var.waf_rate_limit) == var.waf_rate_limit
    error_message = "waf_rate_limit must be a whole number between 10 and 2000000000 (AWS WAF's limits)."
  }
}

variable "log_retention_days" {
  description = "Days the WAF log group keeps events."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' retention values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN for the WAF log group; null keeps CloudWatch Logs' own encryption. The key policy must allow logs.<region>.amazonaws.com."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}
