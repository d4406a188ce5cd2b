"""bulk_worker: every imported order is written once; a bad record fails alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Invoke = Callable[[dict[str, Any]], dict[str, Any]]


def stored(table: Any, order_id: str) -> dict[str, Any] | None:
    return table.get_item(Key={"pk": f"ORDER#{order_id}", "sk": "ORDER"}).get("Item")


def test_sample_batch_writes_the_good_orders_and_reports_the_bad_one(invoke: Invoke, table: Any, sqs: Any) -> None:
    event = sqs.sample("bulk_orders")

    response = invoke(event)

    assert sqs.failed_ids(response) == [event["Records"][2]["messageId"]]
    first = stored(table, "imp-0001")
    assert (first["status"], first["total"], first["import_job"]) == ("PENDING", "25.00", "import-2024-05-24-0001")
    assert first["gsi1sk"] == f"{first['created_at']}#imp-0001"
    assert stored(table, "import-2024-05-24-0001-00001")["total"] == "28.99"
    assert stored(table, "import-2024-05-24-0001-00002") is None


def test_an_order_sent_twice_is_written_once(invoke: Invoke, table: Any, sqs: Any) -> None:
    invoke({"Records": [sqs.record(sqs.order("o-1"))]})
    created = stored(table, "o-1")["created_at"]

    response = invoke({"Records": [sqs.record(sqs.order("o-1", customer_id="c-other"))]})

    assert response == {"batchItemFailures": []}
    assert stored(table, "o-1")["customer_id"] == "c-1"
    assert stored(table, "o-1")["created_at"] == created


def test_a_body_that_is_not_json_fails_only_its_record(invoke: Invoke, table: Any, sqs: Any) -> None:
    bad = sqs.record("{truncated")
    good = sqs.record(sqs.order("o-2"))

    response = invoke({"Records": [bad, good]})

    assert sqs.failed_ids(response) == [bad["messageId"]]
    assert stored(table, "o-2") is not None


def test_a_write_that_fails_reports_its_record_for_redrive(invoke: Invoke, table: Any, sqs: Any) -> None:
    # Given the table disappears (a failure that is not the message's fault)
    table.delete()
    record = sqs.record(sqs.order("o-3"))

    response = invoke({"Records": [record]})

    assert sqs.failed_ids(response) == [record["messageId"]]
