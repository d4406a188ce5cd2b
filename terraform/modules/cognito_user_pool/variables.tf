variable "name" {
  description = "User pool name; also names its app client."
  type        = string
}

variable "triggers" {
  description = "Lambda triggers (live aliases): pre sign-up, post confirmation, pre token generation (event version V2_0). null leaves a trigger unset."
  type = object({
    pre_sign_up = optional(object({
      function_name = string
      alias_name    = string
      alias_arn     = string
    }))
    post_confirmation = optional(object({
      function_name = string
      alias_name    = string
      alias_arn     = string
    }))
    pre_token_generation = optional(object({
      function_name = string
      alias_name    = string
      alias_arn     = string
    }))
  })
  default = {}
}

variable "deletion_protection" {
  description = "Refuse to delete the pool (users would be lost)."
  type        = bool
  default     = true
}

variable "mfa_configuration" {
  description = "MFA: OFF, OPTIONAL or ON (software tokens)."
  type        = string
  default     = "OPTIONAL"

  validation {
    condition     = contains(["OFF", "OPTIONAL", "ON"], var.mfa_configuration)
    error_message = "mfa_configuration must be OFF, OPTIONAL or ON."
  }
}

variable "callback_urls" {
  description = "OAuth callback URLs of the app client; empty: no hosted-UI OAuth flows."
  type        = list(string)
  default     = []
}

variable "pre_token_generation_event_version" {
  description = "Event version the pre token generation trigger receives: V1_0 (claimsOverrideDetails, what cognito_triggers handles) or V2_0 (also access-token claims; needs the Essentials tier)."
  type        = string
  default     = "V1_0"

  validation {
    condition     = contains(["V1_0", "V2_0"], var.pre_token_generation_event_version)
    error_message = "pre_token_generation_event_version must be V1_0 or V2_0."
  }
}
