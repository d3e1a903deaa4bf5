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

variable "kms_key_arn" {
  description = "KMS key ARN for SSE-KMS default encryption; null uses SSE-S3 (AES256)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key or alias ARN."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which a noncurrent (overwritten or deleted) object version is removed."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which an unfinished multipart upload is aborted and its parts removed."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "abort_incomplete_multipart_upload_days must be at least 1."
  }
}

variable "force_destroy" {
  description = "Allow destroying the bucket while it still holds objects (evidence is lost)."
  type        = bool
  default     = false
  nullable    = false
}

variable "access_logs_bucket" {
  description = "Bucket (name) that receives the server access logs; null turns them off."
  type        = string
  default     = null
}

variable "access_logs_prefix" {
  description = "Key prefix of the server access logs in access_logs_bucket."
  type        = string
  default     = "s3/evidence/"
  nullable    = false

  validation {
    condition     = endswith(var.access_logs_prefix, "/")
    error_message = "access_logs_prefix must end with a slash."
  }
}

variable "cors_allowed_origins" {
  description = "Origins (scheme://host[:port], no path) of the pages that upload evidence directly; empty means no CORS configuration."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for o in var.cors_allowed_origins : can(regex("^https?://[^/\\s*]+$", o))])
    error_message = "cors_allowed_origins must be origins such as https://tracker.example.com (no path, no trailing slash, no wildcard)."
  }
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}
