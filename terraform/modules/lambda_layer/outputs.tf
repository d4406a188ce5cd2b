output "arn" {
  description = "Layer version ARN to put in a function's layers (published here or passed in)."
  value       = var.package == null ? var.existing_arn : aws_lambda_layer_version.this[0].arn
}

output "published" {
  description = "True when this module published the version (false: existing_arn was used)."
  value       = var.package != null
}
