# Example: a private, versioned, encrypted bucket expiring uploads after a week.
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
    tags = { project = "orders-lambdas", example = "s3_bucket" }
  }
}

module "bucket" {
  source = "../.."

  name                 = "example-uploads-bucket"
  force_destroy        = true
  expiration           = [{ prefix = "uploads/", days = 7 }]
  cors_allowed_origins = ["https://app.example.com"]
}

output "bucket" {
  description = "Bucket name."
  value       = module.bucket.id
}
