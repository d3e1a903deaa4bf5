output "instance_id" {
  description = "ID of the bastion instance (for `aws ssm start-session --target`), or null when disabled."
  value       = try(aws_instance.this[0].id, null)
}

output "security_group_id" {
  description = "ID of the bastion's security group, or null when disabled."
  value       = try(aws_security_group.this[0].id, null)
}

output "role_name" {
  description = "Name of the bastion's IAM role, or null when disabled."
  value       = try(aws_iam_role.this[0].name, null)
}
