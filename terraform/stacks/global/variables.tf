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
