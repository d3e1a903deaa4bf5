output "alb_dns_name" {
  description = "DNS name of the load balancer (the smoke check's `http(s)://<this>/health`)."
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

output "deploy_role_arn" {
  description = "ARN of the GitHub Actions deploy role."
  value       = module.iam.deploy_role_arn
}

output "ecs_cluster_name" {
  description = "Name of the ECS cluster."
  value       = module.ecs.cluster_name
}

output "ecs_service_name" {
  description = "Name of the ECS service."
  value       = module.ecs.service_name
}

output "database_url_secret_arn" {
  description = "ARN of the Secrets Manager secret holding DATABASE_URL."
  value       = module.rds.database_url_secret_arn
}

output "bastion_instance_id" {
  description = "Instance ID of the bastion (for `aws ssm start-session`), or null when disabled."
  value       = module.bastion.instance_id
}
