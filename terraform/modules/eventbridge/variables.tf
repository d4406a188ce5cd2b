variable "name" {
  description = "Name prefix for the bus (when created), rules, schedules and the scheduler role."
  type        = string
}

variable "create_bus" {
  description = "Create a custom event bus named var.name; false uses the account's default bus."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the custom bus and the schedules; null uses AWS-owned keys."
  type        = string
  default     = null
}

variable "rules" {
  description = "Event rules on the bus, each delivering to one function's live alias, with retries and a dead-letter queue for events that cannot be delivered."
  type = map(object({
    description   = string
    event_pattern = string
    function = object({
      function_name = string
      alias_name    = string
      alias_arn     = string
    })
    dead_letter_arn              = string
    maximum_retry_attempts       = optional(number, 185)
    maximum_event_age_in_seconds = optional(number, 86400)
  }))
  default = {}

  validation {
    condition     = alltrue([for r in values(var.rules) : can(jsondecode(r.event_pattern))])
    error_message = "rules[*].event_pattern must be a JSON document."
  }
  validation {
    condition     = alltrue([for r in values(var.rules) : r.maximum_retry_attempts >= 0 && r.maximum_retry_attempts <= 185])
    error_message = "rules[*].maximum_retry_attempts must be between 0 and 185."
  }
  validation {
    condition     = alltrue([for r in values(var.rules) : r.maximum_event_age_in_seconds >= 60 && r.maximum_event_age_in_seconds <= 86400])
    error_message = "rules[*].maximum_event_age_in_seconds must be between 60 and 86400."
  }
}

variable "schedules" {
  description = "EventBridge Scheduler schedules invoking a function's live alias, with retries and a dead-letter queue."
  type = map(object({
    description         = string
    schedule_expression = string
    timezone            = optional(string, "UTC")
    input               = optional(string, "{}")
    function = object({
      function_name = string
      alias_arn     = string
    })
    dead_letter_arn        = string
    maximum_retry_attempts = optional(number, 3)
  }))
  default = {}

  validation {
    condition     = alltrue([for s in values(var.schedules) : can(regex("^(rate|cron|at)\\(.+\\)$", s.schedule_expression))])
    error_message = "schedules[*].schedule_expression must be rate(...), cron(...) or at(...)."
  }
  validation {
    condition     = alltrue([for s in values(var.schedules) : can(jsondecode(s.input))])
    error_message = "schedules[*].input must be JSON."
  }
}
