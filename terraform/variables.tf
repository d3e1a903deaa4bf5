################################################################################
# Naming and placement
################################################################################

variable "name" {
  description = "Name prefix for every resource."
  type        = string
  default     = "action-tracker"
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
  description = "AWS region of the stack."
  type        = string
  default     = "eu-west-1"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "tags" {
  description = "Extra tags for every resource (merged over Project, Environment and ManagedBy)."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Network
################################################################################

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
  description = "The two availability zones; null picks the first two available in the region."
  type        = list(string)
  default     = null
}

variable "public_subnet_cidrs" {
  description = "CIDR blocks of the two public subnets."
  type        = list(string)
  default     = ["10.20.0.0/24", "10.20.1.0/24"]
  nullable    = false
}

variable "private_subnet_cidrs" {
  description = "CIDR blocks of the two private subnets."
  type        = list(string)
  default     = ["10.20.10.0/24", "10.20.11.0/24"]
  nullable    = false
}

variable "single_nat_gateway" {
  description = "One shared NAT gateway (dev) instead of one per availability zone (prod: a zone's outage must not cut the other zone's tasks off)."
  type        = bool
  default     = true
  nullable    = false

  validation {
    condition     = !(var.env == "prod" && var.single_nat_gateway)
    error_message = "prod runs one NAT gateway per availability zone: single_nat_gateway must be false when env is prod."
  }
}

variable "enable_flow_logs" {
  description = "VPC flow logs (all traffic) to the log bucket, under vpc-flow-logs/."
  type        = bool
  default     = true
  nullable    = false
}

variable "enable_interface_endpoints" {
  description = "Interface endpoints for ecr.api, ecr.dkr, logs and secretsmanager in the private subnets (an S3 gateway endpoint exists regardless). Tasks still need the NAT for the ALB's OIDC signing keys (terraform/modules/vpc README)."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Load balancer
################################################################################

variable "certificate_arn" {
  description = "ACM certificate ARN of the HTTPS listener (the app's host name). Required: browsers sign in through the ALB's OIDC action, which runs on HTTPS listeners only; HTTP redirects to HTTPS."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>): OIDC sign-in at the load balancer needs an HTTPS listener, so there is no HTTP-only deployment."
  }
}

variable "alb_access_logs_enabled" {
  description = "ALB access logs to the log bucket, under alb/; null means on in prod and off in dev. Prod cannot turn them off."
  type        = bool
  default     = null

  validation {
    condition     = !(var.env == "prod" && var.alb_access_logs_enabled == false)
    error_message = "prod keeps ALB access logs: alb_access_logs_enabled cannot be false when env is prod."
  }
}

variable "enable_waf" {
  description = "WAFv2 web ACL on the ALB (AWS managed common, known bad inputs and IP reputation groups, a per-IP rate limit), logged to CloudWatch. Prod cannot turn it off."
  type        = bool
  default     = true
  nullable    = false

  validation {
    condition     = var.enable_waf || var.env != "prod"
    error_message = "prod keeps the WAF: enable_waf cannot be false when env is prod."
  }
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes one client IP may send before the WAF blocks it."
  type        = number
  default     = 2000
  nullable    = false

  validation {
    condition     = var.waf_rate_limit >= 10 && var.waf_rate_limit <= 2000000000 && floor(var.waf_rate_limit) == var.waf_rate_limit
    error_message = "waf_rate_limit must be a whole number between 10 and 2000000000 (AWS WAF's limits)."
  }
}

################################################################################
# Sign-in: the ALB's OIDC action, and how the app maps the signed claims
################################################################################

variable "oidc_issuer" {
  description = "OIDC issuer of the identity provider (`issuer` in its /.well-known/openid-configuration)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^https://[^\\s/]+", var.oidc_issuer))
    error_message = "oidc_issuer must be an https:// URL."
  }
}

variable "oidc_authorization_endpoint" {
  description = "Authorization endpoint of the identity provider (`authorization_endpoint`)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^https://[^\\s/]+", var.oidc_authorization_endpoint))
    error_message = "oidc_authorization_endpoint must be an https:// URL."
  }
}

variable "oidc_token_endpoint" {
  description = "Token endpoint of the identity provider (`token_endpoint`)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^https://[^\\s/]+", var.oidc_token_endpoint))
    error_message = "oidc_token_endpoint must be an https:// URL."
  }
}

variable "oidc_user_info_endpoint" {
  description = "User info endpoint of the identity provider (`userinfo_endpoint`): the user and groups claims must come back from it."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^https://[^\\s/]+", var.oidc_user_info_endpoint))
    error_message = "oidc_user_info_endpoint must be an https:// URL."
  }
}

variable "oidc_client_id" {
  description = "Client id of the app registered with the identity provider (callback URL https://<host>/oauth2/idpresponse)."
  type        = string
  nullable    = false

  validation {
    condition     = length(trimspace(var.oidc_client_id)) > 0
    error_message = "oidc_client_id must not be empty."
  }
}

