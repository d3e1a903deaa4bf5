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
  description = "One shared NAT gateway (dev) instead of one per availability zone (prod)."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Load balancer
################################################################################

variable "certificate_arn" {
  description = "ACM certificate ARN; given, HTTP redirects to an HTTPS listener. Null serves HTTP only."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$", var.certificate_arn))
    error_message = "certificate_arn must be null or an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)."
  }
}

variable "access_logs_bucket" {
  description = "S3 bucket for ALB access logs; null turns them off."
  type        = string
  default     = null
}

variable "access_logs_prefix" {
  description = "Key prefix of the ALB access logs."
  type        = string
  default     = null
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
  description = "Run the database with a standby in the second availability zone."
  type        = bool
  default     = false
  nullable    = false
}

variable "deletion_protection" {
  description = "Refuse to delete the database."
  type        = bool
  default     = false
  nullable    = false
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

################################################################################
# Evidence bucket, logs and alarms
################################################################################

variable "evidence_kms_key_arn" {
  description = "KMS key ARN for the evidence bucket's default encryption; null keeps SSE-S3 (AES256). The app itself writes objects with EVIDENCE_SSE=AES256."
  type        = string
  default     = null
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

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic."
  type        = list(string)
  default     = []
  nullable    = false
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
# Delivery: GitHub OIDC, ECR, Terraform state
################################################################################

variable "github_repository" {
  description = "GitHub repository (`owner/name`) whose main branch and `<env>` environment may assume the deploy role."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be \"owner/name\"."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when another environment in the same account already did)."
  type        = bool
  default     = true
  nullable    = false
}

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

variable "state_bucket_name" {
  description = "Terraform state bucket (terraform/bootstrap); null means the bootstrap default `<name>-tfstate-<account id>`."
  type        = string
  default     = null
}

variable "lock_table_name" {
  description = "Terraform lock table (terraform/bootstrap); null means the bootstrap default `<name>-tfstate-lock`."
  type        = string
  default     = null
}

variable "deploy_role_additional_policy_arns" {
  description = "Extra managed policies for the deploy role, e.g. what a full `terraform apply` needs beyond the scoped deploy policy. AdministratorAccess is refused."
  type        = list(string)
  default     = []
  nullable    = false
}
