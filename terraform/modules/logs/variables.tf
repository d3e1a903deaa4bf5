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

variable "region" {
  description = "AWS region of the stack (which ALB log delivery principal applies, and the flow logs' source ARN)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "log_bucket_retention_days" {
  description = "Days after which log objects (ALB, S3 access, VPC flow) expire."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.log_bucket_retention_days >= 1 && floor(var.log_bucket_retention_days) == var.log_bucket_retention_days
    error_message = "log_bucket_retention_days must be a whole number of days, at least 1."
  }
}

variable "alb_logs_prefix" {
  description = "Prefix (no leading or trailing slash) of the ALB access logs."
  type        = string
  default     = "alb"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9/_-]*[A-Za-z0-9_-]$", var.alb_logs_prefix)) && !strcontains(lower(var.alb_logs_prefix), "awslogs")
    error_message = "alb_logs_prefix must have no leading or trailing slash and must not contain AWSLogs."
  }
}

variable "flow_logs_prefix" {
  description = "Prefix (no leading or trailing slash) of the VPC flow logs."
  type        = string
  default     = "vpc-flow-logs"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9/_-]*[A-Za-z0-9_-]$", var.flow_logs_prefix))
    error_message = "flow_logs_prefix must have no leading or trailing slash."
  }
}

variable "s3_access_logs_prefix" {
  description = "Prefix (ending in a slash) of the S3 server access logs."
  type        = string
  default     = "s3/"
  nullable    = false

  validation {
    condition     = endswith(var.s3_access_logs_prefix, "/") && !startswith(var.s3_access_logs_prefix, "/")
    error_message = "s3_access_logs_prefix must end with a slash and not start with one."
  }
}

variable "force_destroy" {
  description = "Allow destroying the bucket while it still holds log objects (throwaway dev)."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}
