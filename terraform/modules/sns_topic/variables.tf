variable "name" {
  description = "Topic name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,256}$", var.name))
    error_message = "name must be 1-256 characters of letters, digits, '-' or '_'."
  }
}

variable "kms_master_key_id" {
  description = "KMS key for server-side encryption: the AWS-managed alias/aws/sns by default, or a customer key ARN."
  type        = string
  default     = "alias/aws/sns"

  validation {
    condition     = var.kms_master_key_id != ""
    error_message = "kms_master_key_id must name a key: the topic is always encrypted."
  }
}

variable "subscriptions" {
  description = "Lambda subscriptions by key: the function's live alias, an optional filter policy (JSON) and the SQS queue receiving messages SNS could not deliver."
  type = map(object({
    function = object({
      function_name = string
      alias_name    = string
      alias_arn     = string
    })
    filter_policy   = optional(string)
    dead_letter_arn = string
  }))
  default = {}

  validation {
    condition     = alltrue([for s in values(var.subscriptions) : s.filter_policy == null ? true : can(jsondecode(s.filter_policy))])
    error_message = "subscriptions[*].filter_policy must be JSON."
  }
}

variable "allowed_publishers" {
  description = "AWS services allowed to publish through the topic policy (e.g. s3.amazonaws.com), limited to source ARNs."
  type = list(object({
    service     = string
    source_arns = list(string)
  }))
  default = []
}
