locals {
  prefix = "${var.name}-${var.env}"
  count  = var.enable_bastion ? 1 : 0
}

data "aws_partition" "current" {}

data "aws_ssm_parameter" "ami" {
  count = local.count

  name = var.ami_ssm_parameter
}

################################################################################
# Security group: no ingress at all (Session Manager needs none)
################################################################################

resource "aws_security_group" "this" {
  count = local.count

  name_prefix = "${local.prefix}-bastion-"
  description = "Bastion: no inbound; outbound for SSM Session Manager"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${local.prefix}-bastion" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "all" {
  count = local.count

  security_group_id = aws_security_group.this[0].id
  description       = "All outbound (SSM endpoints through the NAT gateway)"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

################################################################################
# Instance profile: Session Manager only
################################################################################

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  count = local.count

  name                 = "${local.prefix}-bastion"
  description          = "Bastion of ${local.prefix}: SSM Session Manager only"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "ssm" {
  count = local.count

  role       = aws_iam_role.this[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "this" {
  count = local.count

  name = "${local.prefix}-bastion"
  role = aws_iam_role.this[0].name

  tags = var.tags
}

################################################################################
# Instance
################################################################################

resource "aws_instance" "this" {
  count = local.count

  ami                         = data.aws_ssm_parameter.ami[0].value
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_id
  vpc_security_group_ids      = [aws_security_group.this[0].id]
  iam_instance_profile        = aws_iam_instance_profile.this[0].name
  associate_public_ip_address = false
  monitoring                  = true
  ebs_optimized               = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    encrypted   = true
    volume_type = "gp3"
  }

  tags = merge(var.tags, { Name = "${local.prefix}-bastion" })

  lifecycle {
    # A newer AMI must not replace a running bastion on every apply.
    ignore_changes = [ami]
  }
}
