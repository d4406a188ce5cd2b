# The two resources whose provider waiters dominate local applies: an SQS queue pair shaped like
# terraform/modules/sqs_queue and an S3 bucket lifecycle configuration shaped like terraform/modules/s3_bucket.
# Used to measure (TF_LOG=DEBUG shows every wait poll) what the emulator answers while the provider waits.
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.67"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "name" {
  type        = string
  description = "Name prefix, unique per run."
}

variable "transition_default_minimum_object_size" {
  type        = string
  default     = "all_storage_classes_128K"
  description = "Lifecycle TransitionDefaultMinimumObjectSize (moto ignored anything but the default before the gap fill)."
}

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "main" {
  name                       = "${var.name}-main"
  visibility_timeout_seconds = 180
  message_retention_seconds  = 345600
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_s3_bucket" "this" {
  bucket        = "${var.name}-bucket"
  force_destroy = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket                                 = aws_s3_bucket.this.id
  transition_default_minimum_object_size = var.transition_default_minimum_object_size

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "expire-tmp"
    status = "Enabled"
    filter {
      prefix = "tmp/"
    }
    expiration {
      days = 7
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}
