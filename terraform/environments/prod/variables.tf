variable "primary_region" {
  description = "First region (also hosts nothing global: Route 53 and its alarms use the us-east-1 provider)."
  type        = string
  default     = "us-east-1"
}

variable "secondary_region" {
  description = "Second region."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = var.secondary_region != var.primary_region
    error_message = "secondary_region must differ from primary_region."
  }
}

variable "manifest_path" {
  description = "Build manifest; null: <repo>/dist/manifest.json (run `make build` first)."
  type        = string
  default     = null
}

variable "allowed_account_ids" {
  description = "Accounts prod may deploy to (a guard against the wrong credentials); null: any."
  type        = list(string)
  default     = null
}

variable "api_domain" {
  description = "The API name served from both regions, and the Route 53 zone it lives in."
  type = object({
    name    = string
    zone_id = string
  })
}

variable "payment_api_url" {
  description = "The payment provider's API."
  type        = string
  default     = "https://payments.example.com"
}

variable "sender_email" {
  description = "Verified SES sender (verified in both regions)."
  type        = string
  default     = "orders@example.com"
}

variable "alarm_emails" {
  description = "Who receives alarms."
  type        = list(string)
  default     = []
}

variable "layer_arns" {
  description = "Layer versions published by scripts/publish_layer.py, by region and layer name."
  type        = map(map(string))
  default     = {}
}

variable "cors_origins" {
  description = "Browser origins allowed to call the API (CORS), e.g. [\"https://app.orders.example.com\"]; explicit origins only, never \"*\". Empty: no browser on another origin can call the API."
  type        = list(string)
  default     = []
}

variable "health_check" {
  description = "Route 53 health check of each region: 10 s x 3 failures + the 60 s alias TTL = 90 s worst-case failover (output failover_time)."
  type = object({
    request_interval  = optional(number, 10)
    failure_threshold = optional(number, 3)
  })
  default = {}
}
