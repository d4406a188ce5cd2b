"""Fixtures for order_worker: moto tables, a Lambda context and SQS event factories."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from shared.observability import metrics
from tests.support.aws_fixtures import FakeLambdaContext, create_idempotency_table, create_orders_table

EVENTS = Path(__file__).resolve().parents[1] / "events"
REGION = "us-east-1"


def create_tables(client: Any) -> None:
    create_orders_table(client)
    create_idempotency_table(client)


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch, moto_aws: None) -> Any:
    """moto with the orders and idempotency tables; returns the orders Table resource."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("ORDERS_TABLE", "orders")
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "idempotency")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "order_worker")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "orders")
    # The process-wide Metrics read the namespace when shared.observability was first imported.
    monkeypatch.setattr(metrics, "namespace", "orders")
    create_tables(boto3.client("dynamodb", region_name=REGION))
    return boto3.resource("dynamodb", region_name=REGION).Table("orders")


def sqs_record(body: object, *, message_id: str | None = None) -> dict[str, Any]:
    """One record shaped like the samples in events/ (same attributes), with its own body and id."""
    template = json.loads((EVENTS / "order_placed.json").read_text())["Records"][0]
    text = body if isinstance(body, str) else json.dumps(body)
    return {
        **template,
        "messageId": message_id or str(uuid.uuid4()),
        "body": text,
        "md5OfBody": hashlib.md5(text.encode()).hexdigest(),
        "messageAttributes": {},
    }


def sqs_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


@pytest.fixture
def invoke(tables: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    from order_worker.handler import lambda_handler

    def call(event: dict[str, Any]) -> dict[str, Any]:
        return lambda_handler(event, FakeLambdaContext("orders-dev-order_worker", region=REGION))

    return call


def load_sample(name: str) -> dict[str, Any]:
    """A sample event from events/<name>.json."""
    return json.loads((EVENTS / f"{name}.json").read_text())


def placed(order_id: str = "ord-1", **overrides: Any) -> dict[str, Any]:
    body = {
        "type": "OrderPlaced",
        "order_id": order_id,
        "customer_id": "cust-1",
        "items": [{"sku": "sku-1", "quantity": 2, "price": "9.99"}],
    }
    return body | overrides


def failed_ids(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


class Helpers:
    """Event factories for the tests (conftest modules cannot be imported in importlib mode)."""

    record = staticmethod(sqs_record)
    event = staticmethod(sqs_event)
    sample = staticmethod(load_sample)
    placed = staticmethod(placed)
    failed_ids = staticmethod(failed_ids)


@pytest.fixture
def sqs() -> Helpers:
    return Helpers()


@pytest.fixture
def make_tables() -> Callable[[Any], None]:
    """Creates the orders and idempotency tables with a given DynamoDB client."""
    return create_tables
