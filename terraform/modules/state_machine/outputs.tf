output "arn" {
  description = "ARN of the state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "name" {
  description = "Name of the state machine."
  value       = aws_sfn_state_machine.this.name
}

output "role_arn" {
  description = "ARN of the state machine's execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Log group receiving execution logs."
  value       = aws_cloudwatch_log_group.this.name
}

output "definition" {
  description = "The rendered ASL definition (function ARNs substituted)."
  value       = local.definition
}
