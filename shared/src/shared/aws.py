"""boto3 clients and resources: built on first use, cached per process, with explicit timeouts and retries.

Nothing here runs at import. Each client is cached per (service, region, endpoint), so a warm Lambda reuses
its connections while tests that switch regions or endpoints get the right one. ``AWS_ENDPOINT_URL``
(a local emulator) is honoured. Tests call :func:`reset_clients` so moto's ``mock_aws`` sees fresh clients.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from mypy_boto3_dynamodb import DynamoDBClient, DynamoDBServiceResource
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_ssm import SSMClient
    from mypy_boto3_stepfunctions import SFNClient

__all__ = [
    "CLIENT_CONFIG",
    "client",
    "dynamodb",
    "dynamodb_resource",
    "dynamodb_table",
    "events",
    "lambda_",
    "reset_clients",
    "resource",
    "s3",
    "secretsmanager",
    "ses",
    "sfn",
    "sns",
    "sqs",
    "ssm",
]

# Lambda's own timeout is seconds, not minutes: fail a stuck connection fast and let "standard" retries
# (exponential backoff with jitter, throttling-aware) try again within the budget.
CLIENT_CONFIG = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"mode": "standard", "total_max_attempts": 3},  # 1 call + 2 retries
    tcp_keepalive=True,
)

_lock = threading.Lock()
_session: boto3.session.Session | None = None
_clients: dict[tuple[str, str, str | None, str | None, int], Any] = {}


def _endpoint() -> str | None:
    # Optional by design: unset means "the real AWS endpoint".
    return os.environ.get("AWS_ENDPOINT_URL") or None


def _get(kind: str, service: str, region: str | None, config: Config | None = None) -> Any:
    global _session
    config = config or CLIENT_CONFIG
    key = (kind, service, region, _endpoint(), id(config))  # configs are module constants: identity is enough
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:  # boto3 sessions are not thread-safe while creating clients
        found = _clients.get(key)
        if found is None:
            if _session is None:
                _session = boto3.session.Session()
            factory = _session.client if kind == "client" else _session.resource
            found = factory(service, region_name=region, endpoint_url=key[3], config=config)  # type: ignore[call-overload]
            _clients[key] = found
        return found


def client(service: str, *, region: str | None = None, config: Config | None = None) -> BaseClient:
    """A cached low-level client for ``service`` (region: ``AWS_REGION``/``AWS_DEFAULT_REGION`` if None).

    ``config`` replaces :data:`CLIENT_CONFIG` for callers with another time budget (a health probe); pass a
    module-level constant, since clients are cached per config object."""
    return cast("BaseClient", _get("client", service, region, config))


def resource(service: str, *, region: str | None = None) -> Any:
    """A cached boto3 resource (``dynamodb``, ``s3``)."""
    return _get("resource", service, region)


def reset_clients() -> None:
    """Drop every cached client, resource and the session (tests; credentials or endpoint changed)."""
    global _session
    with _lock:
        _clients.clear()
        _session = None


def dynamodb(*, region: str | None = None) -> DynamoDBClient:
    return cast("DynamoDBClient", client("dynamodb", region=region))


def dynamodb_resource(*, region: str | None = None) -> DynamoDBServiceResource:
    return cast("DynamoDBServiceResource", resource("dynamodb", region=region))


def dynamodb_table(name: str, *, region: str | None = None) -> Table:
    """A Table handle (Python types in, Decimal numbers out); building it makes no AWS call."""
    return dynamodb_resource(region=region).Table(name)


def s3(*, region: str | None = None) -> S3Client:
    return cast("S3Client", client("s3", region=region))


def sqs(*, region: str | None = None) -> SQSClient:
    return cast("SQSClient", client("sqs", region=region))


def sns(*, region: str | None = None) -> SNSClient:
    return cast("SNSClient", client("sns", region=region))


def events(*, region: str | None = None) -> EventBridgeClient:
    return cast("EventBridgeClient", client("events", region=region))


def sfn(*, region: str | None = None) -> SFNClient:
    return cast("SFNClient", client("stepfunctions", region=region))


def ses(*, region: str | None = None) -> SESClient:
    return cast("SESClient", client("ses", region=region))


def ssm(*, region: str | None = None) -> SSMClient:
    return cast("SSMClient", client("ssm", region=region))


def secretsmanager(*, region: str | None = None) -> SecretsManagerClient:
    return cast("SecretsManagerClient", client("secretsmanager", region=region))


def lambda_(*, region: str | None = None) -> LambdaClient:
    return cast("LambdaClient", client("lambda", region=region))
