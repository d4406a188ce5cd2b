# Gradual deployments in prod (stacks/regional/deployments.tf): every function shifts 10 % of its traffic to a new
# version for 5 minutes, then the rest, and rolls back when its errors, throttles or p99 duration alarm fires.
# `make deploy FN=<key> ENV=prod` starts a deployment in each region from the `deployments` output.
locals {
  deployment = {
    enabled = true
    config  = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    functions = {
      # GET /health reads and writes nothing: safe to replay on a new version before it takes traffic.
      health = { pre_traffic_events = ["route53_health_check.json"] }
    }
  }
}

output "deployments" {
  description = "By region, then function key: the CodeDeploy application, deployment group, alias, current and target versions `make deploy` uses."
  value = {
    (var.primary_region)   = module.primary.deployments
    (var.secondary_region) = module.secondary.deployments
  }
}
