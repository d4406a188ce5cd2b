# HTTP API: every deployed function with routes gets one integration on its live alias.
locals {
  http_functions = { for key, f in local.deployed : key => f if length(f.routes) + length(f.public_routes) > 0 }
  routes = merge(
    [for key, f in local.http_functions : merge(
      { for r in f.routes : r => { integration = key, public = false } },
      { for r in f.public_routes : r => { integration = key, public = true } },
    )]...
  )
}

module "api" {
  source = "../../modules/http_api"

  name = "${var.prefix}-api"
  integrations = {
    for key, _ in local.http_functions : key => {
      function_name = module.functions[key].function_name
      alias_name    = module.functions[key].alias_name
      invoke_arn    = module.functions[key].alias_invoke_arn
    }
  }
  routes         = local.routes
  jwt_authorizer = { issuer = local.identity.issuer, audience = [local.identity.client_id] }
  throttling     = { burst_limit = var.api.burst_limit, rate_limit = var.api.rate_limit }
  # CORS lives here, at the API: API Gateway answers preflights before the JWT authorizer and replaces any CORS
  # header a function would send. Methods and headers are the module's defaults (incl. authorization,
  # content-type, idempotency-key; Retry-After and Location exposed); no credentials (bearer tokens need none).
  cors = length(var.api.cors_origins) == 0 ? null : {
    allow_origins = var.api.cors_origins
  }
  log_retention_days = var.log_retention_days
  domain             = var.api.domain
}

# SQS consumers: partial batch responses, visibility >= 6x timeout checked by the module.
module "consumers" {
  source   = "../../modules/sqs_consumer"
  for_each = { for key, f in local.deployed : key => f if f.queue != null }

  queue = {
    arn                        = module.queues[each.value.queue].arn
    visibility_timeout_seconds = module.queues[each.value.queue].visibility_timeout_seconds
  }
  function = {
    alias_arn = module.functions[each.key].alias_arn
    role_name = module.functions[each.key].role_name
    timeout   = module.functions[each.key].timeout
  }
  batch_size                         = each.value.batch_size
  maximum_batching_window_in_seconds = each.value.batching_window
  maximum_concurrency                = each.value.max_concurrency
}

# S3 object events on the uploads bucket.
module "upload_events" {
  source = "../../modules/s3_notifications"
  count  = length([for f in values(local.deployed) : f if length(f.s3) > 0]) > 0 ? 1 : 0

  bucket = { id = module.uploads.id, arn = module.uploads.arn }
  functions = merge([
    for key, f in local.deployed : {
      for i, filter in f.s3 : "${key}-${i}" => {
        function      = local.function_ref[key]
        filter_prefix = filter.prefix
        filter_suffix = filter.suffix
      }
    }
  ]...)
}

# Cognito user pool: its triggers are whichever cognito_triggers handlers are deployed. With var.identity set
# (multiregion.tf) this region trusts the primary region's pool instead and creates none: one identity.
module "users" {
  source = "../../modules/cognito_user_pool"
  count  = var.identity == null ? 1 : 0

  name                = "${var.prefix}-users"
  deletion_protection = var.deletion_protection
  triggers = {
    for key, f in local.deployed : f.cognito => local.function_ref[key] if f.cognito != null
  }
}

moved {
  from = module.users
  to   = module.users[0]
}
