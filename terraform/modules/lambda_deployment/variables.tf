variable "name" {
  description = "Name of the CodeDeploy application (compute platform Lambda) and prefix of its service role, custom deployment configs and deployment groups (<name>-<function key>)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,50}$", var.name))
    error_message = "name must be 1-50 letters, digits, '.', '-' or '_' (it prefixes the IAM role, at most 64 characters)."
  }
}

variable "existing_application_name" {
  description = "Put the deployment groups in this existing CodeDeploy application (compute platform Lambda) instead of creating one named var.name; null creates it."
  type        = string
  default     = null
}

variable "deployment_config" {
  description = "Deployment config of every function without its own: a CodeDeploy predefined Lambda config (CodeDeployDefault.LambdaAllAtOnce, CodeDeployDefault.LambdaCanary10Percent5Minutes, ...) or a key of custom_deployment_configs."
  type        = string
  default     = "CodeDeployDefault.LambdaAllAtOnce"

  validation {
    condition     = contains(local.predefined_configs, var.deployment_config) || contains(keys(var.custom_deployment_configs), var.deployment_config)
    error_message = "deployment_config must be a CodeDeployDefault.Lambda* config (LambdaAllAtOnce, LambdaCanary10Percent{5,10,15,30}Minutes, LambdaLinear10PercentEvery{1,2,3,10}Minute(s)) or a key of custom_deployment_configs."
  }
}

variable "custom_deployment_configs" {
  description = "Traffic shapes CodeDeploy does not predefine, by key (the config is created as <name>-<key>): TimeBasedCanary shifts percentage once and the rest after interval_minutes; TimeBasedLinear shifts percentage every interval_minutes."
  type = map(object({
    type             = string
    percentage       = number
    interval_minutes = number
  }))
  default = {}

  validation {
    condition     = alltrue([for c in values(var.custom_deployment_configs) : contains(["TimeBasedCanary", "TimeBasedLinear"], c.type)])
    error_message = "custom_deployment_configs[*].type must be \"TimeBasedCanary\" or \"TimeBasedLinear\" (all-at-once is CodeDeployDefault.LambdaAllAtOnce)."
  }
  validation {
    condition     = alltrue([for c in values(var.custom_deployment_configs) : c.percentage >= 1 && c.percentage <= 99 && floor(c.percentage) == c.percentage])
    error_message = "custom_deployment_configs[*].percentage must be a whole percentage between 1 and 99: the share of traffic the new version gets per step."
  }
  validation {
    condition     = alltrue([for c in values(var.custom_deployment_configs) : c.interval_minutes >= 1 && c.interval_minutes <= 2880 && floor(c.interval_minutes) == c.interval_minutes])
    error_message = "custom_deployment_configs[*].interval_minutes must be whole minutes between 1 and 2880 (CodeDeploy's limit is 2 days)."
  }
  validation {
    condition     = alltrue([for k in keys(var.custom_deployment_configs) : can(regex("^[A-Za-z0-9_.-]{1,40}$", k)) && !startswith(k, "CodeDeployDefault")])
    error_message = "custom_deployment_configs keys must be 1-40 letters, digits, '.', '-' or '_' and must not start with CodeDeployDefault (reserved for AWS's configs)."
  }
}

variable "functions" {
  description = "Deployment group per function key: the function and its alias (\"live\") whose traffic CodeDeploy shifts, the alarms that stop and roll back a deployment (at most 10: the function's errors, throttles and p99 duration), its own deployment config (null: var.deployment_config) and whether the pre-traffic hook checks a new version before any traffic reaches it."
  type = map(object({
    function_name     = string
    alias_name        = optional(string, "live")
    alarm_names       = optional(list(string), [])
    deployment_config = optional(string)
    pre_traffic_hook  = optional(bool, false)
  }))

  validation {
    condition     = length(var.functions) > 0
    error_message = "functions must name at least one function: a deployment group without a function has nothing to deploy."
  }
  validation {
    condition     = alltrue([for f in values(var.functions) : length(f.alarm_names) <= 10])
    error_message = "functions[*].alarm_names: CodeDeploy allows at most 10 alarms per deployment group."
  }
  validation {
    condition = alltrue([for f in values(var.functions) : f.deployment_config == null ? true :
    contains(local.predefined_configs, f.deployment_config) || contains(keys(var.custom_deployment_configs), f.deployment_config)])
    error_message = "functions[*].deployment_config must be a CodeDeployDefault.Lambda* config or a key of custom_deployment_configs (null: the module's deployment_config)."
  }
  validation {
    condition     = alltrue([for f in values(var.functions) : can(regex("^[A-Za-z0-9_-]{1,64}$", f.function_name)) && f.alias_name != "$LATEST"])
    error_message = "functions[*].function_name must be a function name (not an ARN), and alias_name an alias: CodeDeploy shifts traffic between published versions behind an alias, never $LATEST."
  }
  validation {
    condition     = alltrue([for f in values(var.functions) : !f.pre_traffic_hook]) || var.pre_traffic_hook != null
    error_message = "functions[*].pre_traffic_hook is set but pre_traffic_hook (the hook function) is null: deploy functions/deploy_hook and pass its name."
  }
}

variable "pre_traffic_hook" {
  description = "The BeforeAllowTraffic hook function (functions/deploy_hook) that the deployment's AppSpec names for functions with pre_traffic_hook: CodeDeploy's role may invoke it. null: no hook."
  type = object({
    function_name = string
  })
  default = null
}

variable "rollback" {
  description = "Automatic rollback: on_failure when a deployment fails (a hook reported Failed, or CodeDeploy could not update the alias); on_alarm when one of the group's alarms goes to ALARM during the deployment. The alias goes back to the version it had."
  type = object({
    on_failure = optional(bool, true)
    on_alarm   = optional(bool, true)
  })
  default = {}
}

variable "ignore_alarm_poll_failure" {
  description = "Let a deployment continue when CloudWatch cannot be asked for the alarms' state. false (the safe choice) stops it."
  type        = bool
  default     = false
}

variable "notification_topic_arn" {
  description = "SNS topic told when a deployment starts, succeeds, fails, is stopped or rolls back; null: no notifications."
  type        = string
  default     = null

  validation {
    condition     = var.notification_topic_arn == null ? true : can(regex("^arn:[^:]+:sns:", var.notification_topic_arn))
    error_message = "notification_topic_arn must be an SNS topic ARN."
  }
}
