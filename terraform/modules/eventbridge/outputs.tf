output "bus_name" {
  description = "Name of the event bus the rules listen on (what publishers read as EVENT_BUS_NAME)."
  value       = local.bus_name
}

output "bus_arn" {
  description = "ARN of the custom bus (null when the default bus is used)."
  value       = var.create_bus ? aws_cloudwatch_event_bus.this[0].arn : null
}

output "rule_arns" {
  description = "Rule ARN by rule key."
  value       = { for k, r in aws_cloudwatch_event_rule.this : k => r.arn }
}

output "schedule_arns" {
  description = "Schedule ARN by schedule key."
  value       = { for k, s in aws_scheduler_schedule.this : k => s.arn }
}
