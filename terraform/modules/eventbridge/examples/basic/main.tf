# Example: a custom bus with a rule and a schedule, each delivering to a function with retries and a DLQ.
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
    tags = { project = "orders-lambdas", example = "eventbridge" }
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

module "router" {
  source = "../../../lambda_function"

  name    = "example-router"
  package = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler = "health.handler.lambda_handler"
  async   = { on_failure_arn = aws_sqs_queue.failures.arn }
}

module "cleanup" {
  source = "../../../lambda_function"

  name    = "example-cleanup"
  package = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler = "health.handler.lambda_handler"
  async   = { on_failure_arn = aws_sqs_queue.failures.arn }
}

module "events" {
  source = "../.."

  name = "example-orders"
  rules = {
    order-events = {
      description     = "Order lifecycle events."
      event_pattern   = jsonencode({ source = ["orders"], detail-type = ["OrderCreated"] })
      function        = { function_name = module.router.function_name, alias_name = module.router.alias_name, alias_arn = module.router.alias_arn }
      dead_letter_arn = aws_sqs_queue.failures.arn
    }
  }
  schedules = {
    cleanup = {
      description         = "Hourly cleanup."
      schedule_expression = "rate(1 hour)"
      function            = { function_name = module.cleanup.function_name, alias_arn = module.cleanup.alias_arn }
      dead_letter_arn     = aws_sqs_queue.failures.arn
    }
  }
}

output "bus_name" {
  description = "The bus publishers use."
  value       = module.events.bus_name
}
