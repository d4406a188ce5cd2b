output "name" {
  description = "Table name (what functions read from their environment)."
  value       = aws_dynamodb_table.this.name
}

output "arn" {
  description = "Table ARN."
  value       = aws_dynamodb_table.this.arn
}

output "index_arns" {
  description = "ARNs of the table's GSIs (table ARN + /index/<name>)."
  value       = [for g in var.global_secondary_indexes : "${aws_dynamodb_table.this.arn}/index/${g.name}"]
}
