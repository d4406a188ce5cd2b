output "record_name" {
  description = "The latency-routed API name."
  value       = module.latency.record_fqdn
}

output "health_check_ids" {
  description = "Health check ID per region."
  value       = module.latency.health_check_ids
}

output "failover_time" {
  description = "Worst-case seconds from a region failing its health check to clients resolving another region: request_interval x failure_threshold (Route 53 declares it unhealthy) + alias_ttl_seconds (resolvers' cached answer), with the settings that produce it."
  value = {
    seconds           = local.failover_seconds
    detection_seconds = local.detection_seconds
    request_interval  = var.health_check.request_interval
    failure_threshold = var.health_check.failure_threshold
    alias_ttl_seconds = var.alias_ttl_seconds
  }
}
