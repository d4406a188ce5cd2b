output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "query_definition_ids" {
  description = "Saved Logs Insights query IDs by name (cold-starts, errors, performance)."
  value       = { for k, q in aws_cloudwatch_query_definition.this : k => q.query_definition_id }
}
