# CodeDeploy's service role: what the AWS managed policy AWSCodeDeployRoleForLambda allows, scoped to this
# module's functions, aliases, alarms, hook and topic instead of "*".
locals {
  function_arns = { for key, f in var.functions : key => "${local.arn_prefix}:lambda:${local.region_account}:function:${f.function_name}" }
  alarm_arns = distinct(flatten([for f in values(var.functions) :
    [for name in f.alarm_names : "${local.arn_prefix}:cloudwatch:${local.region_account}:alarm:${name}"]
  ]))
  hook_arn = var.pre_traffic_hook == null ? null : "${local.arn_prefix}:lambda:${local.region_account}:function:${var.pre_traffic_hook.function_name}"
}

# The trust policy of CodeDeploy's user guide ("Create a service role for CodeDeploy"): the service principal
# only. No aws:SourceAccount condition: CodeDeploy does not document sending it when it assumes the role, and a
# condition it never satisfies would fail every deployment group.
data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "CodeDeployAssumesRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["codedeploy.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "this" {
  statement {
    # Reading and moving the alias between versions; the provisioned concurrency read is how CodeDeploy waits
    # for a new version's provisioned environments before shifting traffic to it.
    sid       = "ShiftAliasTraffic"
    actions   = ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"]
    resources = flatten([for key, f in var.functions : [local.function_arns[key], "${local.function_arns[key]}:${f.alias_name}"]])
  }

  dynamic "statement" {
    for_each = length(local.alarm_arns) > 0 ? [local.alarm_arns] : []
    content {
      sid       = "WatchRollbackAlarms"
      actions   = ["cloudwatch:DescribeAlarms"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = local.hook_arn == null ? [] : [local.hook_arn]
    content {
      # The AppSpec names the hook unqualified ($LATEST) or by a version/alias.
      sid       = "InvokePreTrafficHook"
      actions   = ["lambda:InvokeFunction"]
      resources = [statement.value, "${statement.value}:*"]
    }
  }

  dynamic "statement" {
    for_each = var.notification_topic_arn == null ? [] : [var.notification_topic_arn]
    content {
      sid       = "NotifyDeploymentEvents"
      actions   = ["sns:Publish"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-codedeploy"
  description        = "CodeDeploy shifts the live aliases of ${var.name}'s functions and rolls them back on their alarms."
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "this" {
  name   = "shift-lambda-traffic"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
