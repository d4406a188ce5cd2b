# Build artifacts go to S3 once per function folder (the folder's handlers share one zip); functions take their
# code from there. Inline uploads are limited to 50 MB and the provider serialises them (one zip in memory at a
# time), which made a stack of 30+ functions deploy one every few seconds.
module "artifacts" {
  source = "../../modules/s3_bucket"

  name          = local.artifacts_bucket
  force_destroy = var.force_destroy_buckets
  require_tls   = var.s3_require_tls
}

resource "aws_s3_object" "function_zip" {
  for_each = toset(distinct([for f in values(local.deployed) : f.folder]))

  bucket      = module.artifacts.id
  key         = "functions/${each.key}.zip"
  source      = local.folder_zip[each.key][0].path
  source_hash = local.folder_zip[each.key][0].sha256
}

module "layers" {
  source   = "../../modules/lambda_layer"
  for_each = toset(local.layer_names)

  name = "${var.prefix}-${each.key}"
  package = contains(keys(var.layer_arns), each.key) ? null : {
    path   = startswith(local.manifest.layers[each.key].path, "/") ? local.manifest.layers[each.key].path : "${local.package_root}/${local.manifest.layers[each.key].path}"
    sha256 = local.manifest.layers[each.key].sha256
  }
  existing_arn = lookup(var.layer_arns, each.key, null)
  runtime      = try(local.manifest.layers[each.key].runtime, "python3.13")
  architecture = try(local.manifest.layers[each.key].architecture, "arm64")
}

module "functions" {
  source   = "../../modules/lambda_function"
  for_each = local.deployed

  name        = "${var.prefix}-${each.key}"
  description = "${each.value.folder}: ${each.value.handler}"
  package = {
    path              = each.value.path
    sha256            = each.value.sha256
    s3_bucket         = module.artifacts.id
    s3_key            = aws_s3_object.function_zip[each.value.folder].key
    s3_object_version = aws_s3_object.function_zip[each.value.folder].version_id
  }
  handler      = each.value.handler
  runtime      = each.value.runtime
  architecture = each.value.architecture
  memory_size  = each.value.memory_size
  timeout      = each.value.timeout
  layers       = [for name in each.value.layers : module.layers[name].arn]

  environment = merge(
    {
      POWERTOOLS_SERVICE_NAME      = each.value.folder
      POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
      POWERTOOLS_LOG_LEVEL         = var.log_level
    },
    { for name in each.value.env : name => local.env_values[name] },
    lookup(local.deployment_environment, each.key, {}), # deployments.tf: where the pre-traffic hook reads its events
    var.function_environment,
  )

  policy_statements = flatten([for g in each.value.grants : local.grants[g]])

  reserved_concurrency    = each.value.reserved_concurrency
  provisioned_concurrency = each.value.provisioned_concurrency
  snap_start              = each.value.snap_start
  traffic_shifting        = contains(keys(local.shifted), each.key) # deployments.tf: CodeDeploy moves the live alias
  autoscaling_enabled     = var.autoscaling_enabled
  log_retention_days      = var.log_retention_days

  async = !each.value.async ? null : {
    on_failure_arn = module.failures.arn
    # Built from the name (referring to module.functions from inside it would be a cycle); a stage missing
    # from the manifest ends the chain instead of pointing at nothing.
    on_success_arn = contains(keys(local.deployed), coalesce(each.value.on_success, "-")) ? "${local.function_arn_base}-${each.value.on_success}:live" : null
  }

  alarms = { topic_arn = module.observability.alarm_topic_arn }
}

locals {
  # What trigger modules need to know about a deployed function.
  function_ref = {
    for key, _ in local.deployed : key => {
      function_name = module.functions[key].function_name
      alias_name    = module.functions[key].alias_name
      alias_arn     = module.functions[key].alias_arn
    }
  }
}
