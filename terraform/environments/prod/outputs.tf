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
