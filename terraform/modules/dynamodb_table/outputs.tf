output "name" {
  description = "Table name (what functions read from their environment): the same in every region of a global table."
  value       = local.create ? aws_dynamodb_table.this[0].name : var.name
}

output "arn" {
  description = "Table ARN in this provider's region (a replica's ARN when replica_of is set)."
  value       = local.arn
}

output "index_arns" {
  description = "ARNs of the table's GSIs (table ARN + /index/<name>)."
  value       = [for g in var.global_secondary_indexes : "${local.arn}/index/${g.name}"]
}

output "stream_arn" {
  description = "ARN of the table's stream in this region (null without a stream, or for a replica created elsewhere)."
  value       = try(aws_dynamodb_table.this[0].stream_arn, null)
}

output "replica_regions" {
  description = "Regions holding a replica of this table (created by this module), sorted."
  value       = sort([for r in var.replicas : r.region_name])
}

output "created" {
  description = "Whether this module created the table (false: it names a replica created by another region's stack)."
  value       = local.create
}
