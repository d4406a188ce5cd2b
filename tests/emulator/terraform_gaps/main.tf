# Resources the emulator's gap fills exist for; applied, re-planned (must be empty) and destroyed by
# tests/emulator/test_terraform.py against the embedded emulator.
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.67"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "zip_path" {
  type        = string
  description = "Path of a Lambda deployment zip."
}

variable "name" {
  type        = string
  description = "Name prefix, unique per test run."
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com", "states.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-role"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_lambda_function" "this" {
  function_name    = "${var.name}-fn"
  role             = aws_iam_role.this.arn
  runtime          = "python3.13"
  architectures    = ["arm64"]
  handler          = "app.handler"
  filename         = var.zip_path
  source_code_hash = filebase64sha256(var.zip_path)
  publish          = true

  reserved_concurrent_executions = 5
}

resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

resource "aws_lambda_provisioned_concurrency_config" "live" {
  function_name                     = aws_lambda_function.this.function_name
  qualifier                         = aws_lambda_alias.live.name
  provisioned_concurrent_executions = 2
}

resource "aws_appautoscaling_target" "live" {
  service_namespace  = "lambda"
  resource_id        = "function:${aws_lambda_function.this.function_name}:${aws_lambda_alias.live.name}"
  scalable_dimension = "lambda:function:ProvisionedConcurrency"
  min_capacity       = 1
  max_capacity       = 4
  tags               = { team = "orders" }

  depends_on = [aws_lambda_provisioned_concurrency_config.live]
}

resource "aws_sqs_queue" "dlq" {
  name = "${var.name}-dlq"
}

resource "aws_sqs_queue" "main" {
  name                       = "${var.name}-main"
  visibility_timeout_seconds = 60
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.main.arn]
  })
}

resource "aws_lambda_event_source_mapping" "main" {
  event_source_arn        = aws_sqs_queue.main.arn
  function_name           = aws_lambda_alias.live.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}

resource "aws_sfn_state_machine" "this" {
  name     = "${var.name}-saga"
  role_arn = aws_iam_role.this.arn
  definition = jsonencode({
    StartAt = "Work"
    States = {
      Work = {
        Type     = "Task"
        Resource = "arn:aws:states:::lambda:invoke"
        Parameters = {
          FunctionName = aws_lambda_alias.live.arn
          "Payload.$"  = "$"
        }
        End = true
      }
    }
  })
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${var.name}-errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
}

resource "aws_cloudwatch_composite_alarm" "any" {
  alarm_name = "${var.name}-any"
  alarm_rule = "ALARM(\"${aws_cloudwatch_metric_alarm.errors.alarm_name}\")"
}

output "provisioned" {
  value       = aws_lambda_provisioned_concurrency_config.live.provisioned_concurrent_executions
  description = "Provisioned concurrency on the alias."
}

output "esm_function_arn" {
  value       = aws_lambda_event_source_mapping.main.function_arn
  description = "The mapping's function ARN (the alias ARN)."
}

output "alias_arn" {
  value       = aws_lambda_alias.live.arn
  description = "The alias ARN."
}
