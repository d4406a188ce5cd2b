output "deployed_functions" {
  description = "Function name by function key: what this stack deploys (in the manifest and wired)."
  value       = { for key, f in module.functions : key => f.function_name }
}

output "unwired_handlers" {
  description = "Handler keys in the manifest without a wiring entry (not deployed)."
  value       = local.unwired
}

output "api_endpoint" {
  description = "Default endpoint of the HTTP API."
  value       = module.api.api_endpoint
}

output "api_domain_target" {
  description = "Regional target of the API custom domain for latency records (null without a domain)."
  value       = module.api.domain_target
}

output "health_check_fqdn" {
  description = "Host the Route 53 health check calls (this region's execute-api host, GET /health)."
  value       = trimprefix(module.api.api_endpoint, "https://")
}

output "tables" {
  description = "Table name by table key."
  value       = { for k, t in module.tables : k => t.name }
}

output "queue_urls" {
  description = "Queue URL by queue key, plus the async-failures queue."
  value       = merge({ for k, q in module.queues : k => q.url }, { async_failures = module.failures.url })
}

output "buckets" {
  description = "Bucket names: uploads and archive."
  value       = { uploads = module.uploads.id, archive = module.archive.id }
}

output "event_bus_name" {
  description = "The orders event bus."
  value       = module.events.bus_name
}

output "event_bus_arn" {
  description = "The orders event bus ARN (another region's saga_home points here)."
  value       = module.events.bus_arn
}

output "order_saga_arn" {
  description = "ARN of the order saga (null until every task function is deployed)."
  value       = local.saga_enabled ? module.order_saga[0].arn : null
}

output "user_pool_id" {
  description = "ID of the Cognito user pool this stack created (null when it trusts another region's pool, var.identity)."
  value       = var.identity == null ? module.users[0].user_pool_id : null
}

output "identity" {
  description = "Issuer and app client id this region's API trusts: pass the primary region's to the other regions' var.identity."
  value       = local.identity
}

output "global_tables" {
  description = "Per table key: created here (with the regions of its replicas) or a replica another region's stack creates."
  value = {
    for k, t in module.tables : k => {
      created         = t.created
      replica_regions = t.replica_regions
      arn             = t.arn
    }
  }
}

output "alarm_topic_arn" {
  description = "SNS topic receiving every alarm."
  value       = module.observability.alarm_topic_arn
}

output "environment" {
  description = "The resource environment variables functions receive (README contract), for local tools."
  value       = local.env_values
}
