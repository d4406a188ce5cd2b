"""Fixtures for user_visits: a moto-backed visits table, a Lambda context and the sample events."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.aws import reset_clients
from shared.settings import reset_settings

REGION = "eu-west-1"
EVENTS = Path(__file__).resolve().parents[1] / "events"


def create_visits_table(client: Any) -> None:
    client.create_table(
        TableName="visits",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )


@dataclass
class LambdaContext:
    function_name: str = "orders-dev-user_visits"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:orders-dev-user_visits"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 3_000


@pytest.fixture
def visits_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("VISITS_TABLE", "visits")
    reset_clients()
    reset_settings()
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_visits_table(client)
        yield client
    reset_clients()
    reset_settings()


@pytest.fixture
def visits_table_factory() -> Callable[[Any], None]:
    return create_visits_table


def sample_event(name: str, user_id: str | None = None) -> dict[str, Any]:
    event = json.loads((EVENTS / f"{name}.json").read_text())
    if user_id is not None:
        path = f"/users/{user_id}/visits"
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["pathParameters"] = {"user_id": user_id}
    return event


@pytest.fixture
def call(visits_table: Any) -> Callable[..., tuple[int, dict[str, Any]]]:
    """Invoke the handler with a sample event (optionally for another user); returns (status, JSON body)."""
    from user_visits.handler import lambda_handler

    def invoke(name: str, user_id: str | None = None) -> tuple[int, dict[str, Any]]:
        response = lambda_handler(sample_event(name, user_id), LambdaContext())
        return response["statusCode"], json.loads(response["body"])

    return invoke


@pytest.fixture
def dynamodb_item_atomicity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give moto DynamoDB's per-item write atomicity.

    moto applies one UpdateItem in several Python steps (read item, evaluate, write back) without a lock, so
    concurrent updates of one item interleave inside moto itself (measured: 193 of 200 ADDs kept in-process,
    197 of 200 through the moto server). DynamoDB serializes the writes to an item; this serializes moto's
    item operations the same way. Each request is still separate, so a client-side read-modify-write still
    races (measured with get_item + put_item under this fixture: far fewer than 200 kept).
    """
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.RLock()
    for name in ("get_item", "put_item", "update_item", "delete_item"):
        original = getattr(DynamoHandler, name)

        def serialized(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoHandler, name, serialized)
