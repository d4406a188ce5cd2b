output "record_name" {
  description = "The latency-routed API name."
  value       = module.latency.record_fqdn
}

output "health_check_ids" {
  description = "Health check ID per region."
  value       = module.latency.health_check_ids
}
