# Gradual deployments: one CodeDeploy deployment group per deployed function, on its live alias. `terraform apply`
# publishes a new version and leaves the alias where it is (lambda_function traffic_shifting); `make deploy`
# starts a CodeDeploy deployment from the `deployments` output (current version -> target version), which moves
# traffic on the function's deployment config and rolls back when the function's errors, throttles or p99
# duration alarm fires, or when the pre-traffic hook reports a failure.
#
# The pre-traffic hook (functions/deploy_hook) invokes the new version, before any traffic reaches it, with
# sample events a person picks per function from that function's folder (pre_traffic_events: file names in
# functions/<folder>/events/). Terraform uploads them to the artifacts bucket as one JSON document per
# function; pick events that are safe to replay on that environment's data (reads, health checks).

variable "deployment" {
  description = "CodeDeploy traffic shifting. enabled: a deployment group per function (false, the default: Terraform moves the live alias itself; each environment turns it on). config: the deployment config of every function (a CodeDeployDefault.Lambda* name or a key of custom_configs); custom_configs: canary/linear shapes AWS does not predefine; rollback_on_alarm: roll back when a function alarm fires; functions: per function key, its own config and the sample events (file names in its folder's events/) the pre-traffic hook sends to a new version."
  type = object({
    enabled = optional(bool, false)
    config  = optional(string, "CodeDeployDefault.LambdaAllAtOnce")
    custom_configs = optional(map(object({
      type             = string
      percentage       = number
      interval_minutes = number
    })), {})
    rollback_on_alarm = optional(bool, true)
    functions = optional(map(object({
      config             = optional(string)
      pre_traffic_events = optional(list(string), [])
    })), {})
  })
  default = {}

  validation {
    condition     = alltrue([for key in keys(var.deployment.functions) : contains(keys(local.wiring), key) && key != local.deploy_hook_key])
    error_message = "deployment.functions keys must be function keys of wiring.tf (other than deploy_hook, which is never deployed through itself): ${join(", ", [for key in keys(var.deployment.functions) : key if !contains(keys(local.wiring), key) || key == local.deploy_hook_key])}."
  }
  validation {
    condition     = alltrue(flatten([for f in values(var.deployment.functions) : [for e in f.pre_traffic_events : can(regex("^[A-Za-z0-9_.-]+\\.json$", e))]]))
    error_message = "deployment.functions[*].pre_traffic_events are file names in the function folder's events/ directory, like \"route53_health_check.json\" (no path)."
  }
}

locals {
  deploy_hook_key = "deploy_hook"
  hook_deployed   = contains(keys(local.deployed), local.deploy_hook_key)

  # The functions CodeDeploy shifts: every deployed one except the hook itself.
  shifted = {
    for key, f in local.deployed : key => {
      folder             = f.folder
      config             = try(var.deployment.functions[key].config, null)
      pre_traffic_events = try(var.deployment.functions[key].pre_traffic_events, [])
    } if var.deployment.enabled && key != local.deploy_hook_key
  }

  hooked = { for key, f in local.shifted : key => f if length(f.pre_traffic_events) > 0 }

  # The hook reads its events from here; functions.tf adds this to the hook's environment.
  pre_traffic_events_prefix = "deploy-hook/events/"
  deployment_environment = {
    (local.deploy_hook_key) = {
      SAMPLE_EVENTS_BUCKET = module.artifacts.id
      SAMPLE_EVENTS_PREFIX = local.pre_traffic_events_prefix
    }
  }

  pre_traffic_event_files = {
    for key, f in local.hooked : key => {
      for name in f.pre_traffic_events : name => "${local.package_root}/functions/${f.folder}/events/${name}"
    }
  }
}

module "deployments" {
  source = "../../modules/lambda_deployment"
  count  = length(local.shifted) > 0 ? 1 : 0

