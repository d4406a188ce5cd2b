data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  definition = templatefile(var.definition_file, var.substitutions)
  arn        = "arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:stateMachine:${var.name}"
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is an environment choice (log_retention_days: 7 local, 14 dev, 90 prod); long-term audit lives in CloudTrail, not function logs.
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = length(var.lambda_function_arns) > 0 ? [1] : []
    content {
      sid       = "InvokeTasks"
      actions   = ["lambda:InvokeFunction"]
      resources = var.lambda_function_arns
    }
  }

  statement {
    # CloudWatch Logs delivery APIs have no resource-level permissions (AWS documents Resource "*").
    sid = "DeliverExecutionLogs"
    actions = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  statement {
    # X-Ray has no resource-level permissions.
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "this" {
  name               = substr("${var.name}-sfn-${data.aws_region.current.name}", 0, 64)
  description        = "Execution role of the ${var.name} state machine."
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-least-privilege"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_285:Execution data (inputs/outputs: customers' e-mails and addresses) stays out of CloudWatch Logs; Step Functions' own execution history keeps it, access-controlled, for 90 days.
  name       = var.name
  type       = var.type
  role_arn   = aws_iam_role.this.arn
  definition = local.definition

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
    include_execution_data = false # state inputs/outputs carry personal data; logs get events, errors and causes
    level                  = var.log_level
  }

  tracing_configuration {
    enabled = true
  }

  lifecycle {
    precondition {
      condition     = can(jsondecode(local.definition).StartAt)
      error_message = "The rendered definition is not ASL JSON with a StartAt state."
    }
  }

  depends_on = [aws_iam_role_policy.this]
}
