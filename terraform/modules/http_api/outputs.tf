output "api_id" {
  description = "ID of the HTTP API."
  value       = aws_apigatewayv2_api.this.id
}

output "api_endpoint" {
  description = "Default execute-api endpoint (https://<id>.execute-api.<region>.amazonaws.com)."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "execution_arn" {
  description = "Execution ARN of the API (for Lambda permissions)."
  value       = aws_apigatewayv2_api.this.execution_arn
}

output "route_keys" {
  description = "Route keys the API serves."
  value       = sort(keys(aws_apigatewayv2_route.this))
}

output "access_log_group_name" {
  description = "Log group receiving the stage's access logs."
  value       = aws_cloudwatch_log_group.access.name
}

output "domain_target" {
  description = "Regional target of the custom domain for Route 53 alias records (null without a domain)."
  value = var.domain == null ? null : {
    domain_name    = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].target_domain_name
    hosted_zone_id = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].hosted_zone_id
  }
}
