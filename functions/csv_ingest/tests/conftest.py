"""Fixtures for csv_ingest: a moto bucket + orders table, and CSV builders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from shared.observability import metrics
from tests.support.aws_fixtures import create_table

BUCKET, TABLE = "orders-uploads", "orders"
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
    create_table(dynamodb, TABLE, gsi1=True)


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
    items = dynamodb.scan(TableName=TABLE)["Items"]
    return [item for item in items if item["sk"]["S"] == "ORDER"]


@pytest.fixture
def ingest_env(monkeypatch: pytest.MonkeyPatch, moto_aws: None) -> dict[str, Any]:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    create_orders_table(dynamodb)
    monkeypatch.setenv("ORDERS_TABLE", TABLE)
    monkeypatch.setattr(metrics, "namespace", "orders")
    return {"s3": s3, "dynamodb": dynamodb}
