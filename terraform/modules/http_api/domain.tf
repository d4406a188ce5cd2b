resource "aws_acm_certificate" "this" {
  count = var.domain == null ? 0 : 1

  domain_name       = var.domain.name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = var.domain == null ? {} : {
    for o in aws_acm_certificate.this[0].domain_validation_options : o.domain_name => o
  }

  zone_id         = var.domain.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 60
  allow_overwrite = true # both regions validate the same name with the same record
}

resource "aws_acm_certificate_validation" "this" {
  count = var.domain == null ? 0 : 1

  certificate_arn         = aws_acm_certificate.this[0].arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

# Regional, never edge-optimised: latency routing needs one regional endpoint per region.
resource "aws_apigatewayv2_domain_name" "this" {
  count = var.domain == null ? 0 : 1

  domain_name = var.domain.name

  domain_name_configuration {
    certificate_arn = aws_acm_certificate_validation.this[0].certificate_arn
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
  }
}

resource "aws_apigatewayv2_api_mapping" "this" {
  count = var.domain == null ? 0 : 1

  api_id      = aws_apigatewayv2_api.this.id
  domain_name = aws_apigatewayv2_domain_name.this[0].id
  stage       = aws_apigatewayv2_stage.this.id
}
