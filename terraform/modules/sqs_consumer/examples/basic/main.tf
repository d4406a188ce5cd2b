# Example: a function consuming a queue with partial batch responses; the visibility timeout is checked against the function timeout.
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
    tags = { project = "orders-lambdas", example = "sqs_consumer" }
  }
}

variable "package_path" {
  description = "A built function zip (e.g. dist/functions/health.zip after `make build`)."
  type        = string
}

variable "function_timeout" {
  description = "Consumer timeout in seconds."
  type        = number
  default     = 30
}

variable "visibility_timeout_seconds" {
  description = "Queue visibility timeout (must be >= 6x the function timeout)."
  type        = number
  default     = 180
}

module "queue" {
  source = "../../../sqs_queue"

  name                       = "example-work"
  visibility_timeout_seconds = var.visibility_timeout_seconds
}

module "worker" {
  source = "../../../lambda_function"

  name    = "example-worker"
  package = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler = "health.handler.lambda_handler"
  timeout = var.function_timeout
}

module "consumer" {
  source = "../.."

  queue = {
    arn                        = module.queue.arn
    visibility_timeout_seconds = module.queue.visibility_timeout_seconds
  }
  function = {
    alias_arn = module.worker.alias_arn
    role_name = module.worker.role_name
    timeout   = module.worker.timeout
  }
  batch_size                         = 10
  maximum_batching_window_in_seconds = 2
  maximum_concurrency                = 5
}
