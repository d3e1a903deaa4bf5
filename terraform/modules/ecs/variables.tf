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

variable "region" {
  description = "AWS region (the awslogs region and the container's AWS_REGION)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "docker_image" {
  description = "Container image with an immutable tag or digest, e.g. `<account>.dkr.ecr.<region>.amazonaws.com/action-tracker:sha-<sha>`. Never `:latest`."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[^:@\\s]+(:[0-9]+)?(/[^:@\\s]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$", var.docker_image)) && can(regex("(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$", var.docker_image)) && !endswith(var.docker_image, ":latest")
    error_message = "docker_image must carry an explicit tag or sha256 digest, and the tag must not be `latest`."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the Fargate task: X86_64 (the image's default linux/amd64) or ARM64."
  type        = string
  default     = "X86_64"
  nullable    = false

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "task_cpu" {
  description = "Fargate task CPU units."
  type        = number
  default     = 512
  nullable    = false

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.task_cpu)
    error_message = "task_cpu must be a Fargate CPU size (256, 512, 1024, 2048, 4096, 8192, 16384)."
  }
}

variable "task_memory" {
  description = "Fargate task memory in MiB (must be a valid combination with task_cpu)."
  type        = number
  default     = 1024
  nullable    = false

  validation {
    condition     = var.task_memory >= 512 && var.task_memory <= 122880
    error_message = "task_memory must be between 512 and 122880 MiB."
  }
}

variable "desired_count" {
  description = "Tasks started with the service (autoscaling owns the count afterwards)."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.desired_count >= 1
    error_message = "desired_count must be at least 1."
  }
}

variable "autoscaling_min_capacity" {
  description = "Fewest tasks autoscaling keeps running."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.autoscaling_min_capacity >= 1
    error_message = "autoscaling_min_capacity must be at least 1."
  }
}

variable "autoscaling_max_capacity" {
  description = "Most tasks autoscaling may run."
  type        = number
  default     = 6
  nullable    = false

  validation {
    condition     = var.autoscaling_max_capacity >= 1
    error_message = "autoscaling_max_capacity must be at least 1."
  }
}

variable "vpc_id" {
  description = "ID of the VPC of the service's security group."
  type        = string
  nullable    = false
}

variable "private_subnet_ids" {
  description = "Private subnets the tasks run in (no public IP)."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "Give at least two private subnets (two availability zones)."
  }
}

variable "alb_security_group_id" {
  description = "Security group of the load balancer: the only source allowed to reach the tasks (tcp 8080)."
  type        = string
  nullable    = false
}

variable "target_group_arn" {
  description = "ARN of the load balancer target group the service registers its tasks in."
  type        = string
  nullable    = false
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (for the ALBRequestCountPerTarget scaling metric)."
  type        = string
  nullable    = false
}

variable "target_group_arn_suffix" {
  description = "ARN suffix of the target group (for the ALBRequestCountPerTarget scaling metric)."
  type        = string
  nullable    = false
}

variable "execution_role_arn" {
  description = "ARN of the task execution role (pulls the image, writes logs)."
  type        = string
  nullable    = false
}

variable "task_role_arn" {
  description = "ARN of the task role (the application's own AWS permissions)."
  type        = string
  nullable    = false
}

variable "log_group_name" {
  description = "CloudWatch log group the awslogs driver writes to."
  type        = string
  nullable    = false
}

variable "evidence_bucket_name" {
  description = "Name of the evidence bucket (EVIDENCE_BUCKET)."
  type        = string
  nullable    = false
}

variable "database_url" {
  description = "postgres:// URL of the database without a password (DATABASE_URL); the app adds the password from database_password_secret_arn."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^postgres(ql)?://[^:@/\\s]+@", var.database_url))
    error_message = "database_url must be a postgres:// URL with a user and no password (postgres://user@host:port/db)."
  }
}

variable "database_password_secret_arn" {
  description = "ARN of the RDS-managed master user secret (DATABASE_PASSWORD_SECRET_ARN): the app reads the password from it at connect time, so a rotation needs no restart."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.database_password_secret_arn))
    error_message = "database_password_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "evidence_kms_key_arn" {
  description = "KMS key ARN of the evidence bucket (EVIDENCE_KMS_KEY_ID, with EVIDENCE_SSE=aws:kms); null means SSE-S3 (EVIDENCE_SSE=AES256)."
  type        = string
  default     = null

  validation {
    condition     = var.evidence_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.evidence_kms_key_arn))
    error_message = "evidence_kms_key_arn must be null or a KMS key ARN (not an alias: the task role's grant names the key)."
  }
}

variable "use_fargate_spot" {
  description = "Run every task after the first on Fargate Spot (cheaper; tasks may be interrupted with 2 minutes' notice). For dev."
  type        = bool
  default     = false
  nullable    = false
}

variable "evidence_reconcile_schedule" {
  description = "EventBridge schedule of the evidence reconcile task (report only), e.g. `rate(1 day)` or `cron(0 5 * * ? *)`; null turns it off."
  type        = string
  default     = "rate(1 day)"

  validation {
    condition     = var.evidence_reconcile_schedule == null || can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.evidence_reconcile_schedule))
    error_message = "evidence_reconcile_schedule must be null, rate(N unit) or cron(...)."
  }
}

variable "probe_schedule" {
  description = "EventBridge schedule of the probe round task (`node dist/probe-round.mjs`), e.g. `rate(5 minutes)` or `cron(0/5 * * * ? *)`; it also sets PROBE_INTERVAL_S=0 so the tasks stop offering rounds themselves. null (the default) leaves the rounds to the tasks' in-process schedule (PROBE_INTERVAL_S unset, the app's default)."
  type        = string
  default     = null

  validation {
    condition     = var.probe_schedule == null || can(regex("^(rate\\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\\)|cron\\(\\S+( \\S+){5}\\))$", var.probe_schedule))
    error_message = "probe_schedule must be null, rate(1 minute|hour|day), rate(<n> minutes|hours|days) with n >= 2, or cron(<six fields>)."
  }
}

variable "permissions_boundary" {
  description = "ARN of the permissions boundary set on the IAM roles this module creates (the events roles of the reconcile and probe schedules); null sets none."
  type        = string
  default     = null
}

variable "alb_arn" {
  description = "ARN of the load balancer in front (ALB_OIDC_SIGNER_ARN): the tasks accept only OIDC data this load balancer signed."
  type        = string
  nullable    = false
}

variable "oidc_user_claim" {
  description = "Claim of the signed user info that names the user (OIDC_USER_CLAIM)."
  type        = string
  default     = "email"
  nullable    = false
}

variable "oidc_groups_claim" {
  description = "Claim of the signed user info that lists the user's groups (OIDC_GROUPS_CLAIM)."
  type        = string
  default     = "groups"
  nullable    = false
}

variable "oidc_role_map" {
  description = "Groups to roles (OIDC_ROLE_MAP), e.g. `sre-admins=admin,sre=member`; the highest match wins."
  type        = string
  nullable    = false
}

variable "oidc_default_role" {
  description = "Role of a signed-in user whom no group maps (OIDC_DEFAULT_ROLE): viewer, member, lead, admin, or none (403)."
  type        = string
  default     = "none"
  nullable    = false

  validation {
    condition     = contains(["viewer", "member", "lead", "admin", "none"], var.oidc_default_role)
    error_message = "oidc_default_role must be viewer, member, lead, admin or none."
  }
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}
