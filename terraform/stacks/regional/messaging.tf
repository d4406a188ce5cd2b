locals {
  # What a scheduled function receives: EventBridge's "Scheduled Event" shape, filled in by Scheduler's context
  # attributes (its default input is "{}", which no handler can validate). A heredoc, not jsonencode(), because
  # jsonencode escapes the < > of the <aws.scheduler.*> placeholders and Scheduler would not fill them in.
  scheduled_event = <<-EOT
    {"version":"0","id":"<aws.scheduler.execution-id>","detail-type":"Scheduled Event","source":"aws.scheduler","account":"${local.account}","time":"<aws.scheduler.scheduled-time>","region":"${local.region}","resources":["<aws.scheduler.schedule-arn>"],"detail":{}}
  EOT

  # Queues with a Lambda consumer: the visibility timeout follows the consumer's timeout (6x, AWS guidance),
  # even where the consumer itself is not deployed, so producers always have their queue.
  queues = {
    orders = { consumer = "order_worker" }
    bulk   = { consumer = "bulk_worker" }
  }
}

module "queues" {
  source   = "../../modules/sqs_queue"
  for_each = local.queues

  name                       = "${var.prefix}-${each.key}"
  visibility_timeout_seconds = 6 * local.wired[each.value.consumer].timeout
  max_receive_count          = var.max_receive_count
  alarms                     = { topic_arn = module.observability.alarm_topic_arn }
}

# Where asynchronous failures land: Lambda on-failure destinations, EventBridge and Scheduler targets that
# could not be delivered, SNS deliveries that failed. Nothing async fails into silence.
module "failures" {
  source = "../../modules/sqs_queue"

  name = "${var.prefix}-async-failures"
  allowed_senders = [
    { service = "events.amazonaws.com", source_arns = [local.event_rule_pattern] },
    { service = "sns.amazonaws.com", source_arns = ["arn:${local.partition}:sns:${local.region}:${local.account}:${var.prefix}-*"] },
  ]
  alarms = {
    topic_arn                  = module.observability.alarm_topic_arn
    visible_messages_threshold = 0
  }
}

# Topics functions subscribe to: order notifications (published by the router and the saga's notify task) and
# upload alerts (for S3 upload e-mails; see terraform/README.md on why the bucket does not publish to it yet).
locals {
  topics = ["notifications", "upload_alerts"]
}

module "topics" {
  source   = "../../modules/sns_topic"
  for_each = toset(local.topics)

  name = "${var.prefix}-${replace(each.key, "_", "-")}"
  subscriptions = {
    for key, f in local.deployed : key => {
      function        = local.function_ref[key]
      dead_letter_arn = module.failures.arn
    } if contains(f.sns, each.key)
  }
}

module "events" {
  source = "../../modules/eventbridge"

  name = "${var.prefix}-orders"
  rules = {
    for key, f in local.deployed : key => {
      description     = "Order events for ${key}."
      event_pattern   = f.event_pattern
      function        = local.function_ref[key]
      dead_letter_arn = module.failures.arn
    } if f.event_pattern != null && var.saga_home == null # else forwarded to the saga's home (multiregion.tf)
  }
  schedules = {
    for key, f in local.deployed : key => {
      description         = "Runs ${key} on ${f.schedule}."
      schedule_expression = f.schedule
      input               = local.scheduled_event
      function            = local.function_ref[key]
      dead_letter_arn     = module.failures.arn
    } if f.schedule != null
  }
}
