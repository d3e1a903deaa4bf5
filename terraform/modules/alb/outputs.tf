output "arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer (CloudWatch dimension `LoadBalancer`)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Route 53 hosted zone ID of the load balancer (for alias records)."
  value       = aws_lb.this.zone_id
}

output "security_group_id" {
  description = "ID of the load balancer's security group."
  value       = aws_security_group.this.id
}

output "target_group_arn" {
  description = "ARN of the app target group; available once a listener uses it, so an ECS service can attach to it."
  value       = aws_lb_target_group.this.arn
  depends_on  = [aws_lb_listener.http, aws_lb_listener.https, aws_lb_listener_rule.bearer, aws_lb_listener_rule.health]
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group (CloudWatch dimension `TargetGroup`, autoscaling resource label)."
  value       = aws_lb_target_group.this.arn_suffix
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener (OIDC sign-in by default, its rules for /metrics, bearer tokens and /health)."
  value       = aws_lb_listener.https.arn
}

# Read from the association, not the ACL: null unless the ACL actually guards this ALB.
output "web_acl_arn" {
  description = "ARN of the WAF web ACL associated with the load balancer, or null when `enable_waf` is false."
  value       = one(aws_wafv2_web_acl_association.this[*].web_acl_arn)
}

output "waf_log_group_name" {
  description = "CloudWatch log group of the WAF logs (`aws-waf-logs-<name>-<env>`), or null when `enable_waf` is false."
  value       = one(aws_cloudwatch_log_group.waf[*].name)
}

output "access_logs_location" {
  description = "Where the load balancer writes its access logs (`s3://<bucket>/<prefix>`; AWS adds /AWSLogs/<account>/elasticloadbalancing/...), or null when they are off."
  value       = one([for l in aws_lb.this.access_logs : "s3://${l.bucket}/${l.prefix}" if l.enabled])
}
