# The regional stack on the embedded emulator. Only what the emulator cannot do differs from dev/prod, and
# only through the stack's variables: throw-away data (no deletion protection, buckets emptied on destroy),
# AWS_ENDPOINT_URL for the functions, and no TLS-only bucket policies (the emulator speaks plain HTTP).
# Emulator gaps are listed in terraform/README.md.

locals {
  repo = abspath("${path.root}/../../..")
  # Every service the stack uses, pointed at the emulator (provider 5.x endpoint names).
  services = [
    "acm", "apigateway", "apigatewayv2", "appautoscaling", "cloudwatch", "codedeploy", "cognitoidp", "dynamodb", "ec2", "events",
    "iam", "kms", "lambda", "logs", "route53", "s3", "scheduler", "ses", "sfn", "sns", "sqs", "ssm", "sts", "xray",
  ]
}

provider "aws" {
  region     = var.region
  access_key = "testing"
  secret_key = "testing"

  # The emulator's fixed account: a misconfigured endpoint can never touch a real account.
  allowed_account_ids         = ["123456789012"]
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  # A missing emulator API fails in seconds instead of retrying for minutes; 3 attempts absorb the emulator
  # closing a keep-alive connection under load ("use of closed network connection").
  max_retries = 3

  endpoints {
    acm            = var.emulator_url
    apigateway     = var.emulator_url
    apigatewayv2   = var.emulator_url
    appautoscaling = var.emulator_url
    cloudwatch     = var.emulator_url
    codedeploy     = var.emulator_url
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
    tags = {
      project     = "orders-lambdas"
      environment = "local"
      managed-by  = "terraform"
    }
  }
}

module "regional" {
  source = "../../stacks/regional"

  prefix          = "orders-local"
  manifest_path   = coalesce(var.manifest_path, "${local.repo}/dist/manifest.json")
  package_root    = local.repo
  payment_api_url = var.payment_api_url
  sender_email    = "orders@example.com"

  allowed_email_domains = ["example.com"]
  log_level             = "DEBUG"
  log_retention_days    = 7

  function_environment = { AWS_ENDPOINT_URL = trimsuffix(var.emulator_url, "/") }

  # The emulator has no snapshots and always reports SnapStart off (a diff on every plan); the local data plane
  # starts functions from their zips, with their bytecode.
  snap_start_enabled = false

  # Fast feedback locally, as forgiving as prod: the cleanup runs every minute, and order_worker's 5 s timeout
  # makes its queue's visibility 30 s (6x, as in prod) so a poison message reaches the DLQ in 5 x 30 s = 150 s.
  # maxReceiveCount stays prod's 5 (AWS's minimum advice for Lambda SQS sources): a good message may come back
  # a few times without being at fault (its batch hit the deadline guard, its worker was killed, its message id
  # was still in progress elsewhere), and 2 receives dead-lettered such messages under load. 5 s is enough for
  # a batch of 10: records not started before the last second are reported back (shared.batch), never timed out.
  function_settings = {
    scheduled_cleanup = { schedule = "rate(1 minute)" }
    order_worker      = { timeout = 5 }
  }
  max_receive_count = 5

  # A front-end dev server on this machine may call the local API (the local gateway applies the same CORS).
  api = { cors_origins = ["http://localhost:3000", "http://127.0.0.1:3000"] }

  # CodeDeploy traffic shifting as in dev/prod, carried out by the emulator (at the local stack's time scale):
  # every function all at once, health as prod's canary with the pre-traffic hook replaying its Route 53 check.
  deployment = {
    enabled = true
    functions = {
      health = { config = "CodeDeployDefault.LambdaCanary10Percent5Minutes", pre_traffic_events = ["route53_health_check.json"] }
    }
  }

  # Throw-away data: destroy must be able to remove everything.
  deletion_protection   = false
  force_destroy_buckets = true
  # The emulator speaks plain HTTP: a TLS-only bucket policy would deny every request.
  s3_require_tls = false
}
