# Name and ARN are built from the same locals as the bucket, so they are known
# at plan time (callers use them in count conditions); depends_on makes every
# user wait for the delivery grants (an ALB checks that it may write when its
# access logs are switched on).

output "bucket_id" {
  description = "Name of the log bucket."
  value       = local.bucket_name
  depends_on  = [aws_s3_bucket.this, aws_s3_bucket_policy.this, aws_s3_bucket_ownership_controls.this]
}

output "bucket_arn" {
  description = "ARN of the log bucket."
  value       = local.bucket_arn
  depends_on  = [aws_s3_bucket.this, aws_s3_bucket_policy.this, aws_s3_bucket_ownership_controls.this]
}

output "alb_logs_prefix" {
  description = "Prefix (no slash) the ALB access logs may be written under."
  value       = var.alb_logs_prefix
}

output "flow_logs_prefix" {
  description = "Prefix (no slash) the VPC flow logs may be written under."
  value       = var.flow_logs_prefix
}

output "s3_access_logs_prefix" {
  description = "Prefix (ending in a slash) under which S3 server access logs may be written; the evidence bucket uses `<this>evidence/`."
  value       = var.s3_access_logs_prefix
}

output "policy_json" {
  description = "The bucket policy (TLS only and the log delivery grants)."
  value       = data.aws_iam_policy_document.this.json
}

output "force_destroy" {
  description = "Whether destroy may delete the bucket with its objects (never in prod)."
  value       = aws_s3_bucket.this.force_destroy
}
