# terraform plan -var-file=envs/dev.tfvars -var docker_image=<repo>:sha-<sha>
# docker_image is never written here: the deploy passes the commit's image.

name   = "action-tracker"
env    = "dev"
region = "eu-west-1"

vpc_cidr           = "10.20.0.0/16"
single_nat_gateway = true
enable_flow_logs   = true
# The S3 gateway endpoint is always there; interface endpoints cost per hour.
enable_interface_endpoints = false

# Edge: the WAF is on in every environment; access logs are prod's (null = on in prod only).
enable_waf              = true
waf_rate_limit          = 2000
alb_access_logs_enabled = false

db_instance_class   = "db.t4g.micro"
multi_az            = false
deletion_protection = false
apply_immediately   = false
skip_final_snapshot = true

# Application log group: prod keeps at least 30 days (validation).
log_retention_days = 30
# Log bucket (ALB access logs, VPC flow logs, S3 server access logs).
log_bucket_retention_days = 90
enable_bastion            = false

# Alarm recipients of this environment (placeholders: each address must
# confirm the SNS subscription e-mail).
alarm_emails = ["sre-alerts-dev@example.com"]

# The page uploads evidence straight to S3: the bucket's CORS rule allows this origin.
app_origins = ["https://tracker-dev.example.com"]

# Evidence reconcile (report only) as a one-off task; null turns it off.
evidence_reconcile_schedule = "rate(1 day)"
# Probe rounds: null = each task offers one every PROBE_INTERVAL_S (300 s) and
# the lease in PostgreSQL runs one at a time; "rate(5 minutes)" = an EventBridge
# rule runs dist/probe-round.mjs as a one-off task instead (PROBE_INTERVAL_S=0).
probe_schedule = null

# Every task after the first on Fargate Spot (refused in prod).
use_fargate_spot = true
# Teardown applies with -var evidence_force_destroy=true first (refused in prod).
evidence_force_destroy = false

# Every IAM role of this stack gets the bootstrap's boundary of this environment
# (terraform/bootstrap output permissions_boundary_arns["dev"]).
permissions_boundary_arn = "arn:aws:iam::123456789012:policy/action-tracker-dev-boundary"

# Browsers sign in at the load balancer (OIDC), which needs HTTPS: the
# certificate of the app's host name (tracker-dev.example.com), issued by ACM in this region.
# Replace the placeholders below before the first apply (README "Deploy").
certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"

# The identity provider: here a Cognito user pool (issuer and endpoints from
# https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLEdv/.well-known/openid-configuration).
# The app client's callback URL is https://tracker-dev.example.com/oauth2/idpresponse.
oidc_issuer                 = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLEdv"
oidc_authorization_endpoint = "https://action-tracker-dev.auth.eu-west-1.amazoncognito.com/oauth2/authorize"
oidc_token_endpoint         = "https://action-tracker-dev.auth.eu-west-1.amazoncognito.com/oauth2/token"
oidc_user_info_endpoint     = "https://action-tracker-dev.auth.eu-west-1.amazoncognito.com/oauth2/userInfo"
oidc_client_id              = "replace-with-the-app-client-id"
# The client secret stays in Secrets Manager (or SSM Parameter Store); only its ARN is here.
oidc_client_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:action-tracker/dev/oidc-client-secret-AbCdEf"
oidc_scope             = "openid email profile"

# What the tasks do with the signed claims: the user is the e-mail, the role
# comes from the groups (a Cognito custom attribute the app client may read),
# and someone no group maps gets nothing (403).
oidc_user_claim   = "email"
oidc_groups_claim = "custom:groups"
oidc_role_map     = "sre-admins=admin,sre-leads=lead,sre=member,auditors=viewer"
oidc_default_role = "none"
