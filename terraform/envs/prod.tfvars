# terraform plan -var-file=envs/prod.tfvars -var docker_image=<repo>:sha-<sha>
# docker_image is never written here: the deploy passes the commit's image.

name   = "action-tracker"
env    = "prod"
region = "eu-west-1"

vpc_cidr           = "10.20.0.0/16"
single_nat_gateway = false

db_instance_class   = "db.t4g.micro"
multi_az            = true
deletion_protection = true
apply_immediately   = false
skip_final_snapshot = false

log_retention_days = 30
enable_bastion     = false

github_repository = "example-org/action-tracker"

# Set to true when prod lives in its own account (dev's apply created the provider otherwise).
create_github_oidc_provider = false

# Uncomment with a real certificate to serve HTTPS (HTTP then redirects):
# certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
