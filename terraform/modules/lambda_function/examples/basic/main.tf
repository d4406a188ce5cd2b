# A function with everything on: least-privilege policy, reserved + provisioned concurrency on the live alias
# (or SnapStart instead: snap_start = true, provisioned_executions = 0), async failures to a queue, alarms to a
# topic. The variables exist so tests can feed it bad values.
terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = { project = "orders-lambdas", example = "lambda_function" }
  }
}

variable "region" {
  description = "Region to deploy the example in."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Function name."
  type        = string
  default     = "example-orders-api"
}

variable "package_path" {
  description = "A built function zip (e.g. dist/functions/health.zip after `make build`)."
  type        = string
}

variable "handler" {
  description = "Handler inside the zip."
  type        = string
  default     = "health.handler.lambda_handler"
}

variable "architecture" {
  description = "arm64 or x86_64."
  type        = string
  default     = "arm64"
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 10
}

variable "reserved_concurrency" {
  description = "Reserved concurrency."
  type        = number
  default     = 10
}

variable "provisioned_executions" {
  description = "Provisioned concurrency on the live alias; 0 for none."
  type        = number
  default     = 2
}

variable "runtime" {
  description = "Lambda runtime."
  type        = string
  default     = "python3.13"
}

variable "snap_start" {
  description = "SnapStart instead of provisioned concurrency (set provisioned_executions = 0 with it)."
  type        = bool
  default     = false
}

variable "ephemeral_storage_mb" {
  description = "Size of /tmp in MB; null for Lambda's 512."
  type        = number
  default     = null
}

resource "aws_sqs_queue" "failures" {
  name                    = "${var.name}-failures"
  sqs_managed_sse_enabled = true
}

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:Example topic; CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed key.
  name = "${var.name}-alarms"
}

resource "aws_dynamodb_table" "orders" {
  #checkov:skip=CKV_AWS_119:Example table encrypted with the AWS-managed key.
  name         = "${var.name}-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

module "function" {
  source = "../.."

  name         = var.name
  description  = "Example function"
  package      = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler      = var.handler
  architecture = var.architecture
  timeout      = var.timeout
  memory_size  = 512
  environment  = { ORDERS_TABLE = aws_dynamodb_table.orders.name }

  policy_statements = [{
    sid       = "ReadOrders"
    actions   = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.orders.arn]
  }]

  runtime              = var.runtime
  snap_start           = var.snap_start
  ephemeral_storage_mb = var.ephemeral_storage_mb

  reserved_concurrency    = var.reserved_concurrency
  provisioned_concurrency = var.provisioned_executions == 0 ? null : { executions = var.provisioned_executions }

  async  = { on_failure_arn = aws_sqs_queue.failures.arn, maximum_retry_attempts = 1 }
  alarms = { topic_arn = aws_sns_topic.alarms.arn }
}

output "alias_arn" {
  description = "The live alias."
  value       = module.function.alias_arn
}

output "alarm_arns" {
  description = "Alarms by kind."
  value       = module.function.alarm_arns
}
