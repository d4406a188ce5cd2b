variable "region" {
  description = "The region dev deploys to."
  type        = string
  default     = "eu-west-1"
}

variable "manifest_path" {
  description = "Build manifest; null: <repo>/dist/manifest.json (run `make build` first)."
  type        = string
  default     = null
}

variable "allowed_account_ids" {
  description = "Accounts this environment may deploy to (a guard against the wrong credentials); null: any."
  type        = list(string)
  default     = null
}

variable "payment_api_url" {
  description = "The payment provider's sandbox API."
  type        = string
  default     = "https://sandbox.payments.example.com"
}

variable "sender_email" {
  description = "Verified SES sender."
  type        = string
  default     = "orders-dev@example.com"
}

variable "alarm_emails" {
  description = "Who receives alarms."
  type        = list(string)
  default     = []
}

variable "layer_arns" {
  description = "Layer versions published by scripts/publish_layer.py, by layer name (instead of publishing from dist/)."
  type        = map(string)
  default     = {}
}

variable "cors_origins" {
  description = "Browser origins allowed to call the API (CORS), e.g. [\"https://app.dev.orders.example.com\"]; explicit origins only, never \"*\". The default lets a front-end dev server on a developer's machine call dev."
  type        = list(string)
  default     = ["http://localhost:3000"]
}
