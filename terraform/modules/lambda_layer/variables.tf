variable "name" {
  description = "Layer name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,140}$", var.name))
    error_message = "name must be 1-140 characters of letters, digits, '-' or '_'."
  }
}

variable "package" {
  description = "The built layer zip (path + base64 SHA-256 from dist/manifest.json); null when existing_arn is given."
  type = object({
    path   = string
    sha256 = string
  })
  default = null
}

variable "existing_arn" {
  description = "ARN of a layer version already published (by scripts/publish_layer.py); null to publish var.package here."
  type        = string
  default     = null

  validation {
    condition     = var.existing_arn == null ? true : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.existing_arn))
    error_message = "existing_arn must be a layer *version* ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)."
  }
  validation {
    condition     = (var.existing_arn == null) != (var.package == null)
    error_message = "Give exactly one of package (publish the zip) or existing_arn (use a published version)."
  }
}

variable "runtime" {
  description = "Compatible runtime."
  type        = string
  default     = "python3.13"

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be one of python3.11, python3.12, python3.13."
  }
}

variable "architecture" {
  description = "Compatible instruction set: arm64 or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "description" {
  description = "Layer description; null for none."
  type        = string
  default     = null
}
