variable "queue" {
  description = "The queue to consume (sqs_queue outputs: arn, visibility_timeout_seconds)."
  type = object({
    arn                        = string
    visibility_timeout_seconds = number
  })
}

variable "function" {
  description = "The consumer (lambda_function outputs): its live alias ARN, execution role name and timeout."
  type = object({
    alias_arn = string
    role_name = string
    timeout   = number
  })

  validation {
    condition     = can(regex(":function:[^:]+:[^:]+$", var.function.alias_arn)) && !endswith(var.function.alias_arn, ":$LATEST")
    error_message = "function.alias_arn must be an alias ARN (…:function:<name>:<alias>), never $LATEST, so the mapping uses the alias's provisioned concurrency."
  }
}

variable "batch_size" {
  description = "Records per invocation (1-10000; above 10 needs a batching window)."
  type        = number
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be between 1 and 10000."
  }
}

variable "maximum_batching_window_in_seconds" {
  description = "How long to gather records before invoking (0-300)."
  type        = number
  default     = 0

  validation {
    condition     = var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300
    error_message = "maximum_batching_window_in_seconds must be between 0 and 300."
  }
  validation {
    condition     = var.batch_size <= 10 || var.maximum_batching_window_in_seconds >= 1
    error_message = "A batch_size above 10 needs maximum_batching_window_in_seconds of at least 1."
  }
}

variable "maximum_concurrency" {
  description = "Most concurrent invocations this mapping drives (2-1000); null: no limit beyond the function's."
  type        = number
  default     = null

  validation {
    condition     = var.maximum_concurrency == null ? true : var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000
    error_message = "maximum_concurrency must be between 2 and 1000 (or null)."
  }
}

variable "enabled" {
  description = "Whether the mapping polls."
  type        = bool
  default     = true
}
