terraform {
  # S3-native state locking (`use_lockfile`) in the environments' backends needs 1.10.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }

  # The bootstrap keeps its own (small) state locally: it creates the remote state's home
  # and the roles that may use it.
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge({
      Project   = var.name
      ManagedBy = "terraform"
      Component = "bootstrap"
    }, var.tags)
  }
}
