output "state_bucket_name" {
  description = "Name of the Terraform state bucket (`bucket` in envs/<env>.backend.hcl)."
  value       = aws_s3_bucket.this.id
}

output "state_bucket_arn" {
  description = "ARN of the Terraform state bucket."
  value       = aws_s3_bucket.this.arn
}

output "lock_table_name" {
  description = "Name of the DynamoDB lock table (`dynamodb_table` in envs/<env>.backend.hcl)."
  value       = aws_dynamodb_table.this.name
}

output "lock_table_arn" {
  description = "ARN of the DynamoDB lock table."
  value       = aws_dynamodb_table.this.arn
}

output "ecr_repository_url" {
  description = "URL of the image repository, or null when not created here."
  value       = try(aws_ecr_repository.this[0].repository_url, null)
}

output "region" {
  description = "Region of the state bucket and lock table (`region` in envs/<env>.backend.hcl)."
  value       = var.region
}
