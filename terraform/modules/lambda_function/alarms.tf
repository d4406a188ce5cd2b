locals {
  alarm_actions   = var.alarms.topic_arn == null ? [] : [var.alarms.topic_arn]
  alarms_enabled  = var.alarms.enabled
  alias_dimension = { FunctionName = var.name, Resource = "${var.name}:${local.alias_name}" }
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  count = local.alarms_enabled ? 1 : 0

  alarm_name          = "${var.name}-errors"
  alarm_description   = "${var.name}: invocations ended in an error for 3 minutes in a row (AWS recommended alarm)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = var.name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarms.errors_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  count = local.alarms_enabled ? 1 : 0

  alarm_name          = "${var.name}-throttles"
  alarm_description   = "${var.name}: invocations throttled for 5 minutes in a row (concurrency limit reached)."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = var.name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarms.throttles_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "duration_p99" {
  count = local.alarms_enabled ? 1 : 0

  alarm_name          = "${var.name}-duration-p99"
  alarm_description   = "${var.name}: p99 duration above ${var.alarms.duration_timeout_ratio * 100}% of the ${var.timeout} s timeout."
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = var.name }
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = floor(var.timeout * 1000 * var.alarms.duration_timeout_ratio)
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "spillover" {
  count = local.alarms_enabled && local.provisioned != null ? 1 : 0

  alarm_name          = "${var.name}-provisioned-spillover"
  alarm_description   = "${var.name}: invocations on the live alias spilled over provisioned concurrency (cold starts)."
  namespace           = "AWS/Lambda"
  metric_name         = "ProvisionedConcurrencySpilloverInvocations"
  dimensions          = local.alias_dimension
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "async_events_dropped" {
  count = local.alarms_enabled && var.async != null ? 1 : 0

  alarm_name          = "${var.name}-async-events-dropped"
  alarm_description   = "${var.name}: asynchronous events were dropped without reaching a destination."
  namespace           = "AWS/Lambda"
  metric_name         = "AsyncEventsDropped"
  dimensions          = { FunctionName = var.name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
