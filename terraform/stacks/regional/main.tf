data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  account   = data.aws_caller_identity.current.account_id

  # ARNs that must be known before the resource exists (they would otherwise close a dependency cycle:
  # the router's environment names the saga, the saga names the task functions, a
  # pipeline stage's destination is the next stage).
  saga_name          = "${var.prefix}-order-saga"
  saga_arn           = "arn:${local.partition}:states:${local.region}:${local.account}:stateMachine:${local.saga_name}"
  function_arn_base  = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${var.prefix}"
  uploads_bucket     = "${var.prefix}-uploads-${local.account}-${local.region}"
  archive_bucket     = "${var.prefix}-archive-${local.account}-${local.region}"
  artifacts_bucket   = "${var.prefix}-artifacts-${local.account}-${local.region}"
  ses_identity_arn   = "arn:${local.partition}:ses:${local.region}:${local.account}:identity/${var.sender_email}"
  ses_domain_arn     = "arn:${local.partition}:ses:${local.region}:${local.account}:identity/${split("@", var.sender_email)[1]}"
  event_rule_pattern = "arn:${local.partition}:events:${local.region}:${local.account}:rule/${var.prefix}*"

  # The values behind README "Resources and environment variables".
  env_values = {
    ORDERS_TABLE            = module.tables["orders"].name
    IDEMPOTENCY_TABLE       = module.tables["idempotency"].name
    VISITS_TABLE            = module.tables["visits"].name
    ACTIVITY_TABLE          = module.tables["activity"].name
    CIRCUIT_TABLE           = module.tables["circuit"].name
    USERS_TABLE             = module.tables["users"].name
    INVENTORY_TABLE         = module.tables["inventory"].name
    EVENT_BUS_NAME          = module.events.bus_name
    ORDERS_QUEUE_URL        = module.queues["orders"].url
    BULK_QUEUE_URL          = module.queues["bulk"].url
    UPLOADS_BUCKET          = module.uploads.id
    ARCHIVE_BUCKET          = module.archive.id
    ORDER_SAGA_ARN          = local.saga_arn
    NOTIFICATIONS_TOPIC_ARN = module.topics["notifications"].arn
    SENDER_EMAIL            = var.sender_email
    PAYMENT_API_URL         = var.payment_api_url
    ALLOWED_EMAIL_DOMAINS   = join(",", var.allowed_email_domains)
    ABANDONED_AFTER_HOURS   = tostring(var.abandoned_after_hours)
    UPLOAD_ALERT_RECIPIENTS = join(",", var.upload_alert_recipients) # documented in functions/notifier/README.md
  }

  table_arn = { for k, t in module.tables : k => t.arn }

  # Permission sets the wiring table refers to by name: exact actions on scoped resources, as each function's
  # README lists them.
  orders_arn = local.table_arn.orders
  grants = {
    orders_api_table = [{
      actions   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
      resources = [local.orders_arn]
    }]
    orders_gsi_query = [{
      actions   = ["dynamodb:Query"]
      resources = module.tables["orders"].index_arns
    }]
    orders_describe = [{
      actions   = ["dynamodb:DescribeTable"]
      resources = [local.orders_arn]
    }]
    orders_item_write = [{
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
      resources = [local.orders_arn]
    }]
    orders_put = [{
      actions   = ["dynamodb:PutItem"]
      resources = [local.orders_arn]
    }]
    orders_batch_write = [{
      actions   = ["dynamodb:BatchWriteItem", "dynamodb:PutItem"]
      resources = [local.orders_arn]
    }]
    orders_expire = [{
      actions   = ["dynamodb:GetItem", "dynamodb:DeleteItem"]
      resources = [local.orders_arn]
    }]
    # What Powertools idempotency does with its table.
    idempotency = [{
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
      resources = [local.table_arn.idempotency]
    }]
    visits_count = [{
      actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
      resources = [local.table_arn.visits]
    }]
    # TransactWriteItems is authorised per contained action (PutItem).
    activity_append = [{
      actions   = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"]
      resources = [local.table_arn.activity]
    }]
    activity_query = [{
      actions   = ["dynamodb:Query"]
      resources = [local.table_arn.activity]
    }]
    circuit_state = [{
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
      resources = [local.table_arn.circuit]
    }]
    users_write = [{
      actions   = ["dynamodb:PutItem"]
      resources = [local.table_arn.users]
    }]
    users_read = [{
      actions   = ["dynamodb:GetItem"]
      resources = [local.table_arn.users]
    }]
    inventory_update = [{
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
      resources = [local.table_arn.inventory]
    }]
    events_put = [{
      actions   = ["events:PutEvents"]
      resources = [module.events.bus_arn]
    }]
    bulk_queue_send = [{
      actions   = ["sqs:SendMessage"] # also authorises SendMessageBatch
      resources = [module.queues["bulk"].arn]
    }]
    # A presigned POST is signed with the function's role: the role must be allowed the PutObject it grants.
    uploads_presign = [{
      actions   = ["s3:PutObject"]
      resources = ["${module.uploads.arn}/uploads/*"]
    }]
    uploads_read = [{
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = ["${module.uploads.arn}/uploads/*"]
    }]
    reports_write = [{
      actions   = ["s3:PutObject"]
      resources = ["${module.uploads.arn}/reports/*"]
    }]
    resized_write = [{
      actions   = ["s3:PutObject"]
      resources = ["${module.uploads.arn}/resized/*"]
    }]
    documents_read = [{
      actions   = ["s3:GetObject"]
      resources = ["${module.uploads.arn}/documents/*"]
    }]
    analysis_write = [{
      actions   = ["s3:PutObject"]
      resources = ["${module.uploads.arn}/analysis/*"]
    }]
    archive_write = [{
      actions   = ["s3:PutObject", "s3:DeleteObject"]
      resources = ["${module.archive.arn}/abandoned-orders/*"]
    }]
    saga_start = [{
      actions   = ["states:StartExecution"]
      resources = [local.saga_arn]
    }]
    notifications_publish = [{
      actions   = ["sns:Publish"]
      resources = [module.topics["notifications"].arn]
    }]
    ses_send = [{
      actions   = ["ses:SendEmail", "ses:SendRawEmail"]
      resources = [local.ses_identity_arn, local.ses_domain_arn]
    }]
  }
}
