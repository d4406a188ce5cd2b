variable "name" {
  description = "State machine name; also names its role and log group."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.name))
    error_message = "name must be 1-80 characters of letters, digits, '-' or '_'."
  }
}

variable "definition_file" {
  description = "Path of the ASL (Amazon States Language) JSON template; $${name} placeholders are filled from var.substitutions."
  type        = string

  validation {
    condition     = fileexists(var.definition_file)
    error_message = "definition_file does not exist."
  }
}

variable "substitutions" {
  description = "Values for the template's placeholders (e.g. reserve_inventory_arn => the task function's alias ARN)."
  type        = map(string)
  default     = {}
}

variable "lambda_function_arns" {
  description = "Function (alias) ARNs the machine may invoke; the role gets lambda:InvokeFunction on exactly these."
  type        = list(string)
  default     = []
}

variable "type" {
  description = "STANDARD (exactly-once, long-running, auditable: a saga) or EXPRESS."
  type        = string
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "EXPRESS"], var.type)
    error_message = "type must be STANDARD or EXPRESS."
  }
}

variable "log_level" {
  description = "Execution logging level."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be ALL, ERROR or FATAL (logging is never OFF)."
  }
}

variable "log_retention_days" {
  description = "Retention of the execution-log group, in days."
  type        = number
  default     = 30
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the log group; null uses the CloudWatch Logs default."
  type        = string
  default     = null
}

variable "alarms" {
  description = "Alarms on failed, timed-out and aborted executions (any in a minute)."
  type = object({
    enabled   = optional(bool, true)
    topic_arn = optional(string)
  })
  default = {}
}
