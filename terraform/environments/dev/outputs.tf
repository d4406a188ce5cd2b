output "api_endpoint" {
  description = "HTTP API endpoint."
  value       = module.regional.api_endpoint
}

output "deployed_functions" {
  description = "Function name by function key."
  value       = module.regional.deployed_functions
}

output "unwired_handlers" {
  description = "Handler keys in the manifest without wiring (not deployed)."
  value       = module.regional.unwired_handlers
}

output "order_saga_arn" {
  description = "ARN of the order saga."
  value       = module.regional.order_saga_arn
}

output "deployments" {
  description = "By function key: the CodeDeploy application, deployment group, alias, current and target versions `make deploy` uses."
  value       = module.regional.deployments
}
