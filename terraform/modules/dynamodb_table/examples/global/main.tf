# Example: a global table created in us-east-1 with a replica in eu-west-1, and the eu-west-1 side that only
# names the replica (what the secondary region's stack does) instead of creating a second table.
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
    tags = { project = "orders-lambdas", example = "dynamodb_table-global" }
  }
}

provider "aws" {
  alias  = "eu_west_1"
  region = "eu-west-1"

  default_tags {
    tags = { project = "orders-lambdas", example = "dynamodb_table-global" }
  }
}

variable "table" {
  description = "The example table's settings (an object so that a test can pass null: region null means only the provider's region is checked, at plan)."
  type = object({
    region           = optional(string)
    stream_view_type = optional(string)
    kms_key_arn      = optional(string)
  })
  default = { region = "us-east-1", stream_view_type = "NEW_AND_OLD_IMAGES" }
}

variable "replicas" {
  description = "Replicas of the example table."
  type = list(object({
    region_name            = string
    point_in_time_recovery = optional(bool)
    propagate_tags         = optional(bool, true)
    kms_key_arn            = optional(string)
  }))
  default = [{ region_name = "eu-west-1" }]
}

variable "replica_of_region" {
  description = "Where the eu-west-1 side says the table is created."
  type        = string
  default     = "us-east-1"
}

module "orders" {
  source = "../.."

  name                     = "example-global-orders"
  global_secondary_indexes = [{ name = "gsi1", hash_key = "gsi1pk", range_key = "gsi1sk" }]
  deletion_protection      = false
  region                   = var.table.region
  stream_view_type         = var.table.stream_view_type
  kms_key_arn              = var.table.kms_key_arn
  replicas                 = var.replicas
}

module "orders_in_eu_west_1" {
  source    = "../.."
  providers = { aws = aws.eu_west_1 }

  name                     = "example-global-orders"
  global_secondary_indexes = [{ name = "gsi1", hash_key = "gsi1pk", range_key = "gsi1sk" }]
  replica_of               = { region = var.replica_of_region }
}

output "table_arn" {
  description = "The table in us-east-1."
  value       = module.orders.arn
}

output "replica_arn" {
  description = "The replica in eu-west-1, named by the eu-west-1 side without creating anything."
  value       = module.orders_in_eu_west_1.arn
}

output "replica_index_arns" {
  description = "The replica's GSI ARNs in eu-west-1."
  value       = module.orders_in_eu_west_1.index_arns
}

output "replica_regions" {
  description = "Regions holding a replica."
  value       = module.orders.replica_regions
}
