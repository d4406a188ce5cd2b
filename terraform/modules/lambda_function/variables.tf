variable "name" {
  description = "Function name (also names its role, log group and alarms)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits, '-' or '_'."
  }
}

variable "description" {
  description = "One-line description shown in the Lambda console; null for none."
  type        = string
  default     = null
}

variable "package" {
  description = "The built zip: path on disk and its base64 SHA-256 (filebase64sha256), as in dist/manifest.json. With s3_bucket/s3_key the code is taken from that (already uploaded) object instead of being sent inline: no 50 MB request limit, and the provider does not serialise inline uploads."
  type = object({
    path              = string
    sha256            = string
    s3_bucket         = optional(string)
    s3_key            = optional(string)
    s3_object_version = optional(string)
  })

  validation {
    condition     = endswith(var.package.path, ".zip")
    error_message = "package.path must point at a .zip file."
  }
  validation {
    condition     = (var.package.s3_bucket == null) == (var.package.s3_key == null)
    error_message = "package.s3_bucket and package.s3_key go together: give both or neither."
  }
  validation {
    condition     = can(regex("^[A-Za-z0-9+/]{43}=$", var.package.sha256))
    error_message = "package.sha256 must be a base64 SHA-256 (44 characters ending in '='), as filebase64sha256 returns."
  }
}

variable "handler" {
  description = "Handler as module.function, e.g. orders_api.handler.lambda_handler."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_.]*\\.[A-Za-z_][A-Za-z0-9_]*$", var.handler))
    error_message = "handler must look like package.module.function (dotted Python path)."
  }
}

variable "runtime" {
  description = "Lambda runtime."
  type        = string
  default     = "python3.13"

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be one of python3.11, python3.12, python3.13."
  }
}

variable "architecture" {
  description = "Instruction set: arm64 or x86_64 (must match the zip's compiled wheels and the layers)."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "memory_size" {
  description = "Memory in MB (128-10240)."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB between 128 and 10240."
  }
}

variable "timeout" {
  description = "Timeout in seconds (1-900)."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds between 1 and 900."
  }
}

variable "environment" {
  description = "Environment variables (resource names only; never secrets)."
  type        = map(string)
  default     = {}
}

variable "layers" {
  description = "Layer version ARNs, in order (at most 5)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.layers) <= 5
    error_message = "A Lambda function can use at most 5 layers."
  }
}

variable "policy_statements" {
  description = "Least-privilege statements for the function's role: exact actions (no wildcards) on scoped resources."
  type = list(object({
    sid       = optional(string)
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.policy_statements : length(s.actions) > 0 && length(s.resources) > 0])
    error_message = "Every policy statement needs at least one action and one resource."
  }
  validation {
    condition     = alltrue(flatten([for s in var.policy_statements : [for a in s.actions : !strcontains(a, "*")]]))
    error_message = "policy_statements must name exact actions: no '*' in any action."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the log group and environment variables; null uses AWS-owned keys."
  type        = string
  default     = null
}

variable "tracing_mode" {
  description = "X-Ray tracing mode."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be \"Active\" or \"PassThrough\"."
  }
}

variable "snap_start" {
  description = "Lambda SnapStart on published versions (python3.12+): INIT runs once when a version is published and new execution environments resume from its snapshot. AWS does not allow it together with provisioned concurrency or more than 512 MB of ephemeral storage (nor with EFS, which this module never attaches): choose SnapStart or provisioned concurrency per function. shared.snapstart refreshes what a snapshot must not freeze."
  type        = bool
  default     = false

  validation {
    condition     = !var.snap_start || can(regex("^python3\\.(1[2-9]|[2-9][0-9])$", var.runtime))
    error_message = "snap_start needs python3.12 or later: Lambda SnapStart supports no earlier Python runtime."
  }
  validation {
    condition     = !var.snap_start || var.provisioned_concurrency == null
    error_message = "snap_start and provisioned_concurrency cannot both be set: AWS rejects SnapStart on a function with provisioned concurrency. Choose one per function."
  }
  validation {
    condition     = !var.snap_start || coalesce(var.ephemeral_storage_mb, 512) <= 512
    error_message = "snap_start allows at most 512 MB of ephemeral storage (/tmp): AWS rejects SnapStart with more."
  }
}

variable "ephemeral_storage_mb" {
  description = "Size of /tmp in MB (512-10240); null keeps Lambda's default of 512."
  type        = number
  default     = null

  validation {
    condition = (var.ephemeral_storage_mb == null ? true :
    var.ephemeral_storage_mb >= 512 && var.ephemeral_storage_mb <= 10240 && floor(var.ephemeral_storage_mb) == var.ephemeral_storage_mb)
    error_message = "ephemeral_storage_mb must be a whole number of MB between 512 and 10240 (or null for 512)."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions (a ceiling and a guarantee); null leaves the function on the unreserved pool."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null ? true : var.reserved_concurrency >= 0
    error_message = "reserved_concurrency must be 0 or more (or null for unreserved)."
  }
}

