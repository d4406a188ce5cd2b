data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {
  count = var.replica_of == null ? 0 : 1
}

locals {
  create = var.replica_of == null
  # A replica's ARN (replica_of): the same table name in this provider's region.
  replica_arn = local.create ? null : "arn:${data.aws_partition.current.partition}:dynamodb:${data.aws_region.current.name}:${data.aws_caller_identity.current[0].account_id}:table/${var.name}"
  arn         = local.create ? aws_dynamodb_table.this[0].arn : local.replica_arn

  key_attributes = distinct(compact(concat(
    [var.hash_key, var.range_key],
    flatten([for g in var.global_secondary_indexes : [g.hash_key, g.range_key]]),
  )))
}

resource "aws_dynamodb_table" "this" {
  #checkov:skip=CKV_AWS_119:Encrypted with the AWS-managed key by default; var.kms_key_arn switches to a customer key where policy requires one.
  count = local.create ? 1 : 0

  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = var.hash_key
  range_key                   = var.range_key
  deletion_protection_enabled = var.deletion_protection
  stream_enabled              = var.stream_view_type != null
  stream_view_type            = var.stream_view_type

  dynamic "attribute" {
    for_each = local.key_attributes
    content {
      name = attribute.value
      type = "S"
    }
  }

  dynamic "global_secondary_index" {
    for_each = var.global_secondary_indexes
    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = "ALL"
    }
  }

  dynamic "ttl" {
    for_each = var.ttl_attribute == null ? [] : [var.ttl_attribute]
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  # Global table version 2019.11.21: DynamoDB creates each replica (same keys, GSIs, TTL, stream) and replicates
  # every write to it, last writer wins. Billing stays on-demand, which global tables accept without autoscaling.
  dynamic "replica" {
    for_each = var.replicas
    content {
      region_name            = replica.value.region_name
      point_in_time_recovery = coalesce(replica.value.point_in_time_recovery, var.point_in_time_recovery)
      propagate_tags         = replica.value.propagate_tags
      kms_key_arn            = replica.value.kms_key_arn
    }
  }

  lifecycle {
    precondition {
      condition     = !contains([for r in var.replicas : r.region_name], data.aws_region.current.name)
      error_message = "replicas must not include the table's own region (${data.aws_region.current.name}, the provider's): the table itself is that region's copy."
    }
    precondition {
      condition     = var.kms_key_arn == null || try(split(":", var.kms_key_arn)[3] == data.aws_region.current.name, false)
      error_message = "kms_key_arn must be a KMS key in the table's region (${data.aws_region.current.name}): KMS keys do not cross regions."
    }
  }
}

moved {
  from = aws_dynamodb_table.this
  to   = aws_dynamodb_table.this[0]
}

# A replica is created by the other region's table (its replica blocks); this region only checks it is not that one.
resource "terraform_data" "replica_of" {
  count = local.create ? 0 : 1

  input = { name = var.name, created_in = var.replica_of.region }

  lifecycle {
    precondition {
      condition     = var.replica_of.region != data.aws_region.current.name
      error_message = "replica_of.region (${var.replica_of.region}) is this provider's region: the region that creates the global table must not also read it as a replica."
    }
  }
}
