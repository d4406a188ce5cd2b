"""Fixtures for scheduled_cleanup: moto orders table and archive bucket, order factories, a Lambda context."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from shared.observability import metrics
from shared.orders import Order, OrderLine, OrderSource, OrderStatus, format_timestamp, to_item
from tests.support.aws_fixtures import FakeLambdaContext, create_orders_table

EVENTS = Path(__file__).resolve().parents[1] / "events"
REGION = "us-east-1"
ARCHIVE = "orders-dev-archive"
SCHEDULED_AT = datetime.fromisoformat("2024-05-24T03:00:00+00:00")  # the sample event's time


@dataclass
class ScriptedContext(FakeLambdaContext):
    """scheduled_cleanup's context whose remaining time follows a script, to drive the time-budget checks."""

    function_name: str = "orders-dev-scheduled_cleanup"
    region: str = REGION
    remaining: list[int] = field(default_factory=lambda: [60_000])

    def get_remaining_time_in_millis(self) -> int:
        """The next scripted value (the last one repeats)."""
        return self.remaining.pop(0) if len(self.remaining) > 1 else self.remaining[0]


def create_resources(dynamodb: Any, s3: Any) -> None:
    create_orders_table(dynamodb)
    s3.create_bucket(Bucket=ARCHIVE)


def order(
    order_id: str, *, age_hours: float, status: OrderStatus = OrderStatus.PENDING, source: OrderSource = "api"
) -> Order:
    """An order created ``age_hours`` before the sample schedule time; from a CSV it is a summary without lines."""
    created = format_timestamp(SCHEDULED_AT - timedelta(hours=age_hours))
    lines = [] if source == "csv" else [OrderLine(sku="sku-1", quantity=1, price="9.99")]
    return Order(
        order_id=order_id,
        customer_id="cust-1",
        status=status,
        items=lines,
        total="9.99",
        created_at=created,
        updated_at=created,
        source=source,
    )


def order_item(order_id: str, *, age_hours: float, status: OrderStatus = OrderStatus.PENDING) -> dict[str, Any]:
    """The table item of :func:`order`, as every writer stores it (``shared.orders.to_item``)."""
    return to_item(order(order_id, age_hours=age_hours, status=status))


@dataclass
class CleanupAws:
    table: Any
    s3: Any

    def add(
        self,
        order_id: str,
        *,
        age_hours: float,
        status: OrderStatus = OrderStatus.PENDING,
        source: OrderSource = "api",
    ) -> Order:
        added = order(order_id, age_hours=age_hours, status=status, source=source)
        self.table.put_item(Item=to_item(added))
        return added

    def order_ids(self) -> list[str]:
        return sorted(item["order_id"] for item in self.table.scan()["Items"])

    def archived(self) -> dict[str, dict[str, Any]]:
        """Archive key → its JSON."""
        listed = self.s3.list_objects_v2(Bucket=ARCHIVE).get("Contents", [])
        return {o["Key"]: json.loads(self.s3.get_object(Bucket=ARCHIVE, Key=o["Key"])["Body"].read()) for o in listed}


@pytest.fixture
def cleanup_aws(monkeypatch: pytest.MonkeyPatch, moto_aws: None) -> CleanupAws:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("ORDERS_TABLE", "orders")
    monkeypatch.setenv("ARCHIVE_BUCKET", ARCHIVE)
    monkeypatch.setenv("ABANDONED_AFTER_HOURS", "48")
    monkeypatch.setattr(metrics, "namespace", "orders")
    s3 = boto3.client("s3", region_name=REGION)
    create_resources(boto3.client("dynamodb", region_name=REGION), s3)
    return CleanupAws(boto3.resource("dynamodb", region_name=REGION).Table("orders"), s3)


def load_sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.fixture
def run(cleanup_aws: CleanupAws) -> Callable[..., dict[str, Any]]:
    """Invoke the handler on the sample schedule event; ``remaining`` scripts get_remaining_time_in_millis."""
    from scheduled_cleanup.handler import lambda_handler

    def call(remaining: list[int] | None = None, event: object = None) -> dict[str, Any]:
        context = ScriptedContext(remaining=list(remaining or [60_000]))
        return lambda_handler(load_sample("scheduled") if event is None else event, context)

    return call


@pytest.fixture
def make_resources() -> Callable[[Any, Any], None]:
    return create_resources


@pytest.fixture
def make_order() -> Callable[..., dict[str, Any]]:
    return order_item
