variable "zone_id" {
  description = "Route 53 hosted zone holding the record."
  type        = string
}

variable "record_name" {
  description = "The name clients use (e.g. api.example.com); the same in every region."
  type        = string
}

variable "regions" {
  description = "Per region: the API custom domain's regional target (alias) and the host of the region's own health endpoint (the execute-api host, so each check hits exactly one region)."
  type = map(object({
    target_domain_name    = string
    target_hosted_zone_id = string
    health_check_fqdn     = string
    health_check_path     = optional(string, "/health")
  }))

  validation {
    condition     = length(var.regions) >= 1
    error_message = "regions needs at least one region."
  }
  validation {
    condition     = alltrue([for k in keys(var.regions) : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", k))])
    error_message = "regions keys must be AWS region names such as us-east-1 (they become the latency region and set identifier)."
  }
  validation {
    condition     = alltrue([for r in values(var.regions) : startswith(r.health_check_path, "/")])
    error_message = "health_check_path must start with '/'."
  }
}

variable "health_check" {
  description = "Health check tuning: request interval (10 or 30 s) and failures before a region counts as unhealthy."
  type = object({
    request_interval  = optional(number, 30)
    failure_threshold = optional(number, 3)
  })
  default = {}

  validation {
    condition     = contains([10, 30], var.health_check.request_interval)
    error_message = "health_check.request_interval must be 10 or 30 seconds."
  }
  validation {
    condition     = var.health_check.failure_threshold >= 1 && var.health_check.failure_threshold <= 10
    error_message = "health_check.failure_threshold must be between 1 and 10."
  }
}
