variable "emulator_url" {
  description = "Endpoint of the embedded AWS emulator (python -m scripts.local up), e.g. http://127.0.0.1:4566."
  type        = string

  validation {
    condition     = can(regex("^http://(127\\.0\\.0\\.1|localhost|\\[::1\\]):[0-9]+/?$", var.emulator_url))
    error_message = "emulator_url must be a loopback http URL such as http://127.0.0.1:4566: this environment never talks to real AWS."
  }
}

variable "region" {
  description = "The primary region: creates the global tables and the user pool (the local stack's --region)."
  type        = string
  default     = "us-east-1"
}

variable "secondary_region" {
  description = "The secondary region: holds replicas and trusts the primary's pool (the local stack's first --extra-region)."
  type        = string
  default     = "us-west-2"

  validation {
    condition     = var.secondary_region != var.region
    error_message = "secondary_region must differ from region (the primary)."
  }
}

variable "zone_name" {
  description = "The Route 53 zone created on the emulator; the latency-routed API name is api.<zone_name>."
  type        = string
  default     = "orders.local.example.com"

  validation {
    condition     = can(regex("^([a-z0-9-]+\\.)+[a-z]{2,}$", var.zone_name))
    error_message = "zone_name must be a DNS name such as orders.local.example.com (lower case, no trailing dot)."
  }
}

variable "health_check" {
  description = "Route 53 health checks (passed to the global stack): the fastest Route 53 allows, so the drill's failover is short."
  type = object({
    request_interval  = optional(number, 10)
    failure_threshold = optional(number, 1)
  })
  default = {}
}

variable "manifest_path" {
  description = "Build manifest; null: <repo>/dist/manifest.json."
  type        = string
  default     = null
}

variable "payment_api_url" {
  description = "The payment API both regions call (the local stack's sandbox)."
  type        = string
  default     = "http://127.0.0.1:8081"
}
