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
  description = "ACM certificate ARN for the HTTPS listener; null serves plain HTTP only (no redirect, no 443 listener)."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$", var.certificate_arn))
    error_message = "certificate_arn must be null or an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)."
  }
}

variable "access_logs_bucket" {
  description = "S3 bucket for ALB access logs; null turns access logging off. The bucket policy must allow the regional ELB log delivery."
  type        = string
  default     = null
}

variable "access_logs_prefix" {
  description = "Key prefix of the access logs inside `access_logs_bucket`."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}