variable "oidc_client_secret_arn" {
  description = "ARN of the Secrets Manager secret (plain SecretString) or SSM SecureString parameter that holds the client secret. The secret itself is never a variable."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+|ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+)$", var.oidc_client_secret_arn))
    error_message = "oidc_client_secret_arn must be the ARN of a Secrets Manager secret or an SSM parameter holding the client secret, not the secret itself."
  }
}

variable "oidc_scope" {
  description = "Scopes the ALB asks for, space-separated: openid, plus what puts the user and groups claims in the user info response."
  type        = string
  default     = "openid email"
  nullable    = false

  validation {
    condition     = contains(split(" ", var.oidc_scope), "openid")
    error_message = "oidc_scope must include openid."
  }
}

variable "oidc_session_timeout" {
  description = "Seconds a browser sign-in lasts at the ALB (a changed group, hence role, applies from the next sign-in)."
  type        = number
  default     = 28800
  nullable    = false

  validation {
    condition     = var.oidc_session_timeout >= 60 && var.oidc_session_timeout <= 604800
    error_message = "oidc_session_timeout must be between 60 seconds and 7 days (604800)."
  }
}

variable "oidc_user_claim" {
  description = "Claim that names the user (the app's OIDC_USER_CLAIM)."
  type        = string
  default     = "email"
  nullable    = false

  validation {
    condition     = length(trimspace(var.oidc_user_claim)) > 0
    error_message = "oidc_user_claim must not be empty."
  }
}

variable "oidc_groups_claim" {
  description = "Claim that lists the user's groups (the app's OIDC_GROUPS_CLAIM): a JSON array or a comma-separated string; `email` maps people one by one."
  type        = string
  default     = "groups"
  nullable    = false

  validation {
    condition     = length(trimspace(var.oidc_groups_claim)) > 0
    error_message = "oidc_groups_claim must not be empty."
  }
}

variable "oidc_role_map" {
  description = "Groups to roles (the app's OIDC_ROLE_MAP), e.g. `sre-admins=admin,sre-leads=lead,sre=member`; the highest match wins. At least one group maps to admin: admins create the API tokens."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^\\s*[^=,\\s]+\\s*=\\s*(viewer|member|lead|admin)\\s*(,\\s*[^=,\\s]+\\s*=\\s*(viewer|member|lead|admin)\\s*)*$", var.oidc_role_map))
    error_message = "oidc_role_map must be group=role pairs separated by commas, each role viewer, member, lead or admin."
  }

  validation {
    condition     = can(regex("=\\s*admin\\s*(,|$)", var.oidc_role_map))
    error_message = "oidc_role_map must map at least one group to admin: only an admin can create API tokens and delete actions."
  }
}

variable "oidc_default_role" {
  description = "Role of a signed-in user whom no group maps (the app's OIDC_DEFAULT_ROLE); `none` (the deployment's default) answers 403, so signing in to the IdP alone grants nothing."
  type        = string
  default     = "none"
  nullable    = false

  validation {
    condition     = contains(["viewer", "member", "lead", "admin", "none"], var.oidc_default_role)
    error_message = "oidc_default_role must be viewer, member, lead, admin or none."
  }
}

################################################################################
# Service
################################################################################

variable "docker_image" {
  description = "Image to run, tagged with the commit (`<repo>:sha-<sha>`) or pinned by digest. Never `:latest`."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[^:@\\s]+(:[0-9]+)?(/[^:@\\s]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$", var.docker_image)) && can(regex("(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$", var.docker_image)) && !endswith(var.docker_image, ":latest")
    error_message = "docker_image must carry an explicit tag or sha256 digest, and the tag must not be `latest`."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the tasks: X86_64 (the image's default) or ARM64."
  type        = string
  default     = "X86_64"
  nullable    = false
}

variable "task_cpu" {
  description = "Fargate task CPU units."
  type        = number
  default     = 512
  nullable    = false
}

variable "task_memory" {
  description = "Fargate task memory (MiB)."
  type        = number
  default     = 1024
  nullable    = false
}

variable "desired_count" {
  description = "Tasks started with the service."
  type        = number
  default     = 2
  nullable    = false
}

variable "autoscaling_min_capacity" {
  description = "Fewest tasks autoscaling keeps."
  type        = number
  default     = 2
  nullable    = false
}

variable "autoscaling_max_capacity" {
  description = "Most tasks autoscaling may run."
  type        = number
  default     = 6
  nullable    = false
}

variable "use_fargate_spot" {
  description = "Run every task after the first on Fargate Spot (dev: cheaper, tasks may be interrupted). Prod cannot use it."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = !(var.env == "prod" && var.use_fargate_spot)
    error_message = "prod runs on on-demand Fargate only: use_fargate_spot cannot be true when env is prod."
  }
}

variable "evidence_reconcile_schedule" {
  description = "EventBridge schedule of the evidence reconcile (report only, as a one-off task of the service's task definition), e.g. rate(1 day) or cron(0 5 * * ? *); null turns it off."
  type        = string
  default     = "rate(1 day)"

  validation {
    condition     = var.evidence_reconcile_schedule == null || can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.evidence_reconcile_schedule))
    error_message = "evidence_reconcile_schedule must be null, rate(<n> <unit>) or cron(<expression>)."
  }
}

