output "bucket_name" {
  description = "Name of the evidence bucket (EVIDENCE_BUCKET)."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the evidence bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the evidence bucket."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "sse_algorithm" {
  description = "Default server-side encryption of the bucket: AES256 or aws:kms."
  value       = var.kms_key_arn == null ? "AES256" : "aws:kms"
}

output "kms_key_arn" {
  description = "KMS key of the bucket's default encryption, or null (SSE-S3)."
  value       = var.kms_key_arn
}

output "force_destroy" {
  description = "Whether destroy may delete the bucket with its objects (never in prod)."
  value       = aws_s3_bucket.this.force_destroy
}

output "cors_allowed_origins" {
  description = "Origins the CORS rule allows (empty: no CORS configuration)."
  value       = flatten([for c in aws_s3_bucket_cors_configuration.this : [for r in c.cors_rule : r.allowed_origins]])
}

output "access_logs_target" {
  description = "Where the server access logs go (`<bucket>/<prefix>`), or null when off."
  value       = one([for l in aws_s3_bucket_logging.this : "${l.target_bucket}/${l.target_prefix}"])
}
