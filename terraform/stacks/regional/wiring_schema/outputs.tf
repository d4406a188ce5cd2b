output "entry" {
  description = "The wiring entry with every optional field filled in (event_pattern JSON-encoded)."
  value = merge(var.entry, {
    event_pattern = var.entry.event_pattern == null ? null : jsonencode(var.entry.event_pattern)
  })
}
