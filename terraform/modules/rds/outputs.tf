output "instance_identifier" {
  description = "Identifier of the DB instance (CloudWatch dimension `DBInstanceIdentifier`)."
  value       = aws_db_instance.this.identifier
}

output "instance_arn" {
  description = "ARN of the DB instance."
  value       = aws_db_instance.this.arn
}

output "resource_id" {
  description = "Resource ID of the DB instance (the `dbi-...` part of an `rds-db:connect` ARN for IAM authentication)."
  value       = aws_db_instance.this.resource_id
}

output "address" {
  description = "Host name of the DB instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Name of the application database."
  value       = aws_db_instance.this.db_name
}

output "username" {
  description = "Master user name (the app connects as this user)."
  value       = aws_db_instance.this.username
}

output "master_user_secret_arn" {
  description = "ARN of the RDS-managed Secrets Manager secret holding the master user's credentials (JSON `username`, `password`); RDS rotates it."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "database_url" {
  description = "postgres:// URL without a password (the app adds the password from the master user secret): not a secret."
  value       = "postgres://${aws_db_instance.this.username}@${aws_db_instance.this.address}:${aws_db_instance.this.port}/${aws_db_instance.this.db_name}?sslmode=verify-full"
}

output "security_group_id" {
  description = "ID of the database security group."
  value       = aws_security_group.this.id
}

output "parameter_group_name" {
  description = "Name of the DB parameter group (rds.force_ssl = 1)."
  value       = aws_db_parameter_group.this.name
}

output "multi_az" {
  description = "Whether the instance runs with a standby in a second availability zone."
  value       = aws_db_instance.this.multi_az
}

output "deletion_protection" {
  description = "Whether the instance refuses deletion."
  value       = aws_db_instance.this.deletion_protection
}
