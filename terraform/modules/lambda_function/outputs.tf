output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "version" {
  description = "The newest published version (publish = true: one per code or configuration change). Without traffic shifting the live alias points at it; with it, this is the version a CodeDeploy deployment shifts the alias to."
  value       = aws_lambda_function.this.version
}

output "alias_version" {
  description = "The version the live alias points at now (as last refreshed): behind `version` while a deployment has not shifted to it yet."
  value       = local.alias.function_version
}

output "traffic_shifting" {
  description = "Whether a CodeDeploy deployment group, not Terraform, moves the live alias between versions."
  value       = local.traffic_shifting
}

output "alias_name" {
  description = "Name of the alias every trigger and destination targets (\"live\")."
  value       = local.alias.name
}

output "alias_arn" {
  description = "ARN of the live alias: use it for triggers, destinations and state machine tasks."
  value       = local.alias.arn
}

output "alias_invoke_arn" {
  description = "Invoke ARN of the live alias, for API Gateway integrations."
  value       = local.alias.invoke_arn
}

output "timeout" {
  description = "Timeout in seconds (event source mappings check the queue's visibility timeout against it)."
  value       = var.timeout
}

output "role_name" {
  description = "Name of the execution role (trigger modules attach the permissions their trigger needs)."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Log group of the function (saved Logs Insights queries and dashboards use it)."
  value       = aws_cloudwatch_log_group.this.name
}

output "alarm_names" {
  description = "Names of the function's alarms, by kind (a CodeDeploy deployment group's rollback alarms refer to alarms by name)."
  value = merge(
    { for k, a in aws_cloudwatch_metric_alarm.errors : "errors" => a.alarm_name },
    { for k, a in aws_cloudwatch_metric_alarm.throttles : "throttles" => a.alarm_name },
    { for k, a in aws_cloudwatch_metric_alarm.duration_p99 : "duration_p99" => a.alarm_name },
    { for k, a in aws_cloudwatch_metric_alarm.spillover : "spillover" => a.alarm_name },
    { for k, a in aws_cloudwatch_metric_alarm.async_events_dropped : "async_events_dropped" => a.alarm_name },
  )
}

output "alarm_arns" {
  description = "ARNs of the function's alarms, by kind."
  value = merge(
    { for k, a in aws_cloudwatch_metric_alarm.errors : "errors" => a.arn },
    { for k, a in aws_cloudwatch_metric_alarm.throttles : "throttles" => a.arn },
    { for k, a in aws_cloudwatch_metric_alarm.duration_p99 : "duration_p99" => a.arn },
    { for k, a in aws_cloudwatch_metric_alarm.spillover : "spillover" => a.arn },
    { for k, a in aws_cloudwatch_metric_alarm.async_events_dropped : "async_events_dropped" => a.arn },
  )
}
