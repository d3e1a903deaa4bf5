# terraform plan -var-file=envs/dev.tfvars -var docker_image=<repo>:sha-<sha>
# docker_image is never written here: the deploy passes the commit's image.

name   = "action-tracker"
env    = "dev"
region = "eu-west-1"

vpc_cidr           = "10.20.0.0/16"
single_nat_gateway = true

db_instance_class   = "db.t4g.micro"
multi_az            = false
deletion_protection = false
apply_immediately   = false
skip_final_snapshot = true

log_retention_days = 30
enable_bastion     = false

github_repository = "example-org/action-tracker"

# The GitHub OIDC provider exists once per account: dev creates it.
create_github_oidc_provider = true
