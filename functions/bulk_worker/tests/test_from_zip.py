"""The built zip + common layer, in a fresh Lambda-like process against a moto server, on the sample event."""

from __future__ import annotations

import pytest

from tests.support.lambda_zips import load_event

pytestmark = pytest.mark.slow


def test_sample_batch_writes_two_orders_and_reports_the_invalid_one(built_function, aws_endpoint, make_table) -> None:
    dynamodb = aws_endpoint.client("dynamodb")
    make_table(dynamodb)
    event = load_event("bulk_worker", "bulk_orders")

    out = built_function("bulk_worker").invoke("bulk_worker", event, env={"ORDERS_TABLE": "orders"})

    assert out.result == {"batchItemFailures": [{"itemIdentifier": event["Records"][2]["messageId"]}]}
    items = dynamodb.scan(TableName="orders")["Items"]
    assert sorted(item["order_id"]["S"] for item in items) == ["imp-0001", "import-2024-05-24-0001-00001"]
    assert "body.order.items" in out.logs
