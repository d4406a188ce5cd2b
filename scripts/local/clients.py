"""boto3 clients for the emulator: one place for its endpoint, region and stand-in credentials."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

RETRY_TWICE = Config(retries={"max_attempts": 2, "mode": "standard"})


def emulator_client(endpoint_url: str, service: str, region: str = "us-east-1", config: Config | None = None) -> Any:
    """A client for ``service`` on the emulator, which accepts any key (so a machine without AWS credentials works)."""
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )
