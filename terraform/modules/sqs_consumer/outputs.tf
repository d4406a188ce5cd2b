output "uuid" {
  description = "Identifier of the event source mapping."
  value       = aws_lambda_event_source_mapping.this.uuid
}

output "function_response_types" {
  description = "Response types of the mapping (always ReportBatchItemFailures)."
  value       = aws_lambda_event_source_mapping.this.function_response_types
}