variable "provisioned_concurrency" {
  description = "Provisioned concurrency on the live alias; autoscaling adds target tracking on utilisation. null: none."
  type = object({
    executions = number
    autoscaling = optional(object({
      min_capacity       = number
      max_capacity       = number
      target_utilization = optional(number, 0.7)
    }))
  })
  default = null

  validation {
    condition     = var.provisioned_concurrency == null ? true : var.provisioned_concurrency.executions >= 1
    error_message = "provisioned_concurrency.executions must be at least 1 (use null for none)."
  }
  validation {
    condition = (var.provisioned_concurrency == null || var.reserved_concurrency == null ? true :
    var.provisioned_concurrency.executions <= var.reserved_concurrency)
    error_message = "provisioned_concurrency.executions must not exceed reserved_concurrency: provisioned instances count against the reservation."
  }
  validation {
    condition = (var.provisioned_concurrency == null ? true : var.provisioned_concurrency.autoscaling == null ? true :
      var.provisioned_concurrency.autoscaling.min_capacity >= 1 &&
    var.provisioned_concurrency.autoscaling.min_capacity <= var.provisioned_concurrency.autoscaling.max_capacity)
    error_message = "provisioned_concurrency.autoscaling needs 1 <= min_capacity <= max_capacity."
  }
  validation {
    condition = (var.provisioned_concurrency == null || var.reserved_concurrency == null ? true :
      var.provisioned_concurrency.autoscaling == null ? true :
    var.provisioned_concurrency.autoscaling.max_capacity <= var.reserved_concurrency)
    error_message = "provisioned_concurrency.autoscaling.max_capacity must not exceed reserved_concurrency."
  }
  validation {
    condition = (var.provisioned_concurrency == null ? true : var.provisioned_concurrency.autoscaling == null ? true :
      var.provisioned_concurrency.autoscaling.target_utilization > 0 &&
    var.provisioned_concurrency.autoscaling.target_utilization < 1)
    error_message = "provisioned_concurrency.autoscaling.target_utilization must be between 0 and 1 (e.g. 0.7)."
  }
}

variable "autoscaling_enabled" {
  description = "Create the Application Auto Scaling target/policy when provisioned_concurrency.autoscaling is set. Only an emulator without Application Auto Scaling turns this off."
  type        = bool
  default     = true
}

variable "async" {
  description = "Asynchronous invocation settings on the live alias, for functions that S3, SNS, EventBridge or a destination chain invoke. Destinations are ARNs of an SQS queue, SNS topic, Lambda function/alias or event bus; on_failure_arn is required. null: the function is not invoked asynchronously."
  type = object({
    maximum_retry_attempts       = optional(number, 2)
    maximum_event_age_in_seconds = optional(number, 3600)
    on_success_arn               = optional(string)
    on_failure_arn               = string
  })
  default = null

  validation {
    condition     = var.async == null ? true : var.async.on_failure_arn != null
    error_message = "async.on_failure_arn is required: asynchronous failures must land in a destination, never in silence."
  }
  validation {
    condition     = var.async == null ? true : var.async.maximum_retry_attempts >= 0 && var.async.maximum_retry_attempts <= 2
    error_message = "async.maximum_retry_attempts must be 0, 1 or 2."
  }
  validation {
    condition     = var.async == null ? true : var.async.maximum_event_age_in_seconds >= 60 && var.async.maximum_event_age_in_seconds <= 21600
    error_message = "async.maximum_event_age_in_seconds must be between 60 and 21600."
  }
  validation {
    condition = var.async == null ? true : alltrue([
      for arn in concat([var.async.on_failure_arn], var.async.on_success_arn == null ? [] : [var.async.on_success_arn]) :
      contains(["sqs", "sns", "lambda", "events"], try(split(":", arn)[2], ""))
    ])
    error_message = "async destinations must be ARNs of an SQS queue, SNS topic, Lambda function or EventBridge bus."
  }
}

variable "vpc" {
  description = "VPC attachment; adds the ENI permissions the function then needs. null: no VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null

  validation {
    condition     = var.vpc == null ? true : length(var.vpc.subnet_ids) > 0 && length(var.vpc.security_group_ids) > 0
    error_message = "vpc needs at least one subnet and one security group."
  }
}

variable "alarms" {
  description = "CloudWatch alarms: errors, throttles, p99 duration against the timeout, provisioned-concurrency spillover and dropped async events. topic_arn receives alarm and OK notifications."
  type = object({
    enabled                = optional(bool, true)
    topic_arn              = optional(string)
    errors_threshold       = optional(number, 0)
    throttles_threshold    = optional(number, 0)
    duration_timeout_ratio = optional(number, 0.8)
  })
  default = {}

  validation {
    condition     = var.alarms.duration_timeout_ratio > 0 && var.alarms.duration_timeout_ratio <= 1
    error_message = "alarms.duration_timeout_ratio must be in (0, 1]: the p99 alarm fires at this share of the timeout."
  }
}

variable "traffic_shifting" {
  description = "true when a CodeDeploy deployment group shifts the live alias between versions (modules/lambda_deployment): Terraform then creates the alias once and ignores its function_version and routing_config, so a plan never fights a running deployment. false: Terraform points the alias at each new version. Switching an existing function needs `terraform state mv` of the alias (README)."
  type        = bool
  default     = false
}
