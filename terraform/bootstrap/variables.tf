variable "name" {
  description = "Name prefix (the root module's `name`): state keys, roles and env resources are scoped by it."
  type        = string
  default     = "action-tracker"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name))
    error_message = "name must be 3-24 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "region" {
  description = "AWS region of the state bucket, the ECR repository and the environments' stacks (the Terraform roles act in this region only)."
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

variable "github_repository" {
  description = "GitHub repository (`owner/name`) whose environments may assume the CI roles."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be \"owner/name\"."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (one per account); false looks up the existing one."
  type        = bool
  default     = true
  nullable    = false
}

variable "environments" {
  description = "Environments that get a Terraform role and a permissions boundary; \"prod\" also gets the read-only prod-plan role."
  type        = list(string)
  default     = ["dev", "prod"]
  nullable    = false

  validation {
    condition     = length(var.environments) > 0 && alltrue([for env in var.environments : contains(["dev", "prod"], env)]) && length(distinct(var.environments)) == length(var.environments)
    error_message = "environments must be a non-empty list of distinct values out of \"dev\" and \"prod\" (the root module's env)."
  }
}

variable "kms_key_arns" {
  description = "Per environment, the KMS key of the evidence bucket (the root's `evidence_kms_key_arn`), if any: its Terraform role may describe it and its boundary lets the task role use it. No key, no KMS permission."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for env, arn in var.kms_key_arns : contains(var.environments, env) && can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", arn))])
    error_message = "kms_key_arns maps environments of `environments` to KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "max_session_duration" {
  description = "Longest session (seconds) of the CI roles: a prod apply that replaces the database may take most of an hour."
  type        = number
  default     = 3600
  nullable    = false

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
