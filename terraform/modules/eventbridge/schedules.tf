data "aws_region" "current" {}

data "aws_iam_policy_document" "scheduler_assume" {
  count = length(var.schedules) > 0 ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "scheduler" {
  count = length(var.schedules) > 0 ? 1 : 0

  statement {
    sid       = "InvokeTargets"
    actions   = ["lambda:InvokeFunction"]
    resources = distinct([for s in values(var.schedules) : s.function.alias_arn])
  }

  statement {
    sid       = "SendUndeliverable"
    actions   = ["sqs:SendMessage"]
    resources = distinct([for s in values(var.schedules) : s.dead_letter_arn])
  }
}

resource "aws_iam_role" "scheduler" {
  count = length(var.schedules) > 0 ? 1 : 0

  name               = substr("${var.name}-scheduler-${data.aws_region.current.name}", 0, 64)
  description        = "EventBridge Scheduler invoking the ${var.name} schedules' targets."
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume[0].json
}

resource "aws_iam_role_policy" "scheduler" {
  count = length(var.schedules) > 0 ? 1 : 0

  name   = "${var.name}-scheduler-least-privilege"
  role   = aws_iam_role.scheduler[0].id
  policy = data.aws_iam_policy_document.scheduler[0].json
}

resource "aws_scheduler_schedule" "this" {
  #checkov:skip=CKV_AWS_297:Schedules carry no sensitive payload (an empty JSON input); var.kms_key_arn switches to a customer key.
  for_each = var.schedules

  name                         = "${var.name}-${each.key}"
  description                  = each.value.description
  schedule_expression          = each.value.schedule_expression
  schedule_expression_timezone = each.value.timezone
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = each.value.function.alias_arn
    role_arn = aws_iam_role.scheduler[0].arn
    input    = each.value.input

    retry_policy {
      maximum_retry_attempts = each.value.maximum_retry_attempts
    }

    dead_letter_config {
      arn = each.value.dead_letter_arn
    }
  }

  depends_on = [aws_iam_role_policy.scheduler]
}
