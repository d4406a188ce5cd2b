locals {
  # README "Resources and environment variables": pk/sk everywhere, gsi1 + gsi2 on orders, id + expiration on idempotency.
  tables = {
    orders = {
      hash_key  = "pk"
      range_key = "sk"
      ttl       = null
      # shared.orders: gsi1 lists orders by status (cleanup), gsi2 one customer's orders (GET /orders)
      gsi = [
        { name = "gsi1", hash_key = "gsi1pk", range_key = "gsi1sk" },
        { name = "gsi2", hash_key = "gsi2pk", range_key = "gsi2sk" },
      ]
    }
    idempotency = { hash_key = "id", range_key = null, gsi = [], ttl = "expiration" }
    visits      = { hash_key = "pk", range_key = "sk", gsi = [], ttl = null }
    activity    = { hash_key = "pk", range_key = "sk", gsi = [], ttl = null }
    circuit     = { hash_key = "pk", range_key = "sk", gsi = [], ttl = null }
    users       = { hash_key = "pk", range_key = "sk", gsi = [], ttl = null }
    inventory   = { hash_key = "pk", range_key = "sk", gsi = [], ttl = null }
  }
}

# A global table (multiregion.tf) is created once, by the primary region's stack with its replicas; every other
# region's stack names the replica it holds (same name, its own region's ARN) and creates nothing.
module "tables" {
  source   = "../../modules/dynamodb_table"
  for_each = local.tables

  name                     = "${var.prefix}-${each.key}"
  hash_key                 = each.value.hash_key
  range_key                = each.value.range_key
  global_secondary_indexes = each.value.gsi
  ttl_attribute            = each.value.ttl
  deletion_protection      = var.deletion_protection

  stream_view_type = contains(local.global_table_keys, each.key) && local.replica_of == null ? "NEW_AND_OLD_IMAGES" : null
  replicas         = contains(local.global_table_keys, each.key) ? [for region in local.replica_regions : { region_name = region }] : []
  replica_of       = contains(local.global_table_keys, each.key) && local.replica_of != null ? { region = local.replica_of } : null
}

module "uploads" {
  source = "../../modules/s3_bucket"

  name                 = local.uploads_bucket
  force_destroy        = var.force_destroy_buckets
  require_tls          = var.s3_require_tls
  cors_allowed_origins = var.api.cors_origins
  expiration = [
    { prefix = "uploads/", days = 30 },
    { prefix = "documents/", days = 30 },
  ]
}

module "archive" {
  source = "../../modules/s3_bucket"

  name          = local.archive_bucket
  force_destroy = var.force_destroy_buckets
  require_tls   = var.s3_require_tls
}
