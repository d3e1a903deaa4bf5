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


variable "enable_bastion" {
  description = "Create the bastion host (off by default). Access is through SSM Session Manager only."
  type        = bool
  default     = false
  nullable    = false
}

variable "vpc_id" {
  description = "ID of the VPC of the bastion's security group."
  type        = string
  nullable    = false
}

variable "subnet_id" {
  description = "Private subnet the bastion runs in (it reaches SSM through the NAT gateway)."
  type        = string
  nullable    = false
}

variable "instance_type" {
  description = "EC2 instance type (arm64, to match the Amazon Linux 2023 arm64 image)."
  type        = string
  default     = "t4g.nano"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][0-9]+g[a-z]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be a Graviton (arm64) type such as t4g.nano."
  }
}

variable "ami_ssm_parameter" {
  description = "Public SSM parameter naming the Amazon Linux 2023 arm64 AMI."
  type        = string
  default     = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
  nullable    = false
}

variable "permissions_boundary" {
  description = "ARN of the permissions boundary set on the bastion's IAM role; null sets none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}
