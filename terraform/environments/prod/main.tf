locals {
  repo          = abspath("${path.root}/../../..")
  manifest_path = coalesce(var.manifest_path, "${local.repo}/dist/manifest.json")
  tags = {
    project     = "orders-lambdas"
    environment = "prod"
    managed-by  = "terraform"
  }

  # What the same stack gets in both regions.
  common = {
    prefix                = "orders-prod"
    payment_api_url       = var.payment_api_url
    sender_email          = var.sender_email
    alarm_emails          = var.alarm_emails
    allowed_email_domains = []
    log_retention_days    = 90
    # The order API stays warm: provisioned concurrency on its live alias, scaled on utilisation.
    function_settings = {
      orders_api = {
        memory_size          = 1024
        reserved_concurrency = 100
        provisioned_concurrency = {
          executions  = 5
          autoscaling = { min_capacity = 5, max_capacity = 50, target_utilization = 0.7 }
        }
      }
      health = { reserved_concurrency = 10 }
    }
  }

  # Data that follows the user (terraform/README.md "Multi-region"): global tables created by the primary with a
  # replica in the secondary. circuit stays per region: it describes the payment path from that region.
  global_tables = ["orders", "users", "activity", "visits", "inventory", "idempotency"]
}

provider "aws" {
  alias               = "primary"
  region              = var.primary_region
  allowed_account_ids = var.allowed_account_ids

  default_tags {
    tags = local.tags
  }
}

provider "aws" {
  alias               = "secondary"
  region              = var.secondary_region
  allowed_account_ids = var.allowed_account_ids

  default_tags {
    tags = local.tags
  }
}

# Route 53 is global, but its health-check metrics (and so their alarms) exist only in us-east-1.
provider "aws" {
  alias               = "global"
  region              = "us-east-1"
  allowed_account_ids = var.allowed_account_ids

  default_tags {
    tags = local.tags
  }
}

module "primary" {
  source    = "../../stacks/regional"
  providers = { aws = aws.primary }

  prefix                = local.common.prefix
  manifest_path         = local.manifest_path
  package_root          = local.repo
  layer_arns            = lookup(var.layer_arns, var.primary_region, {})
  payment_api_url       = local.common.payment_api_url
  sender_email          = local.common.sender_email
  alarm_emails          = local.common.alarm_emails
  allowed_email_domains = local.common.allowed_email_domains
  log_retention_days    = local.common.log_retention_days
  function_settings     = local.common.function_settings
  api                   = { domain = var.api_domain, cors_origins = var.cors_origins }
  deployment            = local.deployment # deployments.tf

  # Creates the global tables (replicas in the secondary) and the one user pool.
  global_tables = { tables = local.global_tables, replica_regions = [var.secondary_region] }
}

module "secondary" {
  source    = "../../stacks/regional"
  providers = { aws = aws.secondary }

  prefix                = local.common.prefix
  manifest_path         = local.manifest_path
  package_root          = local.repo
  layer_arns            = lookup(var.layer_arns, var.secondary_region, {})
  payment_api_url       = local.common.payment_api_url
  sender_email          = local.common.sender_email
  alarm_emails          = local.common.alarm_emails
  allowed_email_domains = local.common.allowed_email_domains
  log_retention_days    = local.common.log_retention_days
  function_settings     = local.common.function_settings
  api                   = { domain = var.api_domain, cors_origins = var.cors_origins }
  deployment            = local.deployment # deployments.tf

  # Holds the replicas the primary creates, and trusts the primary's user pool: one identity for both APIs.
  global_tables = { tables = local.global_tables, primary_region = var.primary_region }
  identity      = module.primary.identity
  # The saga (and so every stock write) runs in the primary: order events created here are forwarded there.
  saga_home = { event_bus_arn = module.primary.event_bus_arn }
}

module "global" {
  source    = "../../stacks/global"
  providers = { aws = aws.global }

  zone_id      = var.api_domain.zone_id
  record_name  = var.api_domain.name
  alarm_emails = var.alarm_emails
  health_check = var.health_check
  regions = {
    (var.primary_region) = {
      target_domain_name    = module.primary.api_domain_target.domain_name
      target_hosted_zone_id = module.primary.api_domain_target.hosted_zone_id
      health_check_fqdn     = module.primary.health_check_fqdn
    }
    (var.secondary_region) = {
      target_domain_name    = module.secondary.api_domain_target.domain_name
      target_hosted_zone_id = module.secondary.api_domain_target.hosted_zone_id
      health_check_fqdn     = module.secondary.health_check_fqdn
    }
  }
}
