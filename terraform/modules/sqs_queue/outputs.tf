output "arn" {
  description = "ARN of the main queue."
  value       = aws_sqs_queue.this.arn
}

output "url" {
  description = "URL of the main queue (what producers read from their environment)."
  value       = aws_sqs_queue.this.url
}

output "name" {
  description = "Name of the main queue."
  value       = aws_sqs_queue.this.name
}

output "visibility_timeout_seconds" {
  description = "Visibility timeout of the main queue (known at plan time, for the consumer's 6x check)."
  value       = var.visibility_timeout_seconds
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.dlq.url
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}
