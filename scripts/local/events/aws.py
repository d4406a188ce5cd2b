"""boto3 clients for the emulator, built once per event-source set (boto3 clients are thread-safe)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

__all__ = ["Arn", "AwsClients", "parse_arn"]

_CONFIG = Config(
    retries={"max_attempts": 2, "mode": "standard"},
    connect_timeout=3,
    # SQS long polls hold a request open for WaitTimeSeconds; leave room above the longest poll we use.
    read_timeout=30,
    max_pool_connections=50,
)


@dataclass(frozen=True)
class Arn:
    """The parts of an ARN this package routes on."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @property
    def resource_name(self) -> str:
        """``queue`` for ``arn:…:sqs:…:queue``, ``bus`` for ``…:event-bus/bus``, ``fn`` for ``…:function:fn``."""
        if self.service == "lambda":
            return self.resource.split(":")[1]
        return self.resource.rsplit("/", 1)[-1] if "/" in self.resource else self.resource


def parse_arn(arn: str) -> Arn:
    """Split an ARN; a value that is not one raises ``ValueError`` naming it."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    return Arn(partition=parts[1], service=parts[2], region=parts[3], account=parts[4], resource=parts[5])


@dataclass
class AwsClients:
    """Clients against one endpoint (the emulator) and region, created lazily and shared between threads."""

    endpoint_url: str
    region: str = "us-east-1"
    _clients: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def client(self, service: str) -> Any:
        """The client for ``service`` (creating clients is not thread-safe in boto3, so it happens under a lock)."""
        with self._lock:
            existing = self._clients.get(service)
            if existing is None:
                session = boto3.session.Session()
                # The emulator accepts any key; a machine without a profile still works.
                dummy = "local" if session.get_credentials() is None else None
                existing = session.client(
                    service,  # type: ignore[call-overload]
                    endpoint_url=self.endpoint_url,
                    region_name=self.region,
                    config=_CONFIG,
                    aws_access_key_id=dummy,
                    aws_secret_access_key=dummy,
                )
                self._clients[service] = existing
            return existing

    def queue_url(self, queue_arn: str) -> str:
        """The queue URL for a queue ARN, asked from SQS (never assembled by hand)."""
        arn = parse_arn(queue_arn)
        response = self.client("sqs").get_queue_url(QueueName=arn.resource, QueueOwnerAWSAccountId=arn.account)
        return str(response["QueueUrl"])
