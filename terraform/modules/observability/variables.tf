variable "name" {
  description = "Prefix for the alarm topic, dashboard and saved queries."
  type        = string
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each confirms by email)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@ ]+@[^@ ]+\\.[^@ ]+$", e))])
    error_message = "alarm_emails must be email addresses."
  }
}

variable "alarm_topic_kms_key_arn" {
  description = "Customer-managed KMS key for the alarm topic. Its key policy must let cloudwatch.amazonaws.com use it; the AWS-managed SNS key cannot (alarms could not publish). null: unencrypted topic."
  type        = string
  default     = null
}

variable "function_names" {
  description = "Lambda functions on the dashboard, by key."
  type        = map(string)
  default     = {}
}

variable "log_group_names" {
  description = "Function log groups the saved Logs Insights queries search."
  type        = list(string)
  default     = []
}

variable "queue_names" {
  description = "SQS queues (main queues) on the dashboard."
  type        = list(string)
  default     = []
}

variable "state_machine_arns" {
  description = "State machines on the dashboard."
  type        = list(string)
  default     = []
}

variable "api_id" {
  description = "HTTP API on the dashboard; null: no API widgets."
  type        = string
  default     = null
}
