# The project's dynamodb_table module as a global table: created in us-east-1 with a replica in eu-west-1, and the
# eu-west-1 side that only names the replica (what the secondary region's stack does). The test copies the module
# next to this file as ./dynamodb_table, applies against the emulator, re-plans (must be empty) and destroys.
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
}

provider "aws" {
  alias  = "eu_west_1"
  region = "eu-west-1"
}

variable "name" {
  type        = string
  description = "Table name, unique per test run."
}

module "orders" {
  source = "./dynamodb_table"

  name                     = var.name
  region                   = "us-east-1"
  global_secondary_indexes = [{ name = "gsi1", hash_key = "gsi1pk", range_key = "gsi1sk" }]
  ttl_attribute            = "expires_at"
  deletion_protection      = false
  stream_view_type         = "NEW_AND_OLD_IMAGES"
  replicas                 = [{ region_name = "eu-west-1" }]
}

module "orders_in_eu_west_1" {
  source    = "./dynamodb_table"
  providers = { aws = aws.eu_west_1 }

  name                     = var.name
  global_secondary_indexes = [{ name = "gsi1", hash_key = "gsi1pk", range_key = "gsi1sk" }]
  replica_of               = { region = "us-east-1" }

  depends_on = [module.orders]
}

output "table_arn" {
  value       = module.orders.arn
  description = "The table in us-east-1."
}

output "replica_arn" {
  value       = module.orders_in_eu_west_1.arn
  description = "The replica in eu-west-1, as the secondary region's stack names it."
}

output "replica_regions" {
  value       = module.orders.replica_regions
  description = "Regions holding a replica."
}
