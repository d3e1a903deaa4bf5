output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "service_arn" {
  description = "ARN of the ECS service."
  value       = aws_ecs_service.this.id
}

output "task_definition_arn" {
  description = "ARN (with revision) of the task definition."
  value       = aws_ecs_task_definition.this.arn
}

output "task_definition_family" {
  description = "Family of the task definition."
  value       = aws_ecs_task_definition.this.family
}

output "security_group_id" {
  description = "ID of the app tasks' security group."
  value       = aws_security_group.this.id
}

output "container_name" {
  description = "Name of the application container."
  value       = "app"
}

output "container_port" {
  description = "Port the application container listens on."
  value       = 8080
}

output "container_environment" {
  description = "The app container's environment, name to value (from container-environment.json with the refs resolved)."
  value       = local.container_environment_map
}

output "container_definition" {
  description = "The app container definition as sent to ECS (decoded)."
  value       = local.app_container
}

output "capacity_provider_strategy" {
  description = "Capacity provider strategy of the service (FARGATE, or FARGATE base 1 plus FARGATE_SPOT)."
  value       = local.capacity_provider_strategy
}

output "reconcile_rule_name" {
  description = "Name of the EventBridge rule that runs the evidence reconcile, or null when off."
  value       = one(aws_cloudwatch_event_rule.reconcile[*].name)
}

output "reconcile_events_role_arn" {
  description = "ARN of the role EventBridge uses to run the reconcile task, or null when off."
  value       = one(aws_iam_role.reconcile_events[*].arn)
}

output "probe_rule_name" {
  description = "Name of the EventBridge rule that runs the probe round task, or null when the rounds are the tasks' own (probe_schedule null)."
  value       = one(aws_cloudwatch_event_rule.probe[*].name)
}

output "probe_events_role_arn" {
  description = "ARN of the role EventBridge uses to run the probe round task, or null when off."
  value       = one(aws_iam_role.probe_events[*].arn)
}
