# Example: an encrypted topic with a Lambda subscription whose undeliverable messages go to a queue.
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
  region = "us-east-1"

  default_tags {
    tags = { project = "orders-lambdas", example = "sns_topic" }
  }
}

variable "package_path" {
  description = "A built function zip (e.g. dist/functions/health.zip after `make build`)."
  type        = string
}

resource "aws_sqs_queue" "failures" {
  name                    = "example-failures"
  sqs_managed_sse_enabled = true
}

module "notifier" {
  source = "../../../lambda_function"

  name    = "example-notifier"
  package = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler = "health.handler.lambda_handler"
  async   = { on_failure_arn = aws_sqs_queue.failures.arn }
}

module "topic" {
  source = "../.."

  name = "example-notifications"
  subscriptions = {
    notifier = {
      function        = { function_name = module.notifier.function_name, alias_name = module.notifier.alias_name, alias_arn = module.notifier.alias_arn }
      filter_policy   = jsonencode({ event = ["OrderShipped", "OrderCancelled"] })
      dead_letter_arn = aws_sqs_queue.failures.arn
    }
  }
}

output "topic_arn" {
  description = "The topic."
  value       = module.topic.arn
}
