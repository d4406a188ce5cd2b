locals {
  alarm_actions = var.alarms.topic_arn == null ? [] : [var.alarms.topic_arn]
  execution_alarms = {
    failed    = { metric = "ExecutionsFailed", text = "executions failed" }
    timed-out = { metric = "ExecutionsTimedOut", text = "executions timed out" }
    aborted   = { metric = "ExecutionsAborted", text = "executions were aborted" }
  }
}

resource "aws_cloudwatch_metric_alarm" "executions" {
  for_each = var.alarms.enabled ? local.execution_alarms : {}

  alarm_name          = "${var.name}-executions-${each.key}"
  alarm_description   = "${var.name}: ${each.value.text}."
  namespace           = "AWS/States"
  metric_name         = each.value.metric
  dimensions          = { StateMachineArn = local.arn }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
