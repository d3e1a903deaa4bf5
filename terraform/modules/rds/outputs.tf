output "instance_identifier" {
  description = "Identifier of the DB instance (CloudWatch dimension `DBInstanceIdentifier`)."
  value       = aws_db_instance.this.identifier
}

output "instance_arn" {
  description = "ARN of the DB instance."
  value       = aws_db_instance.this.arn
}

output "address" {
  description = "Host name of the DB instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Name of the application database."
  value       = aws_db_instance.this.db_name
}

output "security_group_id" {
  description = "ID of the database security group."
  value       = aws_security_group.this.id
}

output "database_url_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the full postgres:// URL."
  value       = aws_secretsmanager_secret.this.arn

  # Tasks read the secret at start: it must hold a value by then.
  depends_on = [aws_secretsmanager_secret_version.this]
}

output "database_url_secret_name" {
  description = "Name of the Secrets Manager secret holding the full postgres:// URL."
  value       = aws_secretsmanager_secret.this.name
}
