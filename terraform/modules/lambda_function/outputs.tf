output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "version" {
  description = "The published version the live alias points at."
  value       = aws_lambda_function.this.version
}

output "alias_name" {
  description = "Name of the alias every trigger and destination targets (\"live\")."
  value       = aws_lambda_alias.live.name
}

output "alias_arn" {
  description = "ARN of the live alias: use it for triggers, destinations and state machine tasks."
  value       = aws_lambda_alias.live.arn
}

output "alias_invoke_arn" {
  description = "Invoke ARN of the live alias, for API Gateway integrations."
  value       = aws_lambda_alias.live.invoke_arn
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
