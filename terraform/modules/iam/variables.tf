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

variable "evidence_bucket_arn" {
  description = "ARN of the evidence bucket: the task role may use its objects and list it."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.evidence_bucket_arn))
    error_message = "evidence_bucket_arn must be an S3 bucket ARN (arn:aws:s3:::<bucket>)."
  }
}

variable "database_password_secret_arn" {
  description = "ARN of the RDS-managed master user secret the task role may read (the app's DATABASE_PASSWORD_SECRET_ARN)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.database_password_secret_arn))
    error_message = "database_password_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "evidence_kms_key_arn" {
  description = "KMS key of the evidence bucket; set, the task role may GenerateDataKey and Decrypt with it. null: SSE-S3, no KMS permission."
  type        = string
  default     = null

  validation {
    condition     = var.evidence_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.evidence_kms_key_arn))
    error_message = "evidence_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "db_connect_arn" {
  description = "With IAM database authentication: the `rds-db:connect` resource (arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>); null grants none."
  type        = string
  default     = null

  validation {
    condition     = var.db_connect_arn == null || can(regex("^arn:aws[a-z-]*:rds-db:[a-z0-9-]+:[0-9]{12}:dbuser:[^/]+/.+$", var.db_connect_arn))
    error_message = "db_connect_arn must be null or an rds-db:connect ARN (arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>)."
  }
}

variable "permissions_boundary" {
  description = "ARN of the permissions boundary both roles carry (terraform/bootstrap's `permissions_boundary_arns[env]`: the env's Terraform role may create roles only with it); null: none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary))
    error_message = "permissions_boundary must be null or an IAM policy ARN."
  }
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}
