"""The built zip + common layer, in a fresh Lambda-like process against a moto server, on every sample event."""

from __future__ import annotations

from typing import Any

import pytest

from shared.orders import order_key
from tests.support.lambda_zips import load_event

pytestmark = pytest.mark.slow

ENV = {"ORDERS_TABLE": "orders", "IDEMPOTENCY_TABLE": "idempotency"}


def stored_status(dynamodb: Any, order_id: str) -> str | None:
    key = {name: {"S": value} for name, value in order_key(order_id).items()}
    item = dynamodb.get_item(TableName="orders", Key=key)
    return item["Item"]["status"]["S"] if "Item" in item else None


def test_samples_place_then_cancel_an_order(built_function, aws_endpoint, make_tables) -> None:
    dynamodb = aws_endpoint.client("dynamodb")
    make_tables(dynamodb)
    worker = built_function("order_worker")

    placed = worker.invoke("order_worker", load_event("order_worker", "order_placed"), env=ENV)
    assert placed.result == {"batchItemFailures": []}
    assert stored_status(dynamodb, "ord-1001") == "PENDING"

    cancelled = worker.invoke("order_worker", load_event("order_worker", "order_cancelled"), env=ENV)
    assert cancelled.result == {"batchItemFailures": []}
    assert stored_status(dynamodb, "ord-1001") == "CANCELLED"


def test_mixed_sample_reports_only_the_bad_records(built_function, aws_endpoint, make_tables) -> None:
    dynamodb = aws_endpoint.client("dynamodb")
    make_tables(dynamodb)
    event = load_event("order_worker", "mixed_batch")

    out = built_function("order_worker").invoke("order_worker", event, env=ENV)

    ids = [record["messageId"] for record in event["Records"]]
    assert out.result == {"batchItemFailures": [{"itemIdentifier": ids[1]}, {"itemIdentifier": ids[2]}]}
    assert (stored_status(dynamodb, "ord-2001"), stored_status(dynamodb, "ord-2003")) == ("PENDING", "PENDING")
    assert "order message failed" in out.logs
