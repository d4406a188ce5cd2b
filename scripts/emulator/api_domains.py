"""API Gateway v2 custom domain names as AWS answers them (see README.md, "Gap fills").

moto 5.2 stores a domain's ``domainNameConfigurations`` as sent, so the Terraform provider (>= 5.x) waits for a
``domainNameStatus`` of ``AVAILABLE`` that never comes, and a latency alias record has no regional target to point
at. This fill completes each configuration the way API Gateway does for a REGIONAL endpoint: status
``AVAILABLE``, the regional target ``d-<id>.execute-api.<region>.amazonaws.com`` and API Gateway's hosted zone id
of that region (what an alias record names), keeping whatever the request did set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from scripts.emulator.patching import once

# API Gateway's regional endpoint hosted zone ids (AWS General Reference, "Amazon API Gateway endpoints").
REGIONAL_HOSTED_ZONES = {
    "us-east-1": "Z1UJRXOUMOOFQ8",
    "us-east-2": "ZOJJZC49E0EPZ",
    "us-west-1": "Z2MUQ32089INYE",
    "us-west-2": "Z2OJLYMUO9EFXC",
    "eu-west-1": "ZLY8HYME6SFDD",
    "eu-west-2": "ZJ5UAJN8Y3Z2Q",
    "eu-central-1": "Z1U9ULNL0V5AJ3",
    "ap-southeast-1": "ZL327KTPIQFUL",
    "ap-northeast-1": "ZS3PKZV8ON0YJ",
}


def regional_target(domain_name: str, region: str) -> str:
    """The ``d-…`` name API Gateway gives a regional custom domain (stable per domain and region here)."""
    digest = hashlib.sha256(f"{region}/{domain_name}".encode()).hexdigest()[:10]
    return f"d-{digest}.execute-api.{region}.amazonaws.com"


def hosted_zone_id(region: str) -> str:
    """API Gateway's regional hosted zone id; a stable made-up one for a region not in the table."""
    known = REGIONAL_HOSTED_ZONES.get(region)
    return known or "Z" + hashlib.sha256(region.encode()).hexdigest()[:12].upper()


def complete_configurations(domain_name: str, region: str, configurations: list[dict[str, Any]]) -> None:
    for configuration in configurations:
        configuration.setdefault("endpointType", "REGIONAL")
        configuration.setdefault("securityPolicy", "TLS_1_2")
        configuration.setdefault("domainNameStatus", "AVAILABLE")
        configuration.setdefault("apiGatewayDomainName", regional_target(domain_name, region))
        configuration.setdefault("hostedZoneId", hosted_zone_id(region))


def _completing(original: Callable[..., None]) -> Callable[..., None]:
    def init(self: Any, domain_name: str, domain_name_configurations: Any, *args: Any, **kwargs: Any) -> None:
        original(self, domain_name, domain_name_configurations, *args, **kwargs)
        backend = kwargs.get("backend", args[-1] if args else None)
        region = getattr(backend, "region_name", "us-east-1")
        complete_configurations(domain_name, region, self.domain_name_configurations or [])

    return init


@once
def install() -> None:
    from moto.apigatewayv2.models import DomainName

    DomainName.__init__ = _completing(DomainName.__init__)  # type: ignore[method-assign]
