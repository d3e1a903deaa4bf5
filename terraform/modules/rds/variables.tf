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
  description = "ID of the VPC of the database's security group."
  type        = string
  nullable    = false
}

variable "private_subnet_ids" {
  description = "Private subnets of the DB subnet group (two availability zones)."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "A DB subnet group needs subnets in at least two availability zones."
  }
}

variable "app_security_group_id" {
  description = "Security group of the app tasks: the only source allowed to reach PostgreSQL (tcp 5432)."
  type        = string
  nullable    = false
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
  nullable    = false

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must be an RDS instance class such as db.t4g.micro."
  }
}

variable "multi_az" {
  description = "Run a synchronous standby in the second availability zone (prod: true)."
  type        = bool
  default     = false
  nullable    = false
}

variable "deletion_protection" {
  description = "Refuse to delete the database instance (prod: true)."
  type        = bool
  default     = false
  nullable    = false
}

variable "apply_immediately" {
  description = "Apply modifications now instead of in the next maintenance window."
  type        = bool
  default     = false
  nullable    = false
}

variable "skip_final_snapshot" {
  description = "Delete without a final snapshot (only sensible for throwaway dev databases)."
  type        = bool
  default     = false
  nullable    = false
}

variable "iam_database_authentication" {
  description = "Also accept IAM database authentication tokens (`rds-db:connect`); the password in the master user secret keeps working."
  type        = bool
  default     = false
  nullable    = false
}

variable "master_user_secret_kms_key_id" {
  description = "KMS key (ARN or ID) for the RDS-managed master user secret; null uses the account's `aws/secretsmanager` key."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}
