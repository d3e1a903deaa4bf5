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
  description = "ARN of the evidence bucket: the task role may use its objects and list it, nothing else."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.evidence_bucket_arn))
    error_message = "evidence_bucket_arn must be an S3 bucket ARN (arn:aws:s3:::<bucket>)."
  }
}

variable "database_url_secret_arn" {
  description = "ARN of the Secrets Manager secret the execution role may read (DATABASE_URL)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.database_url_secret_arn))
    error_message = "database_url_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "oidc_client_secret_arn" {
  description = "ARN of the Secrets Manager secret or SSM SecureString parameter holding the OIDC client secret, which every plan reads (the deploy role may read it, nothing else)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+|ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+)$", var.oidc_client_secret_arn))
    error_message = "oidc_client_secret_arn must be a Secrets Manager secret ARN or an SSM parameter ARN."
  }
}

variable "github_repository" {
  description = "GitHub repository allowed to assume the deploy role, as `owner/name`."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be \"owner/name\"."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider; false looks up the existing one (it exists once per account, so only one environment per account creates it)."
  type        = bool
  default     = true
  nullable    = false
}

variable "ecr_repository_arn" {
  description = "ARN of the one ECR repository the deploy role may push to."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[a-z0-9._/-]+$", var.ecr_repository_arn))
    error_message = "ecr_repository_arn must be an ECR repository ARN."
  }
}

variable "ecs_cluster_arn" {
  description = "ARN of the ECS cluster the deploy role may describe."
  type        = string
  nullable    = false
}

variable "ecs_service_arn" {
  description = "ARN of the ECS service the deploy role may update."
  type        = string
  nullable    = false
}

variable "state_bucket_name" {
  description = "Terraform state bucket the deploy role may read and write (from terraform/bootstrap)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be an S3 bucket name."
  }
}

variable "lock_table_name" {
  description = "DynamoDB Terraform lock table the deploy role may use (from terraform/bootstrap)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.lock_table_name))
    error_message = "lock_table_name must be a DynamoDB table name."
  }
}

variable "deploy_role_additional_policy_arns" {
  description = "Extra managed policies for the deploy role (e.g. what `terraform apply` of the whole stack needs). AdministratorAccess is refused."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.deploy_role_additional_policy_arns : !endswith(arn, "/AdministratorAccess") && !endswith(arn, "/PowerUserAccess")])
    error_message = "The deploy role must not get AdministratorAccess or PowerUserAccess."
  }
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}
