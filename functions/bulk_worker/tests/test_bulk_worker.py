"""bulk_worker: every imported order is written once; a bad record fails alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.orders import Order, OrderStatus, from_item, order_key, status_index_key

Invoke = Callable[[dict[str, Any]], dict[str, Any]]


def item(table: Any, order_id: str) -> dict[str, Any] | None:
    return table.get_item(Key=order_key(order_id)).get("Item")


def stored(table: Any, order_id: str) -> Order:
    found = item(table, order_id)
    assert found is not None, f"order {order_id} was not written"
    return from_item(found)


def test_sample_batch_writes_the_good_orders_and_reports_the_bad_one(invoke: Invoke, table: Any, sqs: Any) -> None:
    # Given the sample: two valid orders and one without items, When it is processed
    event = sqs.sample("bulk_orders")
    response = invoke(event)

    # Then the invalid one alone is reported and the others are PENDING bulk orders of their job
    assert sqs.failed_ids(response) == [event["Records"][2]["messageId"]]
    first = stored(table, "imp-0001")
    assert (first.status, first.total, first.currency) == (OrderStatus.PENDING, "25.00", "USD")
    assert (first.source, first.import_job) == ("bulk", "import-2024-05-24-0001")
    index = status_index_key(OrderStatus.PENDING, created_at=first.created_at, order_id="imp-0001")
    assert {name: item(table, "imp-0001")[name] for name in index} == index
    assert stored(table, "import-2024-05-24-0001-00001").total == "28.99"
    assert item(table, "import-2024-05-24-0001-00002") is None


def test_line_prices_are_stored_with_two_decimals(invoke: Invoke, table: Any, sqs: Any) -> None:
    # Given an imported order whose price has one decimal
    lines = [{"sku": "s-1", "quantity": 3, "price": "9.9"}]

    # When it is processed
    response = invoke({"Records": [sqs.record(sqs.order("o-norm", items=lines))]})

    # Then its price and total are stored in the one money form
    assert response == {"batchItemFailures": []}
    order = stored(table, "o-norm")
    assert (order.items[0].price, order.total) == ("9.90", "29.70")


def test_an_order_sent_twice_is_written_once(invoke: Invoke, table: Any, sqs: Any) -> None:
    # Given an imported order
    invoke({"Records": [sqs.record(sqs.order("o-1"))]})
    first = stored(table, "o-1")

    # When a message for the same order id arrives again with other content
    response = invoke({"Records": [sqs.record(sqs.order("o-1", customer_id="c-other"))]})

    # Then it succeeds and the first write stands
    assert response == {"batchItemFailures": []}
    assert stored(table, "o-1") == first


def test_a_body_that_is_not_json_fails_only_its_record(invoke: Invoke, table: Any, sqs: Any) -> None:
    bad = sqs.record("{truncated")
    good = sqs.record(sqs.order("o-2"))

    response = invoke({"Records": [bad, good]})

    assert sqs.failed_ids(response) == [bad["messageId"]]
    assert item(table, "o-2") is not None


def test_a_write_that_fails_reports_its_record_for_redrive(invoke: Invoke, table: Any, sqs: Any) -> None:
    # Given the table disappears (a failure that is not the message's fault)
    table.delete()
    record = sqs.record(sqs.order("o-3"))

    response = invoke({"Records": [record]})

    assert sqs.failed_ids(response) == [record["messageId"]]


def test_records_it_cannot_start_before_the_deadline_are_reported_not_lost(table: Any, sqs: Any) -> None:
    from bulk_worker.handler import lambda_handler

    from tests.support.aws_fixtures import FakeLambdaContext

    # Given a batch arriving with less time left than the handler keeps in reserve
    records = [sqs.record(sqs.order(f"imp-late-{i}", index=i)) for i in range(3)]

    # When it is processed
    response = lambda_handler({"Records": records}, FakeLambdaContext("orders-dev-bulk_worker", remaining_ms=500))

    # Then every record is reported for redelivery and none was half-done
    assert sqs.failed_ids(response) == [record["messageId"] for record in records]
    assert all(item(table, f"imp-late-{i}") is None for i in range(3))
