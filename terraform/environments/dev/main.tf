locals {
  repo = abspath("${path.root}/../../..")
}

provider "aws" {
  region              = var.region
  allowed_account_ids = var.allowed_account_ids

  default_tags {
    tags = {
      project     = "orders-lambdas"
      environment = "dev"
      managed-by  = "terraform"
    }
  }
}

module "regional" {
  source = "../../stacks/regional"

  prefix          = "orders-dev"
  manifest_path   = coalesce(var.manifest_path, "${local.repo}/dist/manifest.json")
  package_root    = local.repo
  layer_arns      = var.layer_arns
  payment_api_url = var.payment_api_url
  sender_email    = var.sender_email
  alarm_emails    = var.alarm_emails

  allowed_email_domains = ["example.com"]
  log_level             = "DEBUG"
  log_retention_days    = 14
  api                   = { cors_origins = var.cors_origins }

  # A new version takes all traffic at once through CodeDeploy (still rolled back when its alarms fire).
  deployment = { enabled = true, config = "CodeDeployDefault.LambdaAllAtOnce" }
}
