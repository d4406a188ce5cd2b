locals {
  # The action a function's role needs to deliver an async result to each destination service.
  destination_actions = {
    sqs    = "sqs:SendMessage"
    sns    = "sns:Publish"
    lambda = "lambda:InvokeFunction"
    events = "events:PutEvents"
  }
  destinations = var.async == null ? [] : concat(
    [var.async.on_failure_arn],
    var.async.on_success_arn == null ? [] : [var.async.on_success_arn],
  )
  eni_arn = "arn:${data.aws_partition.current.partition}:ec2:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
}

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "LambdaAssumesRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    # X-Ray has no resource-level permissions: these two actions only accept "*".
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.vpc == null ? [] : [var.vpc]
    content {
      # Describe* has no resource-level permissions.
      sid       = "DescribeNetworkInterfaces"
      actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = var.vpc == null ? [] : [var.vpc]
    content {
      sid     = "ManageOwnNetworkInterfaces"
      actions = ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
      resources = concat(
        ["${local.eni_arn}:network-interface/*"],
        [for id in statement.value.subnet_ids : "${local.eni_arn}:subnet/${id}"],
        [for id in statement.value.security_group_ids : "${local.eni_arn}:security-group/${id}"],
      )
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "DecryptEnvironment"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.policy_statements
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.conditions
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_iam_role" "this" {
  # IAM is global: the region keeps two regional stacks with the same prefix apart.
  name               = substr("${var.name}-${data.aws_region.current.name}", 0, 64)
  description        = "Execution role of the ${var.name} function."
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-least-privilege"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

# Kept apart from the main policy so the function does not depend on its destinations: a destination may be
# another function of the same stack (a chain), which would otherwise close a dependency cycle.
data "aws_iam_policy_document" "destinations" {
  count = var.async == null ? 0 : 1

  statement {
    sid       = "DeliverAsyncResults"
    actions   = distinct([for arn in local.destinations : local.destination_actions[split(":", arn)[2]]])
    resources = local.destinations
  }
}

resource "aws_iam_role_policy" "destinations" {
  count = var.async == null ? 0 : 1

  name   = "${var.name}-async-destinations"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.destinations[0].json
}
