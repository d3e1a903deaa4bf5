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

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.20.0.0/16"
  nullable    = false

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr)) && try(cidrhost(var.vpc_cidr, 0) == split("/", var.vpc_cidr)[0], false)
    error_message = "vpc_cidr must be a valid IPv4 network CIDR such as 10.20.0.0/16."
  }
}

variable "availability_zones" {
  description = "The two availability zones to use; null picks the first two available in the region."
  type        = list(string)
  default     = null

  validation {
    condition     = var.availability_zones == null || try(length(var.availability_zones) == 2, false)
    error_message = "availability_zones must be null or exactly two zone names."
  }
}

variable "public_subnet_cidrs" {
  description = "CIDR blocks of the two public subnets (ALB, NAT gateways), one per availability zone."
  type        = list(string)
  default     = ["10.20.0.0/24", "10.20.1.0/24"]
  nullable    = false

  validation {
    condition     = length(var.public_subnet_cidrs) == 2 && alltrue([for c in var.public_subnet_cidrs : can(cidrnetmask(c))])
    error_message = "public_subnet_cidrs must be two valid IPv4 CIDR blocks."
  }
}

variable "private_subnet_cidrs" {
  description = "CIDR blocks of the two private subnets (ECS tasks, RDS, bastion), one per availability zone."
  type        = list(string)
  default     = ["10.20.10.0/24", "10.20.11.0/24"]
  nullable    = false

  validation {
    condition     = length(var.private_subnet_cidrs) == 2 && alltrue([for c in var.private_subnet_cidrs : can(cidrnetmask(c))])
    error_message = "private_subnet_cidrs must be two valid IPv4 CIDR blocks."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway shared by both private subnets (cheaper, dev) instead of one per availability zone (prod)."
  type        = bool
  default     = true
  nullable    = false
}

variable "region" {
  description = "AWS region of the VPC: names the endpoint services (com.amazonaws.<region>.<service>)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "enable_flow_logs" {
  description = "Record the VPC's flow logs (all traffic, 10-minute aggregation) to `flow_logs_bucket_arn`."
  type        = bool
  default     = true
  nullable    = false
}

variable "flow_logs_bucket_arn" {
  description = "ARN of the S3 bucket for the flow logs (its policy must allow delivery.logs.amazonaws.com); they land under <flow_logs_prefix>/AWSLogs/<account>/vpcflowlogs/. Required when `enable_flow_logs`."
  type        = string
  default     = null

  validation {
    condition     = !var.enable_flow_logs || var.flow_logs_bucket_arn != null
    error_message = "flow_logs_bucket_arn must be set when enable_flow_logs is true."
  }
}

variable "flow_logs_prefix" {
  description = "Key prefix of the flow logs inside the bucket, without slashes at either end (the log bucket's grant is for <prefix>/AWSLogs/<account>/)."
  type        = string
  default     = "vpc-flow-logs"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9/_-]*[A-Za-z0-9_-]$", var.flow_logs_prefix))
    error_message = "flow_logs_prefix must have no leading or trailing slash."
  }
}

variable "enable_interface_endpoints" {
  description = "Interface endpoints (private DNS) for what the tasks call: ecr.api, ecr.dkr (image pulls), logs (awslogs driver) and secretsmanager (the database password). Costs per endpoint, AZ and hour; the S3 gateway endpoint exists regardless."
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
