data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  # CodeDeploy's predefined configs for the Lambda compute platform (CodeDeploy user guide, "Deployment
  # configurations on an AWS Lambda compute platform").
  predefined_configs = [
    "CodeDeployDefault.LambdaAllAtOnce",
    "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    "CodeDeployDefault.LambdaCanary10Percent15Minutes",
    "CodeDeployDefault.LambdaCanary10Percent30Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
  ]

  arn_prefix       = "arn:${data.aws_partition.current.partition}"
  region_account   = "${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
  application_name = var.existing_application_name == null ? aws_codedeploy_app.this[0].name : var.existing_application_name

  # The config name CodeDeploy knows for a key: predefined names as they are, custom keys as created below.
  config_name = { for key in concat(local.predefined_configs, keys(var.custom_deployment_configs)) :
    key => contains(local.predefined_configs, key) ? key : aws_codedeploy_deployment_config.custom[key].id
  }

  groups = {
    for key, f in var.functions : key => merge(f, {
      config = coalesce(f.deployment_config, var.deployment_config)
      hook   = f.pre_traffic_hook ? var.pre_traffic_hook.function_name : null
      # Stopping on an alarm needs alarms to watch: a group without any rolls back on failure only.
      rollback_events = concat(
        var.rollback.on_failure ? ["DEPLOYMENT_FAILURE"] : [],
        var.rollback.on_alarm && length(f.alarm_names) > 0 ? ["DEPLOYMENT_STOP_ON_ALARM"] : [],
      )
    })
  }
}

resource "aws_codedeploy_app" "this" {
  count = var.existing_application_name == null ? 1 : 0

  name             = var.name
  compute_platform = "Lambda"
}

resource "aws_codedeploy_deployment_config" "custom" {
  for_each = var.custom_deployment_configs

  deployment_config_name = "${var.name}-${each.key}"
  compute_platform       = "Lambda"

  traffic_routing_config {
    type = each.value.type

    dynamic "time_based_canary" {
      for_each = each.value.type == "TimeBasedCanary" ? [each.value] : []
      content {
        percentage = time_based_canary.value.percentage
        interval   = time_based_canary.value.interval_minutes
      }
    }

    dynamic "time_based_linear" {
      for_each = each.value.type == "TimeBasedLinear" ? [each.value] : []
      content {
        percentage = time_based_linear.value.percentage
        interval   = time_based_linear.value.interval_minutes
      }
    }
  }
}

resource "aws_codedeploy_deployment_group" "this" {
  for_each = local.groups

  app_name               = local.application_name
  deployment_group_name  = "${var.name}-${each.key}"
  service_role_arn       = aws_iam_role.this.arn
  deployment_config_name = local.config_name[each.value.config]

  # The only style CodeDeploy accepts for Lambda: a new version beside the old one, traffic moved by the alias.
  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }

  auto_rollback_configuration {
    enabled = length(each.value.rollback_events) > 0
    events  = each.value.rollback_events
  }

  dynamic "alarm_configuration" {
    for_each = length(each.value.alarm_names) > 0 ? [each.value.alarm_names] : []
    content {
      enabled                   = true
      alarms                    = alarm_configuration.value
      ignore_poll_alarm_failure = var.ignore_alarm_poll_failure
    }
  }

  dynamic "trigger_configuration" {
    for_each = var.notification_topic_arn == null ? [] : [var.notification_topic_arn]
    content {
      trigger_name       = "${var.name}-${each.key}"
      trigger_target_arn = trigger_configuration.value
      trigger_events     = ["DeploymentStart", "DeploymentSuccess", "DeploymentFailure", "DeploymentStop", "DeploymentRollback"]
    }
  }

  # The role's policy must be in place before CodeDeploy validates the group against it.
  depends_on = [aws_iam_role_policy.this]
}
