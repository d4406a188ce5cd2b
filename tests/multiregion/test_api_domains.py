"""API Gateway v2 custom domains on the emulator answer as AWS does for a REGIONAL endpoint: AVAILABLE, with a
regional target and API Gateway's hosted zone of that region (what latency alias records point at)."""

from __future__ import annotations

import uuid

from scripts.emulator import Emulator
from scripts.emulator.api_domains import REGIONAL_HOSTED_ZONES


def test_the_same_domain_in_two_regions_gets_each_regions_target(emulator: Emulator) -> None:
    # Given a certificate and the same custom domain name created in two regions
    name = f"api-{uuid.uuid4().hex[:8]}.example.com"
    configurations = {}
    for region in ("us-east-1", "us-west-2"):
        certificate = emulator.client("acm", region).request_certificate(DomainName=name)["CertificateArn"]
        client = emulator.client("apigatewayv2", region)
        client.create_domain_name(
            DomainName=name,
            DomainNameConfigurations=[{"CertificateArn": certificate, "EndpointType": "REGIONAL"}],
        )
        # When the domain is read back
        configurations[region] = client.get_domain_name(DomainName=name)["DomainNameConfigurations"][0]

    # Then each is AVAILABLE, with its region's execute-api target and API Gateway's hosted zone there
    for region, configuration in configurations.items():
        assert configuration["DomainNameStatus"] == "AVAILABLE"
        assert configuration["ApiGatewayDomainName"].endswith(f".execute-api.{region}.amazonaws.com")
        assert configuration["HostedZoneId"] == REGIONAL_HOSTED_ZONES[region]
        assert configuration["CertificateArn"].split(":")[3] == region
    assert configurations["us-east-1"]["ApiGatewayDomainName"] != configurations["us-west-2"]["ApiGatewayDomainName"]
