# One function whose live alias CodeDeploy shifts: a canary (10 % for 5 minutes, then the rest) rolled back when
# the function's own alarms fire or the pre-traffic hook reports a failure. The variables exist so tests can
# feed it bad values.
terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = { project = "orders-lambdas", example = "lambda_deployment" }
  }
}

variable "region" {
  description = "Region to deploy the example in."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Prefix of the function, the hook and the CodeDeploy application."
  type        = string
  default     = "example-deploy"
}

variable "package_path" {
  description = "A built function zip (e.g. dist/functions/health.zip after `make build`); the hook uses the same zip here."
  type        = string
}

variable "deployment_config" {
  description = "The function's deployment config: a CodeDeployDefault.Lambda* name or a key of custom_deployment_configs."
  type        = string
  default     = "canary10-5m"
}

variable "custom_deployment_configs" {
  description = "Custom traffic shapes by key."
  type = map(object({
    type             = string
    percentage       = number
    interval_minutes = number
  }))
  default = {
    canary10-5m = { type = "TimeBasedCanary", percentage = 10, interval_minutes = 5 }
  }
}

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:Example topic; CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed key.
  name = "${var.name}-alarms"
}

module "function" {
  source = "../../../lambda_function"

  name             = "${var.name}-api"
  package          = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler          = "health.handler.lambda_handler"
  alarms           = { topic_arn = aws_sns_topic.alarms.arn }
  traffic_shifting = true
}

module "hook" {
  source = "../../../lambda_function"

  name    = "${var.name}-hook"
  package = { path = var.package_path, sha256 = filebase64sha256(var.package_path) }
  handler = "health.handler.lambda_handler"
  timeout = 60
}

module "deployment" {
  source = "../.."

  name                      = var.name
  deployment_config         = var.deployment_config
  custom_deployment_configs = var.custom_deployment_configs
  pre_traffic_hook          = { function_name = module.hook.function_name }
  notification_topic_arn    = aws_sns_topic.alarms.arn

  functions = {
    api = {
      function_name    = module.function.function_name
      alias_name       = module.function.alias_name
      alarm_names      = [for kind in ["errors", "throttles", "duration_p99"] : module.function.alarm_names[kind]]
      pre_traffic_hook = true
    }
  }
}

output "deployment_groups" {
  description = "What `make deploy` needs per function."
  value       = module.deployment.deployment_groups
}

output "target_version" {
  description = "The version a deployment would shift the live alias to."
  value       = module.function.version
}
