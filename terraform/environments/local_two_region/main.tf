# The prod shape (environments/prod) on the one local emulator: the regional stack in two regions behind the global
# stack's latency-routed name, with the primary's global tables replicated to the secondary and one user pool both
# APIs trust. Local-only switches are environments/local's (throw-away data, plain HTTP, the emulator's endpoints);
# the Route 53 zone is created here (prod is given one). Started by the failover drill (tests/multiregion):
#   python -m scripts.local up --terraform-dir terraform/environments/local_two_region --extra-region us-west-2

locals {
  repo          = abspath("${path.root}/../../..")
  manifest_path = coalesce(var.manifest_path, "${local.repo}/dist/manifest.json")
  tags = {
    project     = "orders-lambdas"
    environment = "local-two-region"
    managed-by  = "terraform"
  }

  # What the stack gets in both regions: environments/local's settings.
  common = {
    prefix                = "orders-local"
    allowed_email_domains = ["example.com"]
    log_level             = "DEBUG"
    log_retention_days    = 7
    function_environment  = { AWS_ENDPOINT_URL = trimsuffix(var.emulator_url, "/") }
    function_settings = {
      scheduled_cleanup = { schedule = "rate(1 minute)" }
      order_worker      = { timeout = 5 }
    }
    api = { domain = { name = local.api_name, zone_id = aws_route53_zone.local.zone_id } }
  }

  # As prod: data that follows the user is replicated; circuit stays per region.
  global_tables = ["orders", "users", "activity", "visits", "inventory", "idempotency"]
  api_name      = "api.${var.zone_name}"
}

# One provider per region, the same endpoints (the emulator keeps each region's resources apart).
provider "aws" {
  alias      = "primary"
  region     = var.region
  access_key = "testing"
  secret_key = "testing"

  allowed_account_ids         = ["123456789012"]
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  max_retries                 = 3

  endpoints {
    acm            = var.emulator_url
    apigateway     = var.emulator_url
    apigatewayv2   = var.emulator_url
    appautoscaling = var.emulator_url
    cloudwatch     = var.emulator_url
    cognitoidp     = var.emulator_url
    dynamodb       = var.emulator_url
    ec2            = var.emulator_url
    events         = var.emulator_url
    iam            = var.emulator_url
    kms            = var.emulator_url
    lambda         = var.emulator_url
    logs           = var.emulator_url
    route53        = var.emulator_url
    s3             = var.emulator_url
    scheduler      = var.emulator_url
    ses            = var.emulator_url
    sfn            = var.emulator_url
    sns            = var.emulator_url
    sqs            = var.emulator_url
    ssm            = var.emulator_url
    sts            = var.emulator_url
    xray           = var.emulator_url
  }

  default_tags {
    tags = local.tags
  }
}

provider "aws" {
  alias      = "secondary"
  region     = var.secondary_region
  access_key = "testing"
  secret_key = "testing"

  allowed_account_ids         = ["123456789012"]
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  max_retries                 = 3

  endpoints {
    acm            = var.emulator_url
    apigateway     = var.emulator_url
    apigatewayv2   = var.emulator_url
    appautoscaling = var.emulator_url
    cloudwatch     = var.emulator_url
    cognitoidp     = var.emulator_url
    dynamodb       = var.emulator_url
    ec2            = var.emulator_url
    events         = var.emulator_url
    iam            = var.emulator_url
    kms            = var.emulator_url
    lambda         = var.emulator_url
    logs           = var.emulator_url
    route53        = var.emulator_url
    s3             = var.emulator_url
    scheduler      = var.emulator_url
    ses            = var.emulator_url
    sfn            = var.emulator_url
    sns            = var.emulator_url
    sqs            = var.emulator_url
    ssm            = var.emulator_url
    sts            = var.emulator_url
    xray           = var.emulator_url
  }

  default_tags {
    tags = local.tags
  }
}

# Route 53 is global; its health-check metrics and alarms live in us-east-1 (as in prod).
provider "aws" {
  alias      = "global"
  region     = "us-east-1"
  access_key = "testing"
  secret_key = "testing"

  allowed_account_ids         = ["123456789012"]
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  max_retries                 = 3

  endpoints {
    acm            = var.emulator_url
    apigateway     = var.emulator_url
    apigatewayv2   = var.emulator_url
    appautoscaling = var.emulator_url
    cloudwatch     = var.emulator_url
    cognitoidp     = var.emulator_url
    dynamodb       = var.emulator_url
    ec2            = var.emulator_url
    events         = var.emulator_url
    iam            = var.emulator_url
    kms            = var.emulator_url
    lambda         = var.emulator_url
    logs           = var.emulator_url
    route53        = var.emulator_url
    s3             = var.emulator_url
    scheduler      = var.emulator_url
    ses            = var.emulator_url
    sfn            = var.emulator_url
    sns            = var.emulator_url
    sqs            = var.emulator_url
    ssm            = var.emulator_url
    sts            = var.emulator_url
    xray           = var.emulator_url
  }

  default_tags {
    tags = local.tags
  }
}

# Prod is given a zone; locally the zone is created here so the regional custom domains and latency records have one.
resource "aws_route53_zone" "local" {
  #checkov:skip=CKV2_AWS_38:A throw-away zone on the local emulator, never delegated: DNSSEC signs nothing anyone resolves.
  #checkov:skip=CKV2_AWS_39:A throw-away zone on the local emulator, never queried by a resolver: no query logs to keep.
  provider = aws.global

  name          = var.zone_name
  force_destroy = true
}

module "primary" {
  source    = "../../stacks/regional"
  providers = { aws = aws.primary }

  prefix                = local.common.prefix
  manifest_path         = local.manifest_path
  package_root          = local.repo
  payment_api_url       = var.payment_api_url
  sender_email          = "orders@example.com"
  allowed_email_domains = local.common.allowed_email_domains
  log_level             = local.common.log_level
  log_retention_days    = local.common.log_retention_days
  function_environment  = local.common.function_environment
  function_settings     = local.common.function_settings
  api                   = local.common.api

  # Creates the global tables (replicas in the secondary) and the one user pool.
  global_tables = { tables = local.global_tables, replica_regions = [var.secondary_region] }

  snap_start_enabled    = false
  max_receive_count     = 5
  deletion_protection   = false
  force_destroy_buckets = true
  s3_require_tls        = false
}

module "secondary" {
  source    = "../../stacks/regional"
  providers = { aws = aws.secondary }

  prefix                = local.common.prefix
  manifest_path         = local.manifest_path
  package_root          = local.repo
  payment_api_url       = var.payment_api_url
  sender_email          = "orders@example.com"
  allowed_email_domains = local.common.allowed_email_domains
  log_level             = local.common.log_level
  log_retention_days    = local.common.log_retention_days
  function_environment  = local.common.function_environment
  function_settings     = local.common.function_settings
  api                   = local.common.api

  # Holds the replicas the primary creates, and trusts the primary's user pool: one identity for both APIs.
  global_tables = { tables = local.global_tables, primary_region = var.region }
  identity      = module.primary.identity
  # As in prod: the saga (every stock write) runs in the primary; this region forwards order events there.
  saga_home = { event_bus_arn = module.primary.event_bus_arn }

  snap_start_enabled    = false
  max_receive_count     = 5
  deletion_protection   = false
  force_destroy_buckets = true
  s3_require_tls        = false
}

module "global" {
  source    = "../../stacks/global"
  providers = { aws = aws.global }

  zone_id      = aws_route53_zone.local.zone_id
  record_name  = local.api_name
  health_check = var.health_check
  regions = {
    (var.region) = {
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
