variable "name" {
  description = "Queue name; the dead-letter queue is named <name>-dlq."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,76}$", var.name))
    error_message = "name must be 1-76 characters of letters, digits, '-' or '_' (the DLQ adds '-dlq')."
  }
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout; for a Lambda consumer at least 6x its timeout (sqs_consumer checks this)."
  type        = number
  default     = 30

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be between 0 and 43200 (12 hours)."
  }
}

variable "message_retention_seconds" {
  description = "How long the main queue keeps a message."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long the dead-letter queue keeps a message (keep it longer than the main queue)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

variable "max_receive_count" {
  description = "Receives before a message moves to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for both queues; null uses SQS-managed encryption (SSE-SQS)."
  type        = string
  default     = null
}

variable "allowed_senders" {
  description = "AWS services allowed to send to the main queue through its queue policy (e.g. EventBridge or SNS delivering failed events), each limited to source ARNs (wildcards allowed)."
  type = list(object({
    service     = string
    source_arns = list(string)
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.allowed_senders : endswith(s.service, ".amazonaws.com") && length(s.source_arns) > 0])
    error_message = "allowed_senders entries need a service principal (*.amazonaws.com) and at least one source ARN."
  }
}

variable "require_tls" {
  description = "Queue policies on both queues denying every SQS action (sqs:*) over plain HTTP (aws:SecureTransport false)."
  type        = bool
  default     = true
}

variable "alarms" {
  description = "Alarms: the DLQ has messages; the oldest message is older than oldest_message_age_seconds; optionally the main queue holds more than visible_messages_threshold messages (for queues that are themselves failure sinks)."
  type = object({
    enabled                    = optional(bool, true)
    topic_arn                  = optional(string)
    oldest_message_age_seconds = optional(number, 900)
    visible_messages_threshold = optional(number)
  })
  default = {}
}
