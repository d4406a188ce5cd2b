"""Fixtures for scheduled_cleanup: moto orders table and archive bucket, order factories, a Lambda context."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
ARCHIVE = "orders-dev-archive"
SCHEDULED_AT = datetime.fromisoformat("2024-05-24T03:00:00+00:00")  # the sample event's time


@dataclass
class LambdaContext:
    remaining: list[int] = field(default_factory=lambda: [60_000])
    function_name: str = "orders-dev-scheduled_cleanup"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:orders-dev-scheduled_cleanup"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        """The next scripted value (the last one repeats)."""
        return self.remaining.pop(0) if len(self.remaining) > 1 else self.remaining[0]


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def create_resources(dynamodb: Any, s3: Any) -> None:
    keys = ("pk", "sk", "gsi1pk", "gsi1sk")
    dynamodb.create_table(
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
    s3.create_bucket(Bucket=ARCHIVE)


def order_item(order_id: str, *, age_hours: float, status: str = "PENDING") -> dict[str, Any]:
    """An order as orders_api writes it, created ``age_hours`` before the sample schedule time."""
    created = iso(SCHEDULED_AT - timedelta(hours=age_hours))
    return {
        "pk": f"ORDER#{order_id}",
        "sk": "ORDER",
        "gsi1pk": f"STATUS#{status}",
        "gsi1sk": f"{created}#{order_id}",
        "type": "order",
        "order_id": order_id,
        "customer_id": "cust-1",
        "status": status,
        "items": [{"sku": "sku-1", "quantity": 1, "price": "9.99"}],
        "total": "9.99",
        "created_at": created,
        "updated_at": created,
    }


@dataclass
class CleanupAws:
    table: Any
    s3: Any

    def add(self, order_id: str, *, age_hours: float, status: str = "PENDING") -> None:
        self.table.put_item(Item=order_item(order_id, age_hours=age_hours, status=status))

    def order_ids(self) -> list[str]:
        return sorted(item["order_id"] for item in self.table.scan()["Items"])

    def archived(self) -> dict[str, dict[str, Any]]:
        """Archive key → its JSON."""
        listed = self.s3.list_objects_v2(Bucket=ARCHIVE).get("Contents", [])
        return {o["Key"]: json.loads(self.s3.get_object(Bucket=ARCHIVE, Key=o["Key"])["Body"].read()) for o in listed}


@pytest.fixture
def cleanup_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[CleanupAws]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("ORDERS_TABLE", "orders")
    monkeypatch.setenv("ARCHIVE_BUCKET", ARCHIVE)
    monkeypatch.setenv("ABANDONED_AFTER_HOURS", "48")
    monkeypatch.setattr(metrics, "namespace", "orders")
    reset_clients()
    reset_settings()
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        create_resources(boto3.client("dynamodb", region_name=REGION), s3)
        yield CleanupAws(boto3.resource("dynamodb", region_name=REGION).Table("orders"), s3)
    reset_clients()
    reset_settings()


def load_sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.fixture
def run(cleanup_aws: CleanupAws) -> Callable[..., dict[str, Any]]:
    """Invoke the handler on the sample schedule event; ``remaining`` scripts get_remaining_time_in_millis."""
    from scheduled_cleanup.handler import lambda_handler

    def call(remaining: list[int] | None = None, event: object = None) -> dict[str, Any]:
        context = LambdaContext(remaining=list(remaining or [60_000]))
        return lambda_handler(load_sample("scheduled") if event is None else event, context)

    return call


@pytest.fixture
def make_resources() -> Callable[[Any, Any], None]:
    return create_resources


@pytest.fixture
def make_order() -> Callable[..., dict[str, Any]]:
    return order_item
