# Example: the project's table shapes: pk/sk with a GSI, and the idempotency table with TTL.
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
    tags = { project = "orders-lambdas", example = "dynamodb_table" }
  }
}

module "orders" {
  source = "../.."

  name                     = "example-orders"
  global_secondary_indexes = [{ name = "gsi1", hash_key = "gsi1pk", range_key = "gsi1sk" }]
  deletion_protection      = false
}

module "idempotency" {
  source = "../.."

  name                = "example-idempotency"
  hash_key            = "id"
  range_key           = null
  ttl_attribute       = "expiration"
  deletion_protection = false
}

output "tables" {
  description = "Table names."
  value       = [module.orders.name, module.idempotency.name]
}
