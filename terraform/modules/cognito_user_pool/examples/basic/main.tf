# Example: a user pool whose sign-up, confirmation and token triggers are functions.
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
    tags = { project = "orders-lambdas", example = "cognito_user_pool" }
  }
}

variable "package_path" {
  description = "A built function zip (e.g. dist/functions/health.zip after `make build`)."
  type        = string
}

module "pre_sign_up" {
  source = "../../../lambda_function"

  name    = "example-pre_sign_up"
  package = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler = "health.handler.lambda_handler"
}

module "post_confirmation" {
  source = "../../../lambda_function"

  name    = "example-post_confirmation"
  package = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler = "health.handler.lambda_handler"
}

module "users" {
  source = "../.."

  name                = "example-users"
  deletion_protection = false
  triggers = {
    pre_sign_up       = { function_name = module.pre_sign_up.function_name, alias_name = module.pre_sign_up.alias_name, alias_arn = module.pre_sign_up.alias_arn }
    post_confirmation = { function_name = module.post_confirmation.function_name, alias_name = module.post_confirmation.alias_name, alias_arn = module.post_confirmation.alias_arn }
  }
}

output "issuer" {
  description = "JWT issuer for API authorizers."
  value       = module.users.issuer
}
