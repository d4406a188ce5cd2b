# Example: the alarm topic, a dashboard and the saved Logs Insights queries for two functions.
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
  region = "us-east-1"

  default_tags {
    tags = { project = "orders-lambdas", example = "observability" }
  }
}

module "observability" {
  source = "../.."

  name            = "example-orders"
  alarm_emails    = ["oncall@example.com"]
  function_names  = { orders_api = "example-orders-api", health = "example-health" }
  log_group_names = ["/aws/lambda/example-orders-api", "/aws/lambda/example-health"]
  queue_names     = ["example-orders"]
}

output "alarm_topic_arn" {
  description = "Topic every alarm notifies."
  value       = module.observability.alarm_topic_arn
}
