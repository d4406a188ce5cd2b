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

module "tables" {
  source   = "../../modules/dynamodb_table"
  for_each = local.tables

  name                     = "${var.prefix}-${each.key}"
  hash_key                 = each.value.hash_key
  range_key                = each.value.range_key
  global_secondary_indexes = each.value.gsi
  ttl_attribute            = each.value.ttl
  deletion_protection      = var.deletion_protection
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
