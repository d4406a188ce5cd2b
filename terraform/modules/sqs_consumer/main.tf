data "aws_iam_policy_document" "consume" {
  statement {
    sid       = "PollQueue"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
    resources = [var.queue.arn]
  }
}

resource "aws_iam_role_policy" "consume" {
  name   = "consume-${element(split(":", var.queue.arn), 5)}"
  role   = var.function.role_name
  policy = data.aws_iam_policy_document.consume.json
}

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn                   = var.queue.arn
  function_name                      = var.function.alias_arn
  enabled                            = var.enabled
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  # Always partial batch responses: one bad record fails alone instead of returning the whole batch.
  function_response_types = ["ReportBatchItemFailures"]

  dynamic "scaling_config" {
    for_each = var.maximum_concurrency == null ? [] : [var.maximum_concurrency]
    content {
      maximum_concurrency = scaling_config.value
    }
  }

  lifecycle {
    precondition {
      condition     = var.queue.visibility_timeout_seconds >= 6 * var.function.timeout
      error_message = "The queue's visibility timeout (${var.queue.visibility_timeout_seconds} s) must be at least 6x the function timeout (${var.function.timeout} s = ${6 * var.function.timeout} s), or messages reappear while still being processed."
    }
  }

  depends_on = [aws_iam_role_policy.consume]
}
