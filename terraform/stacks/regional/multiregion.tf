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

# The order saga is single-homed (terraform/README.md "Inventory: last writer wins would oversell"): in a region
# that is not the saga's home, the orders bus forwards what the router would handle to the home region's bus
# instead of starting a saga here, so only the home region ever reserves stock.
variable "saga_home" {
  description = "The home region's orders event bus, in every other region's stack (environments/prod: the primary's event_bus_arn output): order events go there instead of to this region's router and saga. null: this region runs the saga (single region, or the home region itself)."
  type = object({
    event_bus_arn = string
  })
  default = null

  validation {
    condition     = var.saga_home == null || can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._-]+$", try(var.saga_home.event_bus_arn, "")))
    error_message = "saga_home.event_bus_arn must be an EventBridge bus ARN such as arn:aws:events:us-east-1:123456789012:event-bus/orders-prod-orders."
  }
}

locals {
  # The rules the router would get here (wiring.tf event_pattern), forwarded to the home bus instead.
  forwarded_rules = var.saga_home == null ? {} : { for key, f in local.deployed : key => f.event_pattern if f.event_pattern != null }
}

resource "aws_cloudwatch_event_rule" "to_saga_home" {
  for_each = local.forwarded_rules

  name           = "${var.prefix}-orders-${each.key}-to-home"
  description    = "Order events for ${each.key}, forwarded to the saga's home region."
  event_bus_name = module.events.bus_name
  event_pattern  = each.value

  lifecycle {
    precondition {
      condition     = !endswith(var.saga_home.event_bus_arn, ":event-bus/${module.events.bus_name}") || !strcontains(var.saga_home.event_bus_arn, ":${local.region}:")
      error_message = "saga_home.event_bus_arn is this region's own bus: set saga_home only in the regions that are not the saga's home."
    }
  }
}

resource "aws_cloudwatch_event_target" "to_saga_home" {
  for_each = aws_cloudwatch_event_rule.to_saga_home

  rule           = each.value.name
  event_bus_name = module.events.bus_name
  target_id      = "saga-home"
  arn            = var.saga_home.event_bus_arn
  role_arn       = aws_iam_role.to_saga_home[0].arn

  dead_letter_config {
    arn = module.failures.arn
  }
}

data "aws_iam_policy_document" "events_assume" {
  count = var.saga_home == null ? 0 : 1

  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "to_saga_home" {
  count = var.saga_home == null ? 0 : 1

  statement {
    actions   = ["events:PutEvents"]
    resources = [var.saga_home.event_bus_arn]
  }
}

resource "aws_iam_role" "to_saga_home" {
  count = var.saga_home == null ? 0 : 1

  name               = "${var.prefix}-orders-to-saga-home"
  assume_role_policy = data.aws_iam_policy_document.events_assume[0].json
}

resource "aws_iam_role_policy" "to_saga_home" {
  count = var.saga_home == null ? 0 : 1

  name   = "put-events-on-home-bus"
  role   = aws_iam_role.to_saga_home[0].id
  policy = data.aws_iam_policy_document.to_saga_home[0].json
}
