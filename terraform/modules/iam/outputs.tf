output "execution_role_arn" {
  description = "ARN of the ECS task execution role."
  value       = aws_iam_role.execution.arn

  # Tasks must not start before the role can pull and log.
  depends_on = [aws_iam_role_policy_attachment.execution]
}

output "execution_role_name" {
  description = "Name of the ECS task execution role."
  value       = aws_iam_role.execution.name
}

output "task_role_arn" {
  description = "ARN of the ECS task role."
  value       = aws_iam_role.task.arn

  depends_on = [aws_iam_role_policy.task]
}

output "task_role_name" {
  description = "Name of the ECS task role."
  value       = aws_iam_role.task.name
}

output "permissions_boundaries" {
  description = "Permissions boundary each role carries (execution, task); null when none."
  value = {
    execution = aws_iam_role.execution.permissions_boundary
    task      = aws_iam_role.task.permissions_boundary
  }
}

output "task_role_kms_key_arn" {
  description = "KMS key the task role may GenerateDataKey/Decrypt with (the evidence bucket's); null when none."
  value       = var.evidence_kms_key_arn
}
