data "aws_region" "current" {}

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key; pass alarm_topic_kms_key_arn (a customer key whose policy admits cloudwatch.amazonaws.com) to encrypt.
  name              = "${var.name}-alarms"
  kms_master_key_id = var.alarm_topic_kms_key_arn
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

locals {
  region = data.aws_region.current.name
  fns    = sort(values(var.function_names))

  lambda_widget = { for metric, stat in {
    Invocations = "Sum", Errors = "Sum", Throttles = "Sum", ConcurrentExecutions = "Maximum"
    } : metric => {
    type   = "metric"
    width  = 12
    height = 6
    properties = {
      title   = "Lambda ${metric}"
      region  = local.region
      stat    = stat
      period  = 60
      metrics = [for f in local.fns : ["AWS/Lambda", metric, "FunctionName", f]]
    }
  } }

  widgets = concat(
    [for m in ["Invocations", "Errors", "Throttles", "ConcurrentExecutions"] : local.lambda_widget[m] if length(local.fns) > 0],
    length(local.fns) == 0 ? [] : [{
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title   = "Lambda Duration p99"
        region  = local.region
        stat    = "p99"
        period  = 60
        metrics = [for f in local.fns : ["AWS/Lambda", "Duration", "FunctionName", f]]
      }
    }],
    length(var.queue_names) == 0 ? [] : [{
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title   = "SQS age of oldest message"
        region  = local.region
        stat    = "Maximum"
        period  = 60
        metrics = [for q in sort(var.queue_names) : ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", q]]
      }
    }],
    length(var.state_machine_arns) == 0 ? [] : [{
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "Step Functions executions"
        region = local.region
        stat   = "Sum"
        period = 60
        metrics = flatten([for arn in sort(var.state_machine_arns) : [
          for m in ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"] :
          ["AWS/States", m, "StateMachineArn", arn]
        ]])
      }
    }],
    var.api_id == null ? [] : [{
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title   = "HTTP API"
        region  = local.region
        stat    = "Sum"
        period  = 60
        metrics = [for m in ["Count", "4xx", "5xx"] : ["AWS/ApiGateway", m, "ApiId", var.api_id]]
      }
    }],
  )
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({ widgets = local.widgets })
}

# Saved Logs Insights queries over every function's log group (Lambda REPORT lines + Powertools JSON logs).
resource "aws_cloudwatch_query_definition" "this" {
  for_each = length(var.log_group_names) == 0 ? {} : {
    cold-starts = <<-EOT
      filter @type = "REPORT"
      | stats count(*) as invocations, count(@initDuration) as cold_starts,
        100 * count(@initDuration) / count(*) as cold_start_pct, avg(@initDuration) as avg_init_ms,
        max(@initDuration) as max_init_ms by bin(5m)
    EOT
    errors      = <<-EOT
      fields @timestamp, @log, level, service, message, exception_name, exception, xray_trace_id
      | filter level = "ERROR" or level = "CRITICAL" or @message like /Task timed out|Runtime.ExitError/
      | sort @timestamp desc
      | limit 100
    EOT
    performance = <<-EOT
      filter @type = "REPORT"
      | stats avg(@duration) as avg_ms, pct(@duration, 50) as p50_ms, pct(@duration, 99) as p99_ms,
        max(@duration) as max_ms, max(@maxMemoryUsed / 1000 / 1000) as max_memory_mb,
        avg(@billedDuration) as avg_billed_ms by @log, bin(5m)
    EOT
  }

  name            = "${var.name}/${each.key}"
  log_group_names = sort(var.log_group_names)
  query_string    = trimspace(each.value)
}
