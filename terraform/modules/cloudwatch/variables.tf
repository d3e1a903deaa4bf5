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

variable "log_retention_days" {
  description = "Days the application log group keeps events."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' retention values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN to encrypt the log group with; null uses CloudWatch Logs' own encryption. The key policy must allow `logs.<region>.amazonaws.com` (kms:Encrypt*, Decrypt*, ReEncrypt*, GenerateDataKey*, Describe*) with an `kms:EncryptionContext:aws:logs:arn` condition."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "alarm_topic_kms_key_id" {
  description = "KMS key (ID, ARN or alias) for the alarm topic; null leaves it unencrypted. A customer managed key must let cloudwatch.amazonaws.com use it."
  type        = string
  default     = null
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm the subscription)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_emails must be e-mail addresses."
  }
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (dimension `LoadBalancer`)."
  type        = string
  nullable    = false
}

variable "target_group_arn_suffix" {
  description = "ARN suffix of the app target group (dimension `TargetGroup`)."
  type        = string
  nullable    = false
}

variable "ecs_cluster_name" {
  description = "Name of the ECS cluster (dimension `ClusterName`)."
  type        = string
  nullable    = false
}

variable "ecs_service_name" {
  description = "Name of the ECS service (dimension `ServiceName`)."
  type        = string
  nullable    = false
}

variable "db_instance_identifier" {
  description = "Identifier of the RDS instance (dimension `DBInstanceIdentifier`)."
  type        = string
  nullable    = false
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}
