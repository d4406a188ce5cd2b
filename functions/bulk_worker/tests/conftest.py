"""Fixtures for bulk_worker: a moto orders table, a Lambda context and SQS event factories."""

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
from tests.support.aws_fixtures import FakeLambdaContext, create_orders_table

EVENTS = Path(__file__).resolve().parents[1] / "events"
REGION = "us-east-1"


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch, moto_aws: None) -> Any:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("ORDERS_TABLE", "orders")
    monkeypatch.setattr(metrics, "namespace", "orders")
    create_orders_table(boto3.client("dynamodb", region_name=REGION))
    return boto3.resource("dynamodb", region_name=REGION).Table("orders")


class Sqs:
    @staticmethod
    def sample(name: str) -> dict[str, Any]:
        return json.loads((EVENTS / f"{name}.json").read_text())

    @classmethod
    def record(cls, body: object) -> dict[str, Any]:
        template = cls.sample("bulk_orders")["Records"][0]
        text = body if isinstance(body, str) else json.dumps(body)
        md5 = hashlib.md5(text.encode()).hexdigest()
        return {**template, "messageId": str(uuid.uuid4()), "body": text, "md5OfBody": md5}

    @staticmethod
    def order(order_id: str, index: int = 0, **overrides: Any) -> dict[str, Any]:
        order = {"order_id": order_id, "customer_id": "c-1", "items": [{"sku": "s-1", "quantity": 1, "price": "2.50"}]}
        return {"job_id": "job-1", "index": index, "order": order | overrides}

    @staticmethod
    def failed_ids(response: dict[str, Any]) -> list[str]:
        return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


@pytest.fixture
def sqs() -> Sqs:
    return Sqs()


@pytest.fixture
def invoke(table: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    from bulk_worker.handler import lambda_handler

    return lambda event: lambda_handler(event, FakeLambdaContext("orders-dev-bulk_worker", region=REGION))


@pytest.fixture
def make_table() -> Callable[..., None]:
    """Creates the orders table with a given DynamoDB client."""
    return create_orders_table
