variable "zone_id" {
  description = "Route 53 hosted zone of the API name."
  type        = string
}

variable "record_name" {
  description = "Name clients use, e.g. api.example.com (each region's API has it as a regional custom domain)."
  type        = string
}

variable "regions" {
  description = "Per region (key = region name): the regional stack's api_domain_target and health_check_fqdn outputs."
  type = map(object({
    target_domain_name    = string
    target_hosted_zone_id = string
    health_check_fqdn     = string
  }))

  validation {
    condition     = length(var.regions) >= 2
    error_message = "Latency routing needs at least two regions."
  }
}

variable "alarm_emails" {
  description = "Addresses notified when a region turns unhealthy (alarms and topic live in us-east-1 with the Route 53 metrics)."
  type        = list(string)
  default     = []
}

variable "health_check" {
  description = "Route 53 health check per region: seconds between checks (10 or 30) and consecutive failures before the region counts as unhealthy. Together with alias_ttl_seconds they bound the failover time (output failover_time)."
  type = object({
    request_interval  = optional(number, 30)
    failure_threshold = optional(number, 3)
  })
  default = {}

  validation {
    condition     = contains([10, 30], var.health_check.request_interval)
    error_message = "health_check.request_interval must be 10 or 30 seconds (Route 53's two intervals)."
  }
  validation {
    condition     = var.health_check.failure_threshold >= 1 && var.health_check.failure_threshold <= 10
    error_message = "health_check.failure_threshold must be between 1 and 10."
  }
}

variable "alias_ttl_seconds" {
  description = "How long resolvers may keep answering the old region after Route 53 switched: latency alias records have no TTL of their own and take the alias target's (an API Gateway regional domain answers with 60 s)."
  type        = number
  default     = 60

  validation {
    condition     = var.alias_ttl_seconds >= 0 && var.alias_ttl_seconds <= 86400
    error_message = "alias_ttl_seconds must be between 0 and 86400."
  }
}
