output "execution_role_arn" {
  description = "ARN of the ECS task execution role."
  value       = aws_iam_role.execution.arn

  # Tasks must not start before the role can read the secret.
  depends_on = [aws_iam_role_policy_attachment.execution, aws_iam_role_policy.execution]
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

output "deploy_role_arn" {
  description = "ARN of the GitHub Actions deploy role (for aws-actions/configure-aws-credentials)."
  value       = aws_iam_role.deploy.arn
}

output "github_oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider used by the deploy role."
  value       = local.oidc_arn
}
