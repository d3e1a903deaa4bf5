terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }

  # The bootstrap keeps its own (small) state locally: it creates the remote state's home.
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
