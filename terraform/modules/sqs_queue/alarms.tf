locals {
  alarm_actions = var.alarms.topic_arn == null ? [] : [var.alarms.topic_arn]
}

# ApproximateNumberOfMessagesVisible, not NumberOfMessagesSent: a redrive into the DLQ does not count as "sent".
resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  count = var.alarms.enabled ? 1 : 0

  alarm_name          = "${aws_sqs_queue.dlq.name}-not-empty"
  alarm_description   = "${var.name}: messages failed ${var.max_receive_count} times and wait in ${aws_sqs_queue.dlq.name}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "oldest_message_age" {
  count = var.alarms.enabled ? 1 : 0

  alarm_name          = "${var.name}-oldest-message-age"
  alarm_description   = "${var.name}: the oldest message waited more than ${var.alarms.oldest_message_age_seconds} s (consumers fall behind or fail)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.this.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarms.oldest_message_age_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "visible_messages" {
  count = var.alarms.enabled && var.alarms.visible_messages_threshold != null ? 1 : 0

  alarm_name          = "${var.name}-has-messages"
  alarm_description   = "${var.name}: more than ${coalesce(var.alarms.visible_messages_threshold, 0)} messages wait (this queue collects failures)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.this.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = coalesce(var.alarms.visible_messages_threshold, 0)
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
