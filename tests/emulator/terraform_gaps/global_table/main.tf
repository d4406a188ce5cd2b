# A DynamoDB global table (version 2019.11.21) through `replica {}` blocks, the way provider 5.x creates one:
# CreateTable, UpdateTable ReplicaUpdates, waits for the replica to be ACTIVE, then PITR and tags in the replica
# region. Applied, re-planned (must be empty) and destroyed by tests/emulator/test_global_table_terraform.py.
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.67"
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

resource "aws_dynamodb_table" "this" {
  name             = var.name
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "pk"
  range_key        = "sk"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "owner"
    type = "S"
  }

  global_secondary_index {
    name            = "by-owner"
    hash_key        = "owner"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  replica {
    region_name            = "eu-west-1"
    point_in_time_recovery = true
    propagate_tags         = true
  }

  tags = {
    team = "orders"
  }
}

# The replica as the other region sees it (read after the table and its replica exist).
data "aws_dynamodb_table" "replica" {
  provider = aws.eu_west_1
  name     = aws_dynamodb_table.this.name
}

output "replica_arn" {
  value       = one(aws_dynamodb_table.this.replica[*].arn)
  description = "ARN of the eu-west-1 replica, as the provider computes it."
}

output "replica_table_arn" {
  value       = data.aws_dynamodb_table.replica.arn
  description = "ARN of the eu-west-1 table, as DescribeTable in eu-west-1 answers."
}

output "replica_stream_view_type" {
  value       = data.aws_dynamodb_table.replica.stream_view_type
  description = "The replica's stream view type (copied from the table)."
}
