variable "bucket" {
  description = "The bucket whose object events invoke the functions (s3_bucket outputs: id, arn)."
  type = object({
    id  = string
    arn = string
  })
}

variable "functions" {
  description = "Notifications by key: which function's live alias an object event invokes, filtered by key prefix and suffix. S3 rejects two entries whose event types and prefix/suffix filters overlap."
  type = map(object({
    function = object({
      function_name = string
      alias_name    = string
      alias_arn     = string
    })
    events        = optional(list(string), ["s3:ObjectCreated:*"])
    filter_prefix = optional(string)
    filter_suffix = optional(string)
  }))

  validation {
    condition     = alltrue([for n in values(var.functions) : alltrue([for e in n.events : startswith(e, "s3:")])])
    error_message = "functions[*].events must be S3 event types such as s3:ObjectCreated:*."
  }
}

variable "eventbridge" {
  description = "Also send every bucket event to the account's default EventBridge bus."
  type        = bool
  default     = false
}
