output "deployed_functions" {
  description = "Function name by function key."
  value       = module.regional.deployed_functions
}

output "unwired_handlers" {
  description = "Handler keys in the manifest without wiring (not deployed)."
  value       = module.regional.unwired_handlers
}

output "api_endpoint" {
  description = "HTTP API endpoint as the emulator reports it (the local gateway serves it on a port)."
  value       = module.regional.api_endpoint
}

output "tables" {
  description = "Table name by table key."
  value       = module.regional.tables
}

output "queue_urls" {
  description = "Queue URL by queue key."
  value       = module.regional.queue_urls
}

output "buckets" {
  description = "Bucket names."
  value       = module.regional.buckets
}

output "order_saga_arn" {
  description = "ARN of the order saga (null until every task function is built)."
  value       = module.regional.order_saga_arn
}

output "environment" {
  description = "Resource environment variables the functions receive."
  value       = module.regional.environment
}

output "deployments" {
  description = "By function key: the CodeDeploy application, deployment group, alias, current and target versions `make deploy` uses."
  value       = module.regional.deployments
}
