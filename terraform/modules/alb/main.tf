locals {
  prefix = "${var.name}-${var.env}"

  # The OIDC client secret is read at plan time from where it is kept (a Secrets
  # Manager secret or an SSM SecureString parameter), never from a variable's value.
  # It still lands in the state (the listener holds it), which lives in the
  # encrypted, access-restricted state bucket of terraform/bootstrap.
  oidc_secret_in_secrets_manager = can(regex("^arn:aws[a-z-]*:secretsmanager:", var.oidc_client_secret_arn))
  oidc_client_secret = (local.oidc_secret_in_secrets_manager
    ? one(data.aws_secretsmanager_secret_version.oidc_client_secret[*].secret_string)
    : one(data.aws_ssm_parameter.oidc_client_secret[*].value)
  )

  # Listener rule priorities on the HTTPS listener (lower is evaluated first). The
  # default action, evaluated after every rule, signs browsers in with OIDC.
  priority = {
    metrics = 10 # /metrics never leaves the VPC through the load balancer
    bearer  = 20 # automation with an API token goes straight to the tasks, which verify it
    health  = 30 # /health answers without sign-in (smoke checks, uptime monitors)
  }
}

data "aws_secretsmanager_secret_version" "oidc_client_secret" {
  count = local.oidc_secret_in_secrets_manager ? 1 : 0

  secret_id = var.oidc_client_secret_arn
}

data "aws_ssm_parameter" "oidc_client_secret" {
  count = local.oidc_secret_in_secrets_manager ? 0 : 1

  name            = var.oidc_client_secret_arn
  with_decryption = true
}

################################################################################
# Security group: open to the internet on 80/443 only, talks only to the app
################################################################################

# name_prefix: with create_before_destroy, a fixed name would collide with the
# group being replaced.
resource "aws_security_group" "this" {
  name_prefix = "${local.prefix}-alb-"
  description = "ALB: HTTP/HTTPS from the internet, HTTP to the app tasks only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${local.prefix}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  security_group_id = aws_security_group.this.id
  description       = "HTTP from the internet"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS from the internet"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# The load balancer itself calls the identity provider's token and user info
# endpoints while it signs a browser in; their addresses are the IdP's, not ours.
resource "aws_vpc_security_group_egress_rule" "idp" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to the identity provider (OIDC token and user info endpoints)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "app" {
  security_group_id            = aws_security_group.this.id
  description                  = "HTTP to the app tasks"
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  referenced_security_group_id = var.app_security_group_id
}

################################################################################
# Load balancer
################################################################################

resource "aws_lb" "this" {
  name                       = local.prefix
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.this.id]
  idle_timeout               = 60
  drop_invalid_header_fields = true

  # Keyed on a plan-time bool, not on the bucket name (known only after the log
  # bucket exists). Keys: <bucket>/<prefix>/AWSLogs/<account>/elasticloadbalancing/...
  dynamic "access_logs" {
    for_each = var.access_logs_enabled ? [1] : []

    content {
      bucket  = var.access_logs_bucket
      prefix  = var.access_logs_prefix
      enabled = true
    }
  }

  tags = merge(var.tags, { Name = local.prefix })
}

################################################################################
# Target group
################################################################################

# name_prefix (at most 6 characters): with create_before_destroy a fixed name
# would collide with the target group being replaced (e.g. a port change).
resource "aws_lb_target_group" "this" {
  name_prefix          = "app-"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    enabled             = true
    path                = "/health"
    matcher             = "200"
    protocol            = "HTTP"
    port                = "traffic-port"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = merge(var.tags, { Name = local.prefix })

  lifecycle {
    create_before_destroy = true
  }
}

################################################################################
# Listeners: HTTP only redirects; HTTPS signs browsers in (OIDC) before it forwards
################################################################################

# ALB runs authenticate-oidc on HTTPS listeners only, so nothing is ever
# forwarded over plain HTTP: it answers 301 to HTTPS, /health included.
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  # What no rule below matched: a browser. Without a valid session cookie it is
  # sent to the IdP (callback https://<host>/oauth2/idpresponse); with one, the
  # request goes on carrying the signed x-amzn-oidc-data the tasks verify.
  default_action {
    type  = "authenticate-oidc"
    order = 1

    authenticate_oidc {
      issuer                     = var.oidc_issuer
      authorization_endpoint     = var.oidc_authorization_endpoint
      token_endpoint             = var.oidc_token_endpoint
      user_info_endpoint         = var.oidc_user_info_endpoint
      client_id                  = var.oidc_client_id
      client_secret              = local.oidc_client_secret
      scope                      = var.oidc_scope
      session_timeout            = var.oidc_session_timeout
      on_unauthenticated_request = "authenticate"
    }
  }

  default_action {
    type             = "forward"
    order            = 2
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = var.tags
}

# /metrics is for a scraper inside the task, never for the internet: answered
# here, before the bearer rule, so not even a token holder reaches it.
resource "aws_lb_listener_rule" "metrics" {
  listener_arn = aws_lb_listener.https.arn
  priority     = local.priority.metrics

  action {
    type = "fixed-response"

    fixed_response {
      content_type = "application/json"
      status_code  = "404"
      message_body = jsonencode({ type = "https://infra-action-tracker.dev/problems/not-found", title = "Not found", status = 404 })
    }
  }

  condition {
    path_pattern {
      values = ["/metrics", "/metrics/*"]
    }
  }

  tags = var.tags
}

# Automation sends `Authorization: Bearer iat_...`: no sign-in redirect, the
# tasks verify the token (and answer 401 to a bad one). The match is
# case-insensitive, as the scheme is.
resource "aws_lb_listener_rule" "bearer" {
  listener_arn = aws_lb_listener.https.arn
  priority     = local.priority.bearer

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  condition {
    http_header {
      http_header_name = "Authorization"
      values           = ["Bearer *"]
    }
  }

  tags = var.tags
}

# /health holds no data (status, draining, whether the database answers): it
# stays reachable without sign-in for the deploy's smoke check and uptime checks.
resource "aws_lb_listener_rule" "health" {
  listener_arn = aws_lb_listener.https.arn
  priority     = local.priority.health

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  condition {
    path_pattern {
      values = ["/health"]
    }
  }

  condition {
    http_request_method {
      values = ["GET", "HEAD"]
    }
  }

  tags = var.tags
}
