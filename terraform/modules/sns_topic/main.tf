data "aws_caller_identity" "current" {}

resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = var.kms_master_key_id
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "OwnerManages"
    actions   = ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:ListSubscriptionsByTopic"]
    resources = [aws_sns_topic.this.arn]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  dynamic "statement" {
    for_each = var.allowed_publishers
    content {
      sid       = "Allow${replace(title(replace(split(".", statement.value.service)[0], "-", " ")), " ", "")}Publish"
      actions   = ["sns:Publish"]
      resources = [aws_sns_topic.this.arn]

      principals {
        type        = "Service"
        identifiers = [statement.value.service]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = statement.value.source_arns
      }
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sns_topic_policy" "this" {
  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_sns_topic_subscription" "this" {
  for_each = var.subscriptions

  topic_arn     = aws_sns_topic.this.arn
  protocol      = "lambda"
  endpoint      = each.value.function.alias_arn
  filter_policy = each.value.filter_policy

  redrive_policy = jsonencode({ deadLetterTargetArn = each.value.dead_letter_arn })
}

resource "aws_lambda_permission" "this" {
  for_each = var.subscriptions

  statement_id  = "AllowSns-${var.name}"
  action        = "lambda:InvokeFunction"
  function_name = each.value.function.function_name
  qualifier     = each.value.function.alias_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.this.arn
}
