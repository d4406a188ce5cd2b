"""Fixtures for csv_ingest: a moto bucket + orders table, and CSV builders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer

from shared.observability import metrics
from shared.orders import Order, from_item, is_order_item
from tests.support.aws_fixtures import create_idempotency_table
from tests.support.aws_fixtures import create_orders_table as create_shared_orders_table

BUCKET, TABLE, IDEMPOTENCY_TABLE = "orders-uploads", "orders", "idempotency"
HEADER = "order_id,customer_id,status,total,currency,created_at"
EVENTS = Path(__file__).resolve().parents[1] / "events"


def row(i: int, **overrides: str) -> str:
    values = {
        "order_id": f"o-{i:06d}",
        "customer_id": f"c-{i % 97}",
        "status": "PENDING",
        "total": "45.99",
        "currency": "EUR",
        "created_at": "2026-11-23T10:15:00+01:00",
    } | overrides
    return ",".join(values.values())


def csv_bytes(*lines: str, bom: bool = False, newline: str = "\r\n") -> bytes:
    text = newline.join(lines) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def create_orders_table(dynamodb: Any) -> None:
    """The orders table and the idempotency table csv_ingest records each ingested version in."""
    create_shared_orders_table(dynamodb, TABLE)
    create_idempotency_table(dynamodb, IDEMPOTENCY_TABLE)


def s3_event(key: str, *, version_id: str | None = None, etag: str = "etag-1") -> dict[str, Any]:
    """The sample event with its key (URL-encoded as S3 sends it) and version replaced."""
    from urllib.parse import quote_plus

    event = json.loads((EVENTS / "object_created.json").read_text())
    obj = event["Records"][0]["s3"]["object"]
    obj["key"] = quote_plus(key, safe="/")
    obj["eTag"] = etag
    if version_id is None:
        obj.pop("versionId", None)
    else:
        obj["versionId"] = version_id
    return event


def order_items(dynamodb: Any) -> list[dict[str, Any]]:
    """Every order item in the table, in DynamoDB's typed form."""
    items = dynamodb.scan(TableName=TABLE)["Items"]
    return [item for item in items if is_order_item({"sk": item["sk"]["S"]})]


def ingest_records(dynamodb: Any) -> list[str]:
    """The status of every record in the idempotency table (one per version whose ingest finished or runs)."""
    return [item["status"]["S"] for item in dynamodb.scan(TableName=IDEMPOTENCY_TABLE)["Items"]]


def stored_orders(dynamodb: Any) -> list[Order]:
    """Every stored order, read back the way every reader reads it (``shared.orders.from_item``), by id."""
    deserializer = TypeDeserializer()
    plain = [{name: deserializer.deserialize(value) for name, value in item.items()} for item in order_items(dynamodb)]
    return sorted((from_item(item) for item in plain), key=lambda order: order.order_id)


@pytest.fixture
def ingest_env(monkeypatch: pytest.MonkeyPatch, moto_aws: None) -> dict[str, Any]:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    create_orders_table(dynamodb)
    monkeypatch.setenv("ORDERS_TABLE", TABLE)
    monkeypatch.setenv("IDEMPOTENCY_TABLE", IDEMPOTENCY_TABLE)
    monkeypatch.setattr(metrics, "namespace", "orders")
    return {"s3": s3, "dynamodb": dynamodb}
