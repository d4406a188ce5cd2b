output "notification_ids" {
  description = "IDs of the configured Lambda notifications."
  value       = sort(keys(var.functions))
}
