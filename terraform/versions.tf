terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }

  # Partial configuration: bucket, key, workspace_key_prefix, region and use_lockfile
  # come from envs/<env>.backend.hcl (terraform init -backend-config=envs/dev.backend.hcl).
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}
