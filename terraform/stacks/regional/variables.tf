variable "prefix" {
  description = "Name prefix of every resource, e.g. orders-dev (functions are <prefix>-<key>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}[a-z0-9]$", var.prefix))
    error_message = "prefix must be 3-22 lowercase letters, digits or '-', starting with a letter (bucket names derive from it)."
  }
}

variable "manifest_path" {
  description = "Path of dist/manifest.json written by `make build`."
  type        = string

  validation {
    condition     = fileexists(var.manifest_path)
    error_message = "manifest_path does not exist: run `make build` first (it writes dist/manifest.json)."
  }
  validation {
    condition     = try(jsondecode(file(var.manifest_path)).version, null) == 1
    error_message = "manifest_path is not a version 1 build manifest (expected {\"version\": 1, \"functions\": ..., \"layers\": ...})."
  }
}

variable "package_root" {
  description = "Directory the manifest's relative zip paths start from (the repository root); null: three levels above the root module (terraform/environments/<env>)."
  type        = string
  default     = null
}

variable "layer_arns" {
  description = "Layer version ARNs already published by scripts/publish_layer.py, by layer name; those layers are not published from the manifest's zip."
  type        = map(string)
  default     = {}
}

variable "function_settings" {
  description = "Per-environment overrides by function key: sizing, reserved and provisioned concurrency, schedule."
  type = map(object({
    memory_size          = optional(number)
    timeout              = optional(number)
    reserved_concurrency = optional(number)
    schedule             = optional(string)
    provisioned_concurrency = optional(object({
      executions = number
      autoscaling = optional(object({
        min_capacity       = number
        max_capacity       = number
        target_utilization = optional(number, 0.7)
      }))
    }))
  }))
  default = {}
}

variable "max_receive_count" {
  description = "Receives before an SQS message moves to its queue's DLQ (redrive maxReceiveCount)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000 (SQS's limits)."
  }
}

variable "autoscaling_enabled" {
  description = "Application Auto Scaling for provisioned concurrency. Only the local emulator (no Application Auto Scaling API) turns it off."
  type        = bool
  default     = true
}

variable "snap_start_enabled" {
  description = "SnapStart on the functions wiring.tf marks snap_start. Only the local emulator (no snapshots; it always reports SnapStart off) turns it off."
  type        = bool
  default     = true
}

variable "function_environment" {
  description = "Extra environment variables for every function (e.g. AWS_ENDPOINT_URL in the local environment)."
  type        = map(string)
  default     = {}
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of every function."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "metrics_namespace" {
  description = "POWERTOOLS_METRICS_NAMESPACE of every function."
  type        = string
  default     = "Orders"
}

variable "log_retention_days" {
  description = "Retention of every log group, in days."
  type        = number
  default     = 30
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic."
  type        = list(string)
  default     = []
}

variable "payment_api_url" {
  description = "External payment HTTP API (PAYMENT_API_URL)."
  type        = string

  validation {
    condition     = can(regex("^https?://", var.payment_api_url))
    error_message = "payment_api_url must be an http(s) URL."
  }
}

variable "sender_email" {
  description = "SES sender address of notifications (SENDER_EMAIL); SES must have it verified."
  type        = string

  validation {
    condition     = can(regex("^[^@ ]+@[^@ ]+\\.[^@ ]+$", var.sender_email))
    error_message = "sender_email must be an email address."
  }
}

variable "allowed_email_domains" {
  description = "Email domains whose sign-ups are auto-confirmed (ALLOWED_EMAIL_DOMAINS)."
  type        = list(string)
  default     = []
}

variable "upload_alert_recipients" {
  description = "Addresses notifier e-mails about new uploads (UPLOAD_ALERT_RECIPIENTS)."
  type        = list(string)
  default     = []
}

variable "abandoned_after_hours" {
  description = "Age after which PENDING orders count as abandoned (ABANDONED_AFTER_HOURS)."
  type        = number
  default     = 48

  validation {
    condition     = var.abandoned_after_hours >= 1
    error_message = "abandoned_after_hours must be at least 1."
  }
}

variable "api" {
  description = "HTTP API settings: throttling, the browser origins allowed by CORS (explicit origins such as https://app.example.com; empty: no CORS), and an optional regional custom domain (name + Route 53 zone validating its certificate)."
  type = object({
    burst_limit  = optional(number, 200)
    rate_limit   = optional(number, 100)
    cors_origins = optional(list(string), [])
    domain = optional(object({
      name    = string
      zone_id = string
    }))
  })
  default = {}

  validation {
    condition     = alltrue([for o in var.api.cors_origins : can(regex("^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$", o))])
    error_message = "api.cors_origins must be explicit origins like https://app.example.com or http://localhost:3000: no \"*\", no wildcard, no path or trailing slash."
  }
}

variable "deletion_protection" {
  description = "Protect tables and the user pool from deletion. Only throw-away environments turn it off."
  type        = bool
  default     = true
}

variable "force_destroy_buckets" {
  description = "Let destroy delete buckets that still hold objects. Only throw-away environments turn it on."
  type        = bool
  default     = false
}

variable "s3_require_tls" {
  description = "Bucket policies denying non-TLS requests. Only the local emulator (plain HTTP) turns this off."
  type        = bool
  default     = true
}
