# Example: publish a layer from its built zip, or pass through an ARN published elsewhere.
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
    tags = { project = "orders-lambdas", example = "lambda_layer" }
  }
}

variable "layer_zip_path" {
  description = "A built layer zip (dist/layers/common.zip after `make build`)."
  type        = string
}

module "published" {
  source = "../.."

  name    = "example-common"
  package = { path = var.layer_zip_path, sha256 = filebase64sha256(var.layer_zip_path) }
}

module "existing" {
  source = "../.."

  name         = "example-common"
  existing_arn = "arn:aws:lambda:us-east-1:123456789012:layer:example-common:7"
}

output "arns" {
  description = "Both layer version ARNs."
  value       = [module.published.arn, module.existing.arn]
}
