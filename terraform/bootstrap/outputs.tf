output "state_bucket_name" {
  description = "Name of the Terraform state bucket (`bucket` in envs/<env>.backend.hcl)."
  value       = aws_s3_bucket.this.id
}

output "state_bucket_arn" {
  description = "ARN of the Terraform state bucket."
  value       = aws_s3_bucket.this.arn
}

output "state_keys" {
  description = "State key per environment (`key` in envs/<env>.backend.hcl); its Terraform role reaches only `<name>/<env>/`."
  value       = local.state_key
}

output "ecr_repository_url" {
  description = "URL of the image repository, or null when not created here (repository variable ECR_REPOSITORY is its name)."
  value       = try(aws_ecr_repository.this[0].repository_url, null)
}

output "github_oidc_provider_arn" {
  description = "ARN of the account's GitHub OIDC provider."
  value       = local.oidc_arn
}

output "image_publish_role_arn" {
  description = "Role of the deploy's publish job (variable AWS_ROLE_ARN of the GitHub environment `image`)."
  value       = aws_iam_role.publish.arn
}

output "terraform_role_arns" {
  description = "Terraform role per environment (variable AWS_ROLE_ARN of the GitHub environment `<env>`)."
  value       = { for env, role in aws_iam_role.terraform : env => role.arn }
}

output "prod_plan_role_arn" {
  description = "Read-only role of the prod plan (variable AWS_ROLE_ARN of the GitHub environment `prod-plan`), or null without prod."
  value       = try(aws_iam_role.plan[0].arn, null)
}

output "permissions_boundary_arns" {
  description = "Permissions boundary per environment (`permissions_boundary_arn` in envs/<env>.tfvars)."
  value       = { for env, policy in aws_iam_policy.boundary : env => policy.arn }
}

output "region" {
  description = "Region of the state bucket (`region` in envs/<env>.backend.hcl and the repository variable AWS_REGION)."
  value       = var.region
}
