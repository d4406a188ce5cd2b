# The primary region's outputs under environments/local's names (local tools and the e2e harness read them), and
# what the failover drill needs of both regions and the global stack.

output "deployed_functions" {
  description = "Function name by function key (the same names in both regions)."
  value       = module.primary.deployed_functions
}

output "unwired_handlers" {
  description = "Handler keys in the manifest without wiring (not deployed)."
  value       = module.primary.unwired_handlers
}

output "api_endpoint" {
  description = "The primary region's HTTP API endpoint as the emulator reports it."
  value       = module.primary.api_endpoint
}

output "tables" {
  description = "Table name by table key (global tables have the same name in both regions)."
  value       = module.primary.tables
}

output "environment" {
  description = "Resource environment variables the primary region's functions receive."
  value       = module.primary.environment
}

output "user_pool_id" {
  description = "The one user pool (primary region) both APIs trust."
  value       = module.primary.user_pool_id
}

output "user_pool_client_id" {
  description = "Its app client (the audience both APIs' JWT authorizers accept)."
  value       = module.primary.identity.client_id
}

output "regions" {
  description = "Per region: role, HTTP API endpoint, the custom domain's regional target (what the latency record answers), the host Route 53 health-checks, whose issuer the API trusts, its global tables."
  value = {
    (var.region) = {
      role              = "primary"
      api_endpoint      = module.primary.api_endpoint
      health_check_fqdn = module.primary.health_check_fqdn
      api_domain_target = module.primary.api_domain_target
      issuer            = module.primary.identity.issuer
      global_tables     = module.primary.global_tables
    }
    (var.secondary_region) = {
      role              = "secondary"
      api_endpoint      = module.secondary.api_endpoint
      health_check_fqdn = module.secondary.health_check_fqdn
      api_domain_target = module.secondary.api_domain_target
      issuer            = module.secondary.identity.issuer
      global_tables     = module.secondary.global_tables
    }
  }
}

output "zone_id" {
  description = "The Route 53 zone created on the emulator."
  value       = aws_route53_zone.local.zone_id
}

output "record_name" {
  description = "The latency-routed API name."
  value       = module.global.record_name
}

output "health_check_ids" {
  description = "Route 53 health check per region."
  value       = module.global.health_check_ids
}

output "failover_time" {
  description = "The global stack's worst-case failover time and the settings that produce it."
  value       = module.global.failover_time
}
