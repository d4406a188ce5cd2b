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

variable "stream_view_type" {
  description = "DynamoDB Streams view type (KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES); null: no stream. A global table (replicas) needs NEW_AND_OLD_IMAGES: replication reads the stream."
  type        = string
  default     = null

  validation {
    condition     = var.stream_view_type == null || contains(["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"], coalesce(var.stream_view_type, "-"))
    error_message = "stream_view_type must be KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or null (no stream)."
  }
}

variable "region" {
  description = "Region this table is created in (the provider's region), when the caller knows it: replicas are then checked against it at validation. null: the same check runs as a precondition against the provider's region."
  type        = string
  default     = null

  validation {
    condition     = var.region == null || can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", coalesce(var.region, "-")))
    error_message = "region must be an AWS region name such as us-east-1, or null."
  }
}

variable "replicas" {
  description = "Replicas of a global table (version 2019.11.21), one per other region: the table is created here and DynamoDB creates and replicates the copies (last writer wins). point_in_time_recovery null follows the table's; kms_key_arn is the replica region's customer key (required per replica when kms_key_arn is set: KMS keys are regional)."
  type = list(object({
    region_name            = string
    point_in_time_recovery = optional(bool)
    propagate_tags         = optional(bool, true)
    kms_key_arn            = optional(string)
  }))
  default = []

  validation {
    condition     = alltrue([for r in var.replicas : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r.region_name))])
    error_message = "replicas[*].region_name must be AWS region names such as eu-west-1."
  }
  validation {
    condition     = length(distinct([for r in var.replicas : r.region_name])) == length(var.replicas)
    error_message = "replicas lists a region twice: a global table has at most one replica per region."
  }
  validation {
    condition     = var.region == null || !contains([for r in var.replicas : r.region_name], coalesce(var.region, "-"))
    error_message = "replicas must not include the table's own region (${coalesce(var.region, "-")}): the table itself is that region's copy."
  }
  validation {
    condition     = length(var.replicas) == 0 || var.stream_view_type == "NEW_AND_OLD_IMAGES"
    error_message = "replicas need stream_view_type = \"NEW_AND_OLD_IMAGES\": global tables replicate through the table's stream (AWS rejects any other view type, and turning streams off)."
  }
  validation {
    condition     = var.kms_key_arn == null || alltrue([for r in var.replicas : r.kms_key_arn != null])
    error_message = "kms_key_arn is a customer-managed key: every replica needs its own key in its region (replicas[*].kms_key_arn), KMS keys do not cross regions."
  }
  validation {
    condition     = var.kms_key_arn != null || alltrue([for r in var.replicas : r.kms_key_arn == null])
    error_message = "replicas[*].kms_key_arn needs the table's own kms_key_arn too: a global table is encrypted the same way (AWS-managed or customer key) in every region."
  }
  validation {
    condition     = alltrue([for r in var.replicas : r.kms_key_arn == null || try(split(":", r.kms_key_arn)[3] == r.region_name, false)])
    error_message = "Every replicas[*].kms_key_arn must be a KMS key ARN in that replica's region (arn:aws:kms:<region_name>:...)."
  }
}

variable "replica_of" {
  description = "This region holds a replica of a global table another region's stack creates (its replicas list this region): nothing is created here and the outputs name the replica in this provider's region. null: the table is created here."
  type = object({
    region = string
  })
  default = null

  validation {
    condition     = var.replica_of == null || can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", try(var.replica_of.region, "-")))
    error_message = "replica_of.region must be the AWS region name of the region that creates the table, such as us-east-1."
  }
  validation {
    condition     = var.replica_of == null || length(var.replicas) == 0
    error_message = "replica_of and replicas exclude each other: replicas are declared once, by the region that creates the global table."
  }
  validation {
    condition     = var.replica_of == null || var.region == null || try(var.replica_of.region != var.region, true)
    error_message = "replica_of.region is this table's own region: a replica lives in another region than the table it copies."
  }
}
