# The order saga: deployed once every task function it names is deployed.
locals {
  saga_tasks   = sort([for key, w in local.wired : key if w.saga_task])
  saga_enabled = alltrue([for key in local.saga_tasks : contains(keys(local.deployed), key)])
}

module "order_saga" {
  source = "../../modules/state_machine"
  count  = local.saga_enabled ? 1 : 0

  name                 = local.saga_name
  definition_file      = "${path.module}/order_saga.asl.json"
  substitutions        = { for key in local.saga_tasks : "${key}_arn" => module.functions[key].alias_arn }
  lambda_function_arns = [for key in local.saga_tasks : module.functions[key].alias_arn]
  log_retention_days   = var.log_retention_days
  alarms               = { topic_arn = module.observability.alarm_topic_arn }
}
