output "alb_dns_name" {
  description = "DNS name of the load balancer (the rollout check's `https://<this>/health`; port 80 only redirects)."
  value       = module.alb.dns_name
}

output "alb_zone_id" {
  description = "Route 53 zone ID of the load balancer, for an alias record."
  value       = module.alb.zone_id
}

output "evidence_bucket_name" {
  description = "Name of the evidence bucket."
  value       = module.s3.bucket_name
}

output "log_group_name" {
  description = "CloudWatch log group of the app containers."
  value       = module.cloudwatch.log_group_name
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = module.cloudwatch.alarm_topic_arn
}

output "ecr_repository_url" {
  description = "ECR repository URL the deploy pushes `:sha-<sha>` images to (created by terraform/bootstrap)."
  value       = local.ecr_repository_url
}

output "ecs_cluster_name" {
  description = "Name of the ECS cluster."
  value       = module.ecs.cluster_name
}

output "ecs_service_name" {
  description = "Name of the ECS service."
  value       = module.ecs.service_name
}

output "ecs_task_definition_arn" {
  description = "Task definition (with revision) this apply gave the service: the deploy's rollout check expects the PRIMARY deployment to run it."
  value       = module.ecs.task_definition_arn
}

output "database_master_secret_arn" {
  description = "ARN of the RDS-managed secret with the database master credentials (RDS rotates it; the tasks read it through DATABASE_PASSWORD_SECRET_ARN)."
  value       = module.rds.master_user_secret_arn
}

output "database_url" {
  description = "postgres:// URL of the database without a password (the tasks' DATABASE_URL)."
  value       = module.rds.database_url
}

output "log_bucket_name" {
  description = "Log bucket: ALB access logs (alb/), VPC flow logs (vpc-flow-logs/), S3 server access logs (s3/)."
  value       = module.logs.bucket_id
}

output "evidence_reconcile_rule_name" {
  description = "EventBridge rule that runs the evidence reconcile task, or null when the schedule is off."
  value       = module.ecs.reconcile_rule_name
}

output "probe_rule_name" {
  description = "EventBridge rule that runs the probe rounds as a one-off task, or null when the tasks run them in process (probe_schedule null)."
  value       = module.ecs.probe_rule_name
}

output "bastion_instance_id" {
  description = "Instance ID of the bastion (for `aws ssm start-session`), or null when disabled."
  value       = module.bastion.instance_id
}
