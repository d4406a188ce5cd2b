data "aws_caller_identity" "current" {}

locals {
  # One permission per function, however many filters point at it.
  permitted = { for n in values(var.functions) : n.function.function_name => n.function... }
}

resource "aws_lambda_permission" "this" {
  for_each = local.permitted

  statement_id   = "AllowS3-${var.bucket.id}"
  action         = "lambda:InvokeFunction"
  function_name  = each.key
  qualifier      = each.value[0].alias_name
  principal      = "s3.amazonaws.com"
  source_arn     = var.bucket.arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_s3_bucket_notification" "this" {
  bucket      = var.bucket.id
  eventbridge = var.eventbridge

  dynamic "lambda_function" {
    for_each = var.functions
    content {
      id                  = lambda_function.key
      lambda_function_arn = lambda_function.value.function.alias_arn
      events              = lambda_function.value.events
      filter_prefix       = lambda_function.value.filter_prefix
      filter_suffix       = lambda_function.value.filter_suffix
    }
  }

  depends_on = [aws_lambda_permission.this]
}
