variable "name" {
  description = "API name; also names the access-log group."
  type        = string
}

variable "integrations" {
  description = "Lambda integrations by key: the function's name, live alias name and alias invoke ARN (payload format 2.0)."
  type = map(object({
    function_name = string
    alias_name    = string
    invoke_arn    = string
    timeout_ms    = optional(number, 29000)
  }))

  validation {
    condition     = alltrue([for i in values(var.integrations) : i.timeout_ms >= 50 && i.timeout_ms <= 30000])
    error_message = "integrations[*].timeout_ms must be between 50 and 30000 (HTTP API limit)."
  }
}

variable "routes" {
  description = "Routes by route key (\"METHOD /path\") to an integration key; public routes skip the JWT authorizer."
  type = map(object({
    integration = string
    public      = optional(bool, false)
  }))

  validation {
    condition     = alltrue([for k in keys(var.routes) : can(regex("^(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /[^ ]*$", k))])
    error_message = "Route keys must look like \"GET /orders/{id}\" (method, one space, path starting with /)."
  }
  validation {
    condition     = alltrue([for r in values(var.routes) : contains(keys(var.integrations), r.integration)])
    error_message = "Every route's integration must be a key of var.integrations."
  }
}

variable "jwt_authorizer" {
  description = "JWT authorizer for non-public routes (e.g. a Cognito user pool: issuer https://cognito-idp.<region>.amazonaws.com/<pool id>, audience = app client ids). null: every route is public."
  type = object({
    issuer   = string
    audience = list(string)
  })
  default = null
}

variable "throttling" {
  description = "Default route throttling of the stage."
  type = object({
    burst_limit = number
    rate_limit  = number
  })
  default = {
    burst_limit = 200
    rate_limit  = 100
  }

  validation {
    condition     = var.throttling.burst_limit >= 0 && var.throttling.rate_limit >= 0
    error_message = "throttling limits must be 0 or more."
  }
}

variable "cors" {
  description = "CORS at the API (API Gateway answers preflights before routes and authorizers, and replaces any CORS headers a function returns): explicit origins such as https://app.example.com; allow_credentials only with explicit origins. null: no CORS (browsers on other origins cannot call the API)."
  type = object({
    allow_origins     = list(string)
    allow_methods     = optional(list(string), ["GET", "POST", "PATCH", "DELETE", "OPTIONS"])
    allow_headers     = optional(list(string), ["authorization", "content-type", "idempotency-key"])
    expose_headers    = optional(list(string), ["Retry-After", "Location"])
    max_age           = optional(number, 300)
    allow_credentials = optional(bool, false)
  })
  default = null

  validation {
    condition     = var.cors == null || try(length(var.cors.allow_origins) > 0, false)
    error_message = "cors.allow_origins must list at least one origin (or set cors = null for no CORS)."
  }
  validation {
    condition = var.cors == null || alltrue([
      for o in try(var.cors.allow_origins, []) : o == "*" || can(regex("^https?://([A-Za-z0-9*-]+[.])*[A-Za-z0-9*-]*(:[0-9]{1,5})?$", o))
    ])
    error_message = "cors.allow_origins entries must be origins like https://app.example.com or http://localhost:3000 (scheme, host, optional port; no path, no trailing slash)."
  }
  validation {
    condition     = var.cors == null || !try(var.cors.allow_credentials, false) || alltrue([for o in try(var.cors.allow_origins, []) : !strcontains(o, "*")])
    error_message = "cors.allow_credentials needs explicit origins: never \"*\" (or a wildcard) with credentials."
  }
  validation {
    condition     = var.cors == null || alltrue([for m in try(var.cors.allow_methods, []) : contains(["*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"], m)])
    error_message = "cors.allow_methods entries must be HTTP methods (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS) or \"*\"."
  }
  validation {
    condition     = var.cors == null || try(var.cors.max_age >= 0 && var.cors.max_age <= 86400, false)
    error_message = "cors.max_age must be between 0 and 86400 seconds."
  }
}

variable "log_retention_days" {
  description = "Retention of the access-log group, in days."
  type        = number
  default     = 30
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the access-log group; null uses the CloudWatch Logs default."
  type        = string
  default     = null
}

variable "domain" {
  description = "Regional custom domain: name and the Route 53 zone that validates its ACM certificate. null: only the execute-api endpoint."
  type = object({
    name    = string
    zone_id = string
  })
  default = null
}