  name                      = var.prefix
  deployment_config         = var.deployment.config
  custom_deployment_configs = var.deployment.custom_configs
  rollback                  = { on_failure = true, on_alarm = var.deployment.rollback_on_alarm }
  notification_topic_arn    = module.observability.alarm_topic_arn
  pre_traffic_hook          = length(local.hooked) > 0 && local.hook_deployed ? { function_name = module.functions[local.deploy_hook_key].function_name } : null

  functions = {
    for key, f in local.shifted : key => {
      function_name     = module.functions[key].function_name
      alias_name        = module.functions[key].alias_name
      deployment_config = f.config
      pre_traffic_hook  = contains(keys(local.hooked), key)
      # The function's own alarms: errors, throttles and p99 duration against its timeout.
      alarm_names = [for kind in ["errors", "throttles", "duration_p99"] : module.functions[key].alarm_names[kind] if contains(keys(module.functions[key].alarm_names), kind)]
    }
  }
}

# One JSON document per hooked function: {"function": name, "events": [{"name": file, "event": {...}}, ...]}.
resource "aws_s3_object" "pre_traffic_events" {
  for_each = local.hooked

  bucket       = module.artifacts.id
  key          = "${local.pre_traffic_events_prefix}${module.functions[each.key].function_name}.json"
  content_type = "application/json"
  content = jsonencode({
    function = module.functions[each.key].function_name
    events = [for name, path in local.pre_traffic_event_files[each.key] : {
      name  = name
      event = fileexists(path) ? jsondecode(file(path)) : null
    }]
  })

  lifecycle {
    precondition {
      condition     = local.hook_deployed
      error_message = "deployment.functions.${each.key}.pre_traffic_events needs the pre-traffic hook: functions/deploy_hook must be built (dist/manifest.json) and wired (wiring.tf)."
    }
    precondition {
      condition     = alltrue([for path in values(local.pre_traffic_event_files[each.key]) : fileexists(path)])
      error_message = "deployment.functions.${each.key}.pre_traffic_events names files that do not exist in functions/${each.value.folder}/events/: ${join(", ", [for name, path in local.pre_traffic_event_files[each.key] : name if !fileexists(path)])}."
    }
  }
}

# What the hook may do: read the deployments of the hooked functions' groups and report on them, invoke those
# functions' versions, read their sample events.
data "aws_iam_policy_document" "deploy_hook" {
  count = length(local.hooked) > 0 && local.hook_deployed ? 1 : 0

  statement {
    sid       = "ReadDeploymentsAndReport"
    actions   = ["codedeploy:GetDeployment", "codedeploy:PutLifecycleEventHookExecutionStatus"]
    resources = [for key in keys(local.hooked) : module.deployments[0].deployment_group_arns[key]]
  }

  statement {
    sid       = "InvokeNewVersions"
    actions   = ["lambda:InvokeFunction"]
    resources = [for key in keys(local.hooked) : "${module.functions[key].function_arn}:*"]
  }

  statement {
    sid       = "ReadSampleEvents"
    actions   = ["s3:GetObject"]
    resources = ["${module.artifacts.arn}/${local.pre_traffic_events_prefix}*"]
  }
}

resource "aws_iam_role_policy" "deploy_hook" {
  count = length(data.aws_iam_policy_document.deploy_hook)

  name   = "pre-traffic-checks"
  role   = module.functions[local.deploy_hook_key].role_name
  policy = data.aws_iam_policy_document.deploy_hook[0].json
}

output "deployments" {
  description = "By function key, what `make deploy` needs to start a CodeDeploy deployment: application, deployment_group, function_name, alias, current_version (the alias's version as last refreshed), target_version (the newest published version), deployment_config and pre_traffic_hook (the BeforeAllowTraffic function, or null). Empty when deployment.enabled is false."
  value = length(module.deployments) == 0 ? {} : {
    for key, g in module.deployments[0].deployment_groups : key => merge(g, {
      current_version = module.functions[key].alias_version
      target_version  = module.functions[key].version
    })
  }
}
