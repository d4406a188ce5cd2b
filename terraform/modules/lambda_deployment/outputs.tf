output "application_name" {
  description = "The CodeDeploy application (compute platform Lambda) holding the deployment groups."
  value       = local.application_name
}

output "deployment_groups" {
  description = "By function key, what starting a deployment needs: application, deployment_group, function_name, alias, deployment_config (its CodeDeploy name), pre_traffic_hook (the function the AppSpec's BeforeAllowTraffic names, or null) and the rollback alarms."
  value = {
    for key, g in aws_codedeploy_deployment_group.this : key => {
      application       = g.app_name
      deployment_group  = g.deployment_group_name
      function_name     = local.groups[key].function_name
      alias             = local.groups[key].alias_name
      deployment_config = g.deployment_config_name
      pre_traffic_hook  = local.groups[key].hook
      alarms            = local.groups[key].alarm_names
    }
  }
}

output "deployment_group_arns" {
  description = "ARN of each deployment group, by function key (the pre-traffic hook's role reads its deployments and reports to it)."
  value       = { for key, g in aws_codedeploy_deployment_group.this : key => g.arn }
}

output "role_arn" {
  description = "ARN of CodeDeploy's service role."
  value       = aws_iam_role.this.arn
}

output "custom_deployment_config_names" {
  description = "CodeDeploy names of the custom configs, by key."
  value       = { for key, c in aws_codedeploy_deployment_config.custom : key => c.id }
}
