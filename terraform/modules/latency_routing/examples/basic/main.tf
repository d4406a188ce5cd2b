# Example: one name answered by the lowest-latency healthy region.
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
    tags = { project = "orders-lambdas", example = "latency_routing" }
  }
}

resource "aws_route53_zone" "example" {
  #checkov:skip=CKV2_AWS_38:Example zone; DNSSEC signing needs a KMS key in us-east-1 and registrar changes.
  #checkov:skip=CKV2_AWS_39:Example zone; query logging is an account-level choice.
  name = "orders.example.com"
}

module "latency" {
  source = "../.."

  zone_id     = aws_route53_zone.example.zone_id
  record_name = "api.orders.example.com"
  regions = {
    us-east-1 = {
      target_domain_name    = "d-abc123.execute-api.us-east-1.amazonaws.com"
      target_hosted_zone_id = "Z1UJRXOUMOOFQ8"
      health_check_fqdn     = "abc123.execute-api.us-east-1.amazonaws.com"
    }
    eu-west-1 = {
      target_domain_name    = "d-def456.execute-api.eu-west-1.amazonaws.com"
      target_hosted_zone_id = "ZLY8HYME6SFDD"
      health_check_fqdn     = "def456.execute-api.eu-west-1.amazonaws.com"
    }
  }
}

output "health_check_ids" {
  description = "Health check per region."
  value       = module.latency.health_check_ids
}