variable "probe_schedule" {
  description = "EventBridge schedule of the host probe rounds, e.g. rate(5 minutes) or cron(0/5 * * * ? *): each fire runs `node dist/probe-round.mjs` as a one-off task of the service's task definition, and the tasks get PROBE_INTERVAL_S=0 (no in-process rounds). null (the default) leaves the rounds to the tasks themselves: every PROBE_INTERVAL_S (300 s) each task offers one, and the lease in PostgreSQL lets one run at a time."
  type        = string
  default     = null

  validation {
    condition     = var.probe_schedule == null || can(regex("^(rate\\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\\)|cron\\(\\S+( \\S+){5}\\))$", var.probe_schedule))
    error_message = "probe_schedule must be null, rate(1 minute|hour|day), rate(<n> minutes|hours|days) with n >= 2, or cron(<six fields>)."
  }
}

################################################################################
# Database
################################################################################

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
  nullable    = false
}

variable "multi_az" {
  description = "Run the database with a standby in the second availability zone. Prod cannot turn it off."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = var.multi_az || var.env != "prod"
    error_message = "prod runs the database with a standby: multi_az must be true when env is prod."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the database. Prod cannot turn it off."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = var.deletion_protection || var.env != "prod"
    error_message = "prod's database keeps deletion protection: deletion_protection must be true when env is prod."
  }
}

variable "apply_immediately" {
  description = "Apply database modifications now instead of in the maintenance window."
  type        = bool
  default     = false
  nullable    = false
}

variable "skip_final_snapshot" {
  description = "Destroy the database without a final snapshot (throwaway dev only)."
  type        = bool
  default     = false
  nullable    = false
}

variable "db_iam_authentication" {
  description = "Also accept IAM database authentication (rds-db:connect tokens) besides the RDS-managed master password."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Evidence bucket, logs and alarms
################################################################################

variable "evidence_kms_key_arn" {
  description = "KMS key ARN for the evidence bucket (default encryption with bucket keys; the app writes EVIDENCE_SSE=aws:kms with EVIDENCE_KMS_KEY_ID = this key; the task role gets GenerateDataKey/Decrypt on it); null keeps SSE-S3 (AES256). The key policy must let the account's IAM grant it."
  type        = string
  default     = null

  validation {
    condition     = var.evidence_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.evidence_kms_key_arn))
    error_message = "evidence_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>; not an alias: IAM grants name the key)."
  }
}

variable "evidence_force_destroy" {
  description = "Let destroy delete the evidence and log buckets with their objects (teardown of a throwaway dev: apply with it true, then destroy). Prod cannot set it."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = !(var.env == "prod" && var.evidence_force_destroy)
    error_message = "prod keeps its evidence: evidence_force_destroy cannot be true when env is prod."
  }
}

variable "app_origins" {
  description = "Origins of the app's pages (e.g. [\"https://tracker-dev.example.com\"]), allowed by the evidence bucket's CORS rule for direct uploads; empty means no CORS configuration."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for o in var.app_origins : can(regex("^https://[^/\\s*]+$", o))])
    error_message = "app_origins must be https:// origins without a path or trailing slash, e.g. https://tracker.example.com."
  }
}

variable "log_bucket_retention_days" {
  description = "Days the log bucket keeps ALB access logs, VPC flow logs and S3 server access logs."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.log_bucket_retention_days >= 1 && floor(var.log_bucket_retention_days) == var.log_bucket_retention_days
    error_message = "log_bucket_retention_days must be a whole number of days, at least 1."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN for the application log group; null uses CloudWatch Logs' own encryption. The key policy must allow logs.<region>.amazonaws.com."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be null or a KMS key ARN."
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

  validation {
    condition     = var.env != "prod" || var.log_retention_days >= 30
    error_message = "prod keeps application logs at least 30 days: log_retention_days must be >= 30 when env is prod."
  }
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic (set per environment in envs/<env>.tfvars; each must confirm its subscription)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_emails must be e-mail addresses."
  }
}

################################################################################
# Bastion
################################################################################

variable "enable_bastion" {
  description = "Create an SSM Session Manager bastion in a private subnet (no inbound rules)."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# IAM
################################################################################

variable "permissions_boundary_arn" {
  description = "Permissions boundary set on every IAM role this stack creates (the bootstrap's output permissions_boundary_arns[env]); null sets none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be null or an IAM managed policy ARN."
  }
}

################################################################################
# Delivery: ECR (the CI roles, the GitHub OIDC provider and the state bucket
# are terraform/bootstrap's)
################################################################################

variable "ecr_repository_name" {
  description = "ECR repository of the image (created by terraform/bootstrap, shared by the environments)."
  type        = string
  default     = "action-tracker"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]+([._/-][a-z0-9]+)*$", var.ecr_repository_name))
    error_message = "ecr_repository_name must be an ECR repository name."
  }
}
