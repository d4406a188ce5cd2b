variable "name" {
  description = "Table name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.name))
    error_message = "name must be 3-255 characters of letters, digits, '_', '-' or '.'."
  }
}

variable "hash_key" {
  description = "Partition key attribute (string): pk by project convention, id for the idempotency table."
  type        = string
  default     = "pk"
}

variable "range_key" {
  description = "Sort key attribute (string); null for a partition-key-only table."
  type        = string
  default     = "sk"
}

variable "global_secondary_indexes" {
  description = "GSIs with string keys, projecting all attributes."
  type = list(object({
    name      = string
    hash_key  = string
    range_key = optional(string)
  }))
  default = []
}

variable "ttl_attribute" {
  description = "Attribute holding an epoch-seconds expiry; null: no TTL."
  type        = string
  default     = null
}

variable "point_in_time_recovery" {
  description = "Continuous backups (35-day point-in-time recovery)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse to delete the table."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key; null encrypts with the AWS-managed key (aws/dynamodb)."
  type        = string
  default     = null
}
