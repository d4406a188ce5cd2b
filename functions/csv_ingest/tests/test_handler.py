"""The handler on moto: S3 event in, orders in DynamoDB, errors report next to the input, idempotent per version."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from csv_ingest import handler, storage
from csv_ingest.ingest import WriteResult

from functions.csv_ingest.tests.conftest import (
    BUCKET,
    HEADER,
    TABLE,
    csv_bytes,
    ingest_records,
    order_items,
    row,
    s3_event,
    stored_orders,
)
from shared.errors import RetryableError
from shared.order_store import OrderTable
from shared.orders import Order, OrderLine, OrderStatus, status_index_key
from tests.support.aws_fixtures import FakeLambdaContext


def refusing_writer(table: str, owner: str | None = None) -> Any:
    """A batch_writer whose every batch DynamoDB keeps refusing."""
    return lambda orders: WriteResult(unwritten=len(orders))


def Context() -> FakeLambdaContext:
    return FakeLambdaContext("csv_ingest", memory_limit_in_mb=1024, remaining_ms=300_000)


def upload(env: dict[str, Any], key: str, body: bytes) -> None:
    env["s3"].put_object(Bucket=BUCKET, Key=key, Body=body)


def report_rows(env: dict[str, Any], key: str) -> list[list[str]]:
    body = env["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    return list(csv.reader(io.StringIO(body, newline="")))


def test_good_rows_become_orders_and_bad_rows_go_to_the_report(ingest_env: dict[str, Any]) -> None:
    # Given an upload whose key has a space and parentheses (URL-encoded in the event) and one bad row
    key = "uploads/2026/November orders(1).csv"
    upload(ingest_env, key, csv_bytes(HEADER, row(1), row(2, currency="euro"), row(3), bom=True))
    # When the notification arrives
    result = handler.lambda_handler(s3_event(key), Context())
    # Then the two good rows are orders every reader can read, indexed by status; the bad one is reported
    assert result["files"] == [
        {
            "key": key,
            "version": "etag-1",
            "status": "ingested",
            "rows": 3,
            "written": 2,
            "rejected": 1,
            "unwritten": 0,
            "report_key": "reports/2026/November orders(1).csv.errors.csv",
        }
    ]
    orders = stored_orders(ingest_env["dynamodb"])
    assert [order.order_id for order in orders] == ["o-000001", "o-000003"]
    assert {(order.status, order.source, order.total, order.currency) for order in orders} == {
        (OrderStatus.PENDING, "csv", "45.99", "EUR")
    }
    assert {order.created_at for order in orders} == {"2026-11-23T09:15:00.000Z"}
    items = sorted(order_items(ingest_env["dynamodb"]), key=lambda item: item["order_id"]["S"])
    for item, order in zip(items, orders, strict=True):
        index = status_index_key(order.status, created_at=order.created_at, order_id=order.order_id)
        assert {name: item[name]["S"] for name in index} == index
    report = report_rows(ingest_env, "reports/2026/November orders(1).csv.errors.csv")
    assert report[0] == ["line", "error", "fields"]
    assert report[1][:2] == ["3", "currency: String should match pattern '^[A-Z]{3}$'"]


def test_reprocessing_the_same_version_writes_nothing_twice(ingest_env: dict[str, Any]) -> None:
    key = "uploads/orders.csv"
    upload(ingest_env, key, csv_bytes(HEADER, *(row(i) for i in range(30))))
    handler.lambda_handler(s3_event(key), Context())
    # When S3 delivers the same notification again
    again = handler.lambda_handler(s3_event(key), Context())
    # Then it is recognised and skipped, and there are still 30 orders
    assert again["files"][0]["status"] == "already_ingested"
    assert len(order_items(ingest_env["dynamodb"])) == 30


def test_an_interrupted_run_is_resumed_without_duplicates(ingest_env: dict[str, Any], monkeypatch: Any) -> None:
    # Given a first run where DynamoDB kept refusing one batch (Lambda will retry the event)
    key = "uploads/orders.csv"
    upload(ingest_env, key, csv_bytes(HEADER, *(row(i) for i in range(60))))
    real_writer = storage.batch_writer
    refusing = {"left": 1}

    def flaky_writer(table: str, owner: str | None = None) -> Any:
        write = real_writer(table, owner)

        def wrapped(orders: list[Order]) -> WriteResult:
            if refusing["left"] and len(orders) == 25:
                refusing["left"] -= 1
                return WriteResult(unwritten=len(orders))  # every order "unprocessed" after batch_write's retries
            return write(orders)

        return wrapped

    monkeypatch.setattr("csv_ingest.pipeline.batch_writer", flaky_writer)
    with pytest.raises(RetryableError, match="25 valid rows"):
        handler.lambda_handler(s3_event(key), Context())
    # When Lambda retries the same event
    result = handler.lambda_handler(s3_event(key), Context())
    # Then the file is processed again and every order exists exactly once
    assert result["files"][0]["status"] == "ingested"
    assert len(order_items(ingest_env["dynamodb"])) == 60


def test_a_new_version_of_the_same_key_is_ingested(ingest_env: dict[str, Any]) -> None:
    key = "uploads/orders.csv"
    upload(ingest_env, key, csv_bytes(HEADER, row(1)))
    handler.lambda_handler(s3_event(key, etag="v1"), Context())
    upload(ingest_env, key, csv_bytes(HEADER, row(1, status="SHIPPED")))
    result = handler.lambda_handler(s3_event(key, etag="v2"), Context())
    assert result["files"][0]["status"] == "ingested"
    assert [order.status for order in stored_orders(ingest_env["dynamodb"])] == [OrderStatus.SHIPPED]


@pytest.mark.parametrize("key", ["uploads/photo.jpg", "incoming/orders.csv", "reports/orders.csv.errors.csv"])
def test_keys_outside_the_contract_are_skipped(ingest_env: dict[str, Any], key: str) -> None:
    upload(ingest_env, key, csv_bytes(HEADER, row(1)))
    result = handler.lambda_handler(s3_event(key), Context())
    assert result["files"][0]["status"] == "skipped"
    assert order_items(ingest_env["dynamodb"]) == []


def test_a_file_without_required_columns_is_rejected_with_a_report(ingest_env: dict[str, Any]) -> None:
    key = "uploads/wrong.csv"
    upload(ingest_env, key, csv_bytes("id,name", "1,x"))
    result = handler.lambda_handler(s3_event(key), Context())
    assert result["files"][0]["status"] == "rejected"
    assert "customer_id" in result["files"][0]["reason"]
    assert report_rows(ingest_env, "reports/wrong.csv.errors.csv")[1][0] == "1"


def test_an_object_deleted_before_processing_is_skipped(ingest_env: dict[str, Any]) -> None:
    result = handler.lambda_handler(s3_event("uploads/gone.csv"), Context())
    assert result["files"][0]["status"] == "missing"


def test_a_missing_object_leaves_no_ingest_record(ingest_env: dict[str, Any]) -> None:
    # Given a notification for an object that no longer exists
    event = s3_event("uploads/gone.csv")

    # When it is processed
    handler.lambda_handler(event, Context())

    # Then nothing records an ingest of it, finished or in progress
    assert ingest_records(ingest_env["dynamodb"]) == []


def test_a_failed_run_leaves_nothing_in_progress_and_a_retry_finding_the_object_gone_reports_it_missing(
    ingest_env: dict[str, Any], monkeypatch: Any
) -> None:
    # Given a first run that failed to write (Lambda will retry the event)
    key = "uploads/orders.csv"
    upload(ingest_env, key, csv_bytes(HEADER, row(1)))
    monkeypatch.setattr(
        "csv_ingest.pipeline.batch_writer", lambda table, owner=None: lambda orders: WriteResult(unwritten=len(orders))
    )
    with pytest.raises(RetryableError):
        handler.lambda_handler(s3_event(key), Context())
    assert ingest_records(ingest_env["dynamodb"]) == []

    # When the object is deleted before the retry arrives
    ingest_env["s3"].delete_object(Bucket=BUCKET, Key=key)
    result = handler.lambda_handler(s3_event(key), Context())

    # Then the retry reports it missing and still nothing claims an ingest of it
    assert result["files"][0]["status"] == "missing"
    assert ingest_records(ingest_env["dynamodb"]) == []


def test_the_same_content_uploaded_again_after_it_went_missing_is_ingested(
    ingest_env: dict[str, Any], monkeypatch: Any
) -> None:
    # Given an ingest of a file that was deleted before its retry (its marker finished as missing)
    key = "uploads/orders.csv"
    upload(ingest_env, key, csv_bytes(HEADER, row(1)))
    with monkeypatch.context() as patch:
        patch.setattr(
            "csv_ingest.pipeline.batch_writer",
            lambda table, owner=None: lambda orders: WriteResult(unwritten=len(orders)),
        )
        with pytest.raises(RetryableError):
            handler.lambda_handler(s3_event(key), Context())
    ingest_env["s3"].delete_object(Bucket=BUCKET, Key=key)
    handler.lambda_handler(s3_event(key), Context())

    # When the same bytes (same ETag) are uploaded again and their notification arrives
    upload(ingest_env, key, csv_bytes(HEADER, row(1)))
    result = handler.lambda_handler(s3_event(key), Context())

    # Then they are ingested, not taken for already ingested
    assert result["files"][0]["status"] == "ingested"
    assert len(order_items(ingest_env["dynamodb"])) == 1


def test_missing_orders_table_variable_is_named(ingest_env: dict[str, Any], monkeypatch: Any) -> None:
    from shared.settings import SettingsError, reset_settings

    monkeypatch.delenv("ORDERS_TABLE")
    reset_settings()
    upload(ingest_env, "uploads/a.csv", csv_bytes(HEADER, row(1)))
    with pytest.raises(SettingsError, match="ORDERS_TABLE"):
        handler.lambda_handler(s3_event("uploads/a.csv"), Context())


def test_an_ingested_version_is_recorded_in_the_idempotency_table_not_among_orders(
    ingest_env: dict[str, Any],
) -> None:
    upload(ingest_env, "uploads/a.csv", csv_bytes(HEADER, row(1)))
    handler.lambda_handler(s3_event("uploads/a.csv"), Context())
    assert ingest_records(ingest_env["dynamodb"]) == ["COMPLETED"]
    items = ingest_env["dynamodb"].scan(TableName=TABLE)["Items"]
    assert [item["order_id"]["S"] for item in items if "order_id" in item] == ["o-000001"]
    assert len(items) == len(order_items(ingest_env["dynamodb"]))


def test_the_same_key_and_content_in_another_bucket_is_another_ingest(ingest_env: dict[str, Any]) -> None:
    # Given a file ingested from the uploads bucket
    upload(ingest_env, "uploads/a.csv", csv_bytes(HEADER, row(1)))
    handler.lambda_handler(s3_event("uploads/a.csv"), Context())
    # When another bucket notifies the same key with the same ETag
    ingest_env["s3"].create_bucket(Bucket="other-uploads")
    ingest_env["s3"].put_object(Bucket="other-uploads", Key="uploads/a.csv", Body=csv_bytes(HEADER, row(2)))
    event = s3_event("uploads/a.csv")
    event["Records"][0]["s3"]["bucket"]["name"] = "other-uploads"
    result = handler.lambda_handler(event, Context())
    # Then it is ingested: the bucket is part of what is ingested once
    assert result["files"][0]["status"] == "ingested"
    assert ingest_records(ingest_env["dynamodb"]) == ["COMPLETED", "COMPLETED"]


def test_missing_idempotency_table_variable_is_named(ingest_env: dict[str, Any], monkeypatch: Any) -> None:
    from shared.settings import SettingsError, reset_settings

    monkeypatch.delenv("IDEMPOTENCY_TABLE")
    reset_settings()
    upload(ingest_env, "uploads/a.csv", csv_bytes(HEADER, row(1)))
    with pytest.raises(SettingsError, match="IDEMPOTENCY_TABLE"):
        handler.lambda_handler(s3_event("uploads/a.csv"), Context())


USER = "7d4e1a52-3c1f-4b8e-9a57-0c2b9f1e6d31"
OTHER = "0b5f2e7c-9a41-4d3e-8c2b-6f1a7e9d3c50"


def test_a_users_upload_imports_only_that_users_orders(ingest_env: Any) -> None:
    # Given a file uploaded through upload_url by one user, with a row of theirs and a row for someone else
    key = f"uploads/{USER}/3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b.csv"
    rows = (
        f"mine-1,{USER},PENDING,10.00,EUR,2026-01-01T00:00:00Z",
        f"theirs-1,{OTHER},PENDING,5,EUR,2026-01-01T00:00:00Z",
    )
    upload(ingest_env, key, csv_bytes(HEADER, *rows))

    # When it is ingested
    (result,) = handler.lambda_handler(s3_event(key), Context())["files"]

    # Then the uploader's row is an order, the other customer's row is rejected in the report and not stored
    assert (result["written"], result["rejected"]) == (1, 1)
    table = OrderTable(TABLE)
    assert table.load("mine-1", customer_id=USER) is not None
    assert table.load("theirs-1") is None


def test_a_users_upload_cannot_take_over_another_customers_order(ingest_env: Any) -> None:
    # Given another customer's order
    table = OrderTable(TABLE)
    lines = [OrderLine(sku="s", quantity=1, price="1")]
    theirs = Order.new(order_id="o-taken", customer_id=OTHER, items=lines, source="api")
    table.insert(theirs)

    # When a user uploads a row of their own that reuses its id
    key = f"uploads/{USER}/9b41ca29-9238-546f-9d4d-e90b5649ddbc.csv"
    upload(ingest_env, key, csv_bytes(HEADER, f"o-taken,{USER},DELIVERED,1.00,EUR,2026-01-01T00:00:00Z"))
    (result,) = handler.lambda_handler(s3_event(key), Context())["files"]

    # Then the row is rejected in the report, and the order stays the other customer's, untouched
    assert (result["written"], result["rejected"], result["unwritten"]) == (0, 1, 0)
    assert table.load("o-taken") == theirs
