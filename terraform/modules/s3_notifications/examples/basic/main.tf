# Example: object-created events under a prefix, filtered by suffix, invoking functions.
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
    tags = { project = "orders-lambdas", example = "s3_notifications" }
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

module "ingest" {
  source = "../../../lambda_function"

  name    = "example-ingest"
  package = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler = "health.handler.lambda_handler"
  async   = { on_failure_arn = aws_sqs_queue.failures.arn }
}

module "resizer" {
  source = "../../../lambda_function"

  name    = "example-resizer"
  package = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler = "health.handler.lambda_handler"
  async   = { on_failure_arn = aws_sqs_queue.failures.arn }
}

module "bucket" {
  source = "../../../s3_bucket"

  name          = "example-uploads-notifications"
  force_destroy = true
}

module "notifications" {
  source = "../.."

  bucket = { id = module.bucket.id, arn = module.bucket.arn }
  functions = {
    csv = { function = { function_name = module.ingest.function_name, alias_name = module.ingest.alias_name, alias_arn = module.ingest.alias_arn }, filter_prefix = "uploads/", filter_suffix = ".csv" }
    png = { function = { function_name = module.resizer.function_name, alias_name = module.resizer.alias_name, alias_arn = module.resizer.alias_arn }, filter_prefix = "uploads/", filter_suffix = ".png" }
    jpg = { function = { function_name = module.resizer.function_name, alias_name = module.resizer.alias_name, alias_arn = module.resizer.alias_arn }, filter_prefix = "uploads/", filter_suffix = ".jpg" }
  }
}
