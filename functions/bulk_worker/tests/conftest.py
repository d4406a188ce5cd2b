"""Fixtures for bulk_worker: a moto orders table, a Lambda context and SQS event factories."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.aws import reset_clients
from shared.observability import metrics
from shared.settings import reset_settings

EVENTS = Path(__file__).resolve().parents[1] / "events"
REGION = "us-east-1"


def create_orders_table(client: Any) -> None:
    keys = ("pk", "sk", "gsi1pk", "gsi1sk")
    client.create_table(
        TableName="orders",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in keys],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi1",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


@dataclass
class LambdaContext:
    function_name: str = "orders-dev-bulk_worker"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:orders-dev-bulk_worker"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("ORDERS_TABLE", "orders")
    monkeypatch.setattr(metrics, "namespace", "orders")
    reset_clients()
    reset_settings()
    with mock_aws():
        create_orders_table(boto3.client("dynamodb", region_name=REGION))
        yield boto3.resource("dynamodb", region_name=REGION).Table("orders")
    reset_clients()
    reset_settings()


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

    return lambda event: lambda_handler(event, LambdaContext())


@pytest.fixture
def make_table() -> Callable[[Any], None]:
    return create_orders_table
