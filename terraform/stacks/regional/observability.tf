module "observability" {
  source = "../../modules/observability"

  name               = "${var.prefix}-${local.region}"
  alarm_emails       = var.alarm_emails
  function_names     = { for key, _ in local.deployed : key => "${var.prefix}-${key}" }
  log_group_names    = [for key, _ in local.deployed : "/aws/lambda/${var.prefix}-${key}"]
  queue_names        = [for key, _ in local.queues : "${var.prefix}-${key}"]
  state_machine_arns = local.saga_enabled ? [local.saga_arn] : []
  api_id             = module.api.api_id
}
