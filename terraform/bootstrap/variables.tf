variable "name" {
  description = "Name prefix (the root module's `name`)."
  type        = string
  default     = "action-tracker"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name))
    error_message = "name must be 3-24 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "region" {
  description = "AWS region of the state bucket, lock table and ECR repository."
  type        = string
  default     = "eu-west-1"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "state_bucket_name" {
  description = "Name of the Terraform state bucket; null means `<name>-tfstate-<account id>`."
  type        = string
  default     = null

  validation {
    condition     = var.state_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be null or an S3 bucket name."
  }
}

variable "lock_table_name" {
  description = "Name of the DynamoDB lock table; null means `<name>-tfstate-lock`."
  type        = string
  default     = null

  validation {
    condition     = var.lock_table_name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.lock_table_name))
    error_message = "lock_table_name must be null or a DynamoDB table name."
  }
}

variable "create_ecr_repository" {
  description = "Create the image repository shared by the environments (it must exist before the first deploy pushes)."
  type        = bool
  default     = true
  nullable    = false
}

variable "ecr_repository_name" {
  description = "Name of the ECR repository (the root module's `ecr_repository_name`)."
  type        = string
  default     = "action-tracker"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]+([._/-][a-z0-9]+)*$", var.ecr_repository_name))
    error_message = "ecr_repository_name must be an ECR repository name."
  }
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
