# One HTTPS check per region on its health function: evaluate_target_health alone only notices API Gateway
# itself failing, not the function or its table.
resource "aws_route53_health_check" "this" {
  for_each = var.regions

  type              = "HTTPS"
  fqdn              = each.value.health_check_fqdn
  port              = 443
  resource_path     = each.value.health_check_path
  request_interval  = var.health_check.request_interval
  failure_threshold = var.health_check.failure_threshold
  measure_latency   = true
  enable_sni        = true

  tags = {
    Name = "${var.record_name}-${each.key}"
  }
}

resource "aws_route53_record" "this" {
  #checkov:skip=CKV2_AWS_23:The alias targets an API Gateway regional domain created by the regional stack (another state); checkov cannot link across states.
  for_each = var.regions

  zone_id         = var.zone_id
  name            = var.record_name
  type            = "A"
  set_identifier  = each.key # renaming it replaces the record: keep region names
  health_check_id = aws_route53_health_check.this[each.key].id

  latency_routing_policy {
    region = each.key
  }

  alias {
    name                   = each.value.target_domain_name
    zone_id                = each.value.target_hosted_zone_id
    evaluate_target_health = true
  }
}
