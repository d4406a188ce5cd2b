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
  description = "CORS configuration (API Gateway answers preflight requests); null: no CORS."
  type = object({
    allow_origins = list(string)
    allow_methods = optional(list(string), ["GET", "POST", "PATCH", "DELETE", "OPTIONS"])
    allow_headers = optional(list(string), ["authorization", "content-type", "idempotency-key"])
    max_age       = optional(number, 300)
  })
  default = null
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
