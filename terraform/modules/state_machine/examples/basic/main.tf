# Example: a two-task workflow from an ASL template with the task ARNs substituted.
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
    tags = { project = "orders-lambdas", example = "state_machine" }
  }
}

variable "package_path" {
  description = "A built function zip (e.g. dist/functions/health.zip after `make build`)."
  type        = string
}

module "first" {
  source = "../../../lambda_function"

  name    = "example-first"
  package = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler = "health.handler.lambda_handler"
}

module "second" {
  source = "../../../lambda_function"

  name    = "example-second"
  package = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler = "health.handler.lambda_handler"
}

module "workflow" {
  source = "../.."

  name            = "example-workflow"
  definition_file = "${path.module}/workflow.asl.json"
  substitutions = {
    first_arn  = module.first.alias_arn
    second_arn = module.second.alias_arn
  }
  lambda_function_arns = [module.first.alias_arn, module.second.alias_arn]
}

output "state_machine_arn" {
  description = "ARN of the workflow."
  value       = module.workflow.arn
}
