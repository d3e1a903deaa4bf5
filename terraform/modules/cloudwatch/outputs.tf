output "log_group_name" {
  description = "Name of the application log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the application log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "log_retention_days" {
  description = "Days the application log group keeps events (as set on the log group)."
  value       = aws_cloudwatch_log_group.this.retention_in_days
}

output "log_kms_key_arn" {
  description = "KMS key of the application log group, or null."
  value       = aws_cloudwatch_log_group.this.kms_key_id
}

output "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic."
  value       = sort([for s in aws_sns_topic_subscription.email : s.endpoint])
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic the alarms notify."
  value       = aws_sns_topic.this.arn
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms."
  value = [
    aws_cloudwatch_metric_alarm.alb_target_5xx.alarm_name,
    aws_cloudwatch_metric_alarm.alb_unhealthy_targets.alarm_name,
    aws_cloudwatch_metric_alarm.ecs_cpu.alarm_name,
    aws_cloudwatch_metric_alarm.ecs_memory.alarm_name,
    aws_cloudwatch_metric_alarm.rds_cpu.alarm_name,
    aws_cloudwatch_metric_alarm.rds_free_storage.alarm_name,
  ]
}
