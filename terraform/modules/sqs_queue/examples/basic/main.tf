# Example: a work queue with its dead-letter queue, redrive, encryption and alarms.
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
    tags = { project = "orders-lambdas", example = "sqs_queue" }
  }
}

variable "max_receive_count" {
  description = "Receives before a message moves to the DLQ."
  type        = number
  default     = 4
}

module "queue" {
  source = "../.."

  name                       = "example-orders"
  visibility_timeout_seconds = 180
  max_receive_count          = var.max_receive_count
  alarms                     = { oldest_message_age_seconds = 600 }
}

output "queue_url" {
  description = "URL of the work queue."
  value       = module.queue.url
}
