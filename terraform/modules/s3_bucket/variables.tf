variable "name" {
  description = "Bucket name (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be 3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete a bucket that still holds objects (throw-away environments only)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key; null uses the AWS-managed key (aws/s3) with SSE-KMS."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which overwritten or deleted object versions are removed."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "expiration" {
  description = "Expire current objects under a prefix after some days (e.g. uploads/ after 7); empty: keep."
  type = list(object({
    prefix = string
    days   = number
  }))
  default = []
}

variable "cors_allowed_origins" {
  description = "Origins allowed to POST objects directly (presigned POST from a browser); empty: no CORS."
  type        = list(string)
  default     = []
}

variable "require_tls" {
  description = "Bucket policy denying requests not made over TLS. Only the local emulator, which speaks plain HTTP, turns it off."
  type        = bool
  default     = true
}
