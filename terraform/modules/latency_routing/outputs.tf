output "health_check_ids" {
  description = "Health check ID per region."
  value       = { for k, h in aws_route53_health_check.this : k => h.id }
}

output "record_fqdn" {
  description = "The latency-routed name."
  value       = var.record_name
}

output "set_identifiers" {
  description = "Set identifier per region (the region name)."
  value       = { for k, r in aws_route53_record.this : k => r.set_identifier }
}
