locals {
  bus_name = var.create_bus ? aws_cloudwatch_event_bus.this[0].name : "default"
}

resource "aws_cloudwatch_event_bus" "this" {
  count = var.create_bus ? 1 : 0

  name               = var.name
  kms_key_identifier = var.kms_key_arn
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = var.rules

  name           = "${var.name}-${each.key}"
  description    = each.value.description
  event_bus_name = local.bus_name
  event_pattern  = each.value.event_pattern
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = var.rules

  rule           = aws_cloudwatch_event_rule.this[each.key].name
  event_bus_name = local.bus_name
  target_id      = each.key
  arn            = each.value.function.alias_arn

  retry_policy {
    maximum_retry_attempts       = each.value.maximum_retry_attempts
    maximum_event_age_in_seconds = each.value.maximum_event_age_in_seconds
  }

  dead_letter_config {
    arn = each.value.dead_letter_arn
  }
}

resource "aws_lambda_permission" "rule" {
  for_each = var.rules

  statement_id  = "AllowEventBridge-${var.name}-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = each.value.function.function_name
  qualifier     = each.value.function.alias_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this[each.key].arn
}
