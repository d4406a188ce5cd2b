"""boto3 clients for the emulator, built once per event-source set (boto3 clients are thread-safe)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from scripts.arns import parse_arn

__all__ = ["AwsClients"]

_CONFIG = Config(
    retries={"max_attempts": 2, "mode": "standard"},
    connect_timeout=3,
    # SQS long polls hold a request open for WaitTimeSeconds; leave room above the longest poll we use.
    read_timeout=30,
    max_pool_connections=50,
)


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
