# Global: one latency-routed name over the regional APIs, each region health-checked on its health function.
module "latency" {
  source = "../../modules/latency_routing"

  zone_id      = var.zone_id
  record_name  = var.record_name
  health_check = var.health_check
  regions = {
    for region, r in var.regions : region => {
      target_domain_name    = r.target_domain_name
      target_hosted_zone_id = r.target_hosted_zone_id
      health_check_fqdn     = r.health_check_fqdn
      health_check_path     = "/health"
    }
  }
}

# Worst case from a region failing to clients reaching another: Route 53 declares the region unhealthy after
# failure_threshold failed checks request_interval apart, then resolvers may keep the old answer for the TTL.
locals {
  detection_seconds = var.health_check.request_interval * var.health_check.failure_threshold
  failover_seconds  = local.detection_seconds + var.alias_ttl_seconds
}

# Route 53 health-check metrics live in us-east-1: this stack's provider must be in us-east-1.
resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key.
  name = "${replace(var.record_name, ".", "-")}-health-alarms"
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_metric_alarm" "region_unhealthy" {
  for_each = toset(keys(var.regions))

  alarm_name          = "${var.record_name}-${each.key}-unhealthy"
  alarm_description   = "${each.key}: the health function of ${var.record_name} fails its Route 53 health check; traffic goes to the other regions."
  namespace           = "AWS/Route53"
  metric_name         = "HealthCheckStatus"
  dimensions          = { HealthCheckId = module.latency.health_check_ids[each.key] }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

check "provider_in_us_east_1" {
  assert {
    condition     = data.aws_region.current.name == "us-east-1"
    error_message = "The global stack must run with a us-east-1 provider: Route 53 health-check metrics and their alarms exist only there."
  }
}

data "aws_region" "current" {}
