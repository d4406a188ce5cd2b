output "api_url" {
  description = "The latency-routed API."
  value       = "https://${module.global.record_name}"
}

output "regional_api_endpoints" {
  description = "Each region's own execute-api endpoint."
  value = {
    (var.primary_region)   = module.primary.api_endpoint
    (var.secondary_region) = module.secondary.api_endpoint
  }
}

output "health_check_ids" {
  description = "Route 53 health check per region."
  value       = module.global.health_check_ids
}

output "failover_time" {
  description = "Worst-case failover in seconds and the settings behind it (health check interval x threshold + alias TTL)."
  value       = module.global.failover_time
}

output "trusted_identity" {
  description = "The one user pool issuer and client id both regions' APIs trust (the primary's pool)."
  value       = module.primary.identity
}
