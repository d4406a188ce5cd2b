# Example: an HTTP API with a public health route and a JWT-protected route, access logs and throttling.
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
    tags = { project = "orders-lambdas", example = "http_api" }
  }
}

variable "package_path" {
  description = "A built function zip (e.g. dist/functions/health.zip after `make build`)."
  type        = string
}

variable "cors" {
  description = "CORS of the API (the module's cors input)."
  type = object({
    allow_origins     = list(string)
    allow_methods     = optional(list(string))
    allow_headers     = optional(list(string))
    expose_headers    = optional(list(string))
    max_age           = optional(number)
    allow_credentials = optional(bool)
  })
  default = { allow_origins = ["https://app.example.com"] }
}

module "health" {
  source = "../../../lambda_function"

  name    = "example-health"
  package = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler = "health.handler.lambda_handler"
}

module "orders" {
  source = "../../../lambda_function"

  name    = "example-orders"
  package = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler = "health.handler.lambda_handler"
}

module "api" {
  source = "../.."

  name = "example-api"
  integrations = {
    health = { function_name = module.health.function_name, alias_name = module.health.alias_name, invoke_arn = module.health.alias_invoke_arn }
    orders = { function_name = module.orders.function_name, alias_name = module.orders.alias_name, invoke_arn = module.orders.alias_invoke_arn }
  }
  routes = {
    "GET /health"      = { integration = "health", public = true }
    "POST /orders"     = { integration = "orders" }
    "GET /orders/{id}" = { integration = "orders" }
  }
  jwt_authorizer = { issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example", audience = ["example-client"] }
  throttling     = { burst_limit = 50, rate_limit = 25 }
  cors           = var.cors # null fields take the module's defaults
}

output "endpoint" {
  description = "The API endpoint."
  value       = module.api.api_endpoint
}
