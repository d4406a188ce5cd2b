# Multi-region: which tables are DynamoDB global tables, and whose user pool the API trusts. Both default to null:
# a single-region deployment (environments/local, dev) creates every table and its own user pool here.
# The reasoning per table is in terraform/README.md "Multi-region".

variable "global_tables" {
  description = "Tables replicated to other regions (DynamoDB global tables, version 2019.11.21). The stack that creates them (the primary region's) sets replica_regions; every other region's stack sets primary_region and only names the replica it holds (nothing created twice). null: single region, every table created here unreplicated."
  type = object({
    tables          = list(string)
    replica_regions = optional(list(string), [])
    primary_region  = optional(string)
  })
  default = null

  validation {
    condition     = var.global_tables == null || alltrue([for t in try(var.global_tables.tables, []) : contains(["orders", "users", "activity", "visits", "inventory", "idempotency"], t)])
    error_message = "global_tables.tables may name orders, users, activity, visits, inventory and idempotency; circuit stays per region (it describes the payment path from this region)."
  }
  validation {
    condition     = var.global_tables == null || try(length(var.global_tables.tables) > 0, false)
    error_message = "global_tables.tables must name at least one table (or set global_tables = null for a single region)."
  }
  validation {
    condition     = var.global_tables == null || try((length(var.global_tables.replica_regions) > 0) != (var.global_tables.primary_region != null), false)
    error_message = "global_tables needs exactly one of replica_regions (this stack creates the global tables) or primary_region (this stack holds replicas the primary region's stack creates)."
  }
}

variable "identity" {
  description = "The user pool whose tokens this region's API accepts: issuer (https://cognito-idp.<region>.amazonaws.com/<pool id>) and app client id of the primary region's pool (its regional stack's identity output). null: this stack creates its own pool with the cognito_triggers functions as triggers."
  type = object({
    issuer    = string
    client_id = string
  })
  default = null

  validation {
    condition     = var.identity == null || can(regex("^https://cognito-idp\\.[a-z]{2}(-gov)?-[a-z]+-[0-9]\\.amazonaws\\.com/[a-z]{2}(-gov)?-[a-z]+-[0-9]_[A-Za-z0-9]+$", try(var.identity.issuer, "")))
    error_message = "identity.issuer must be a Cognito user pool issuer such as https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123."
  }
  validation {
    condition     = var.identity == null || can(regex("^[a-z0-9]{1,128}$", try(var.identity.client_id, "")))
    error_message = "identity.client_id must be a Cognito app client id (lowercase letters and digits)."
  }
}

locals {
  global_table_keys = var.global_tables == null ? [] : var.global_tables.tables
  # Replicas this stack creates on the tables it owns, and the tables it only names (replicas created elsewhere).
  replica_regions = var.global_tables == null ? [] : var.global_tables.replica_regions
  replica_of      = var.global_tables == null ? null : var.global_tables.primary_region

  # Trusted issuer and audience: the primary region's pool when given, else this stack's own.
  identity = var.identity != null ? var.identity : {
    issuer    = module.users[0].issuer
    client_id = module.users[0].client_id
  }
}
