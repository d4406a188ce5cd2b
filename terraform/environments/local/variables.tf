variable "emulator_url" {
  description = "Endpoint of the embedded AWS emulator (python -m scripts.emulator / make up), e.g. http://127.0.0.1:4566."
  type        = string

  validation {
    condition     = can(regex("^http://(127\\.0\\.0\\.1|localhost|\\[::1\\]):[0-9]+/?$", var.emulator_url))
    error_message = "emulator_url must be a loopback http URL such as http://127.0.0.1:4566: this environment never talks to real AWS."
  }
}

variable "region" {
  description = "Region the emulator serves."
  type        = string
  default     = "us-east-1"
}

variable "manifest_path" {
  description = "Build manifest; null: <repo>/dist/manifest.json."
  type        = string
  default     = null
}

variable "payment_api_url" {
  description = "The payment API the local stack calls (a local stub)."
  type        = string
  default     = "http://127.0.0.1:8081"
}
