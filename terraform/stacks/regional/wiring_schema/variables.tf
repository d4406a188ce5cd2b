variable "key" {
  description = "The entry's function key in wiring.tf (for messages)."
  type        = string
}

variable "entry" {
  description = "One wiring entry (stacks/regional/wiring.tf). Defaults live here, in the type."
  type = object({
    memory_size     = optional(number, 256)
    timeout         = optional(number, 10)
    env             = list(string)
    grants          = list(string)
    routes          = optional(list(string), [])
    public_routes   = optional(list(string), [])
    queue           = optional(string)
    batch_size      = optional(number, 10)
    batching_window = optional(number, 0)
    max_concurrency = optional(number)
    s3 = optional(list(object({
      prefix = string
      suffix = string
    })), [])
    sns           = optional(list(string), [])
    event_pattern = optional(any)
    schedule      = optional(string)
    cognito       = optional(string)
    async         = optional(bool, false)
    on_success    = optional(string)
    saga_task     = optional(bool, false)
    snap_start    = optional(bool, false)
  })

  validation {
    condition     = var.entry.memory_size >= 128 && var.entry.memory_size <= 10240 && var.entry.timeout >= 1 && var.entry.timeout <= 900
    error_message = "wiring.tf: ${var.key}: memory_size must be 128-10240 MB and timeout 1-900 s (got ${var.entry.memory_size} MB, ${var.entry.timeout} s)."
  }
  validation {
    condition     = var.entry.cognito == null || contains(["pre_sign_up", "post_confirmation", "pre_token_generation"], coalesce(var.entry.cognito, "-"))
    error_message = "wiring.tf: ${var.key}: cognito must be pre_sign_up, post_confirmation or pre_token_generation (got ${coalesce(var.entry.cognito, "null")})."
  }
  validation {
    condition     = var.entry.on_success == null || contains(var.wired_keys, coalesce(var.entry.on_success, "-"))
    error_message = "wiring.tf: ${var.key}: on_success must name another wired function key (got ${coalesce(var.entry.on_success, "null")})."
  }
}

# Terraform drops object attributes a type does not declare, so a misspelled field (memroy_size) would vanish
# silently; the stack passes the entry's field names as written too, and they must all be declared above.
variable "field_names" {
  description = "The entry's field names as written in wiring.tf, before type conversion."
  type        = list(string)

  validation {
    condition     = length(setsubtract(var.field_names, keys(var.entry))) == 0
    error_message = "wiring.tf: ${var.key}: unknown field(s) ${join(", ", sort(setsubtract(var.field_names, keys(var.entry))))} (known fields: ${join(", ", sort(keys(var.entry)))})."
  }
}

variable "wired_keys" {
  description = "Every function key in wiring.tf (on_success must name one)."
  type        = list(string)
}
