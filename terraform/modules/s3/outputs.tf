output "bucket_name" {
  description = "Name of the evidence bucket (EVIDENCE_BUCKET)."
  value       = aws_s3_bucket.this.id
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
