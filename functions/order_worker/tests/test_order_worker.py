"""order_worker: each record applied once, bad records fail alone and are reported for redrive to the DLQ."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from order_worker.messages import parse_message

from shared.errors import ValidationError

Invoke = Callable[[dict[str, Any]], dict[str, Any]]


def order(tables: Any, order_id: str) -> dict[str, Any] | None:
    return tables.get_item(Key={"pk": f"ORDER#{order_id}", "sk": "ORDER"}).get("Item")


def test_order_placed_creates_a_pending_order_indexed_by_status(invoke: Invoke, tables: Any, sqs: Any) -> None:
    # Given the OrderPlaced sample, When it is processed
    response = invoke(sqs.sample("order_placed"))

    # Then nothing failed and the order is stored as orders_api stores it
    assert response == {"batchItemFailures": []}
    item = order(tables, "ord-1001")
    assert item is not None
    assert (item["status"], item["gsi1pk"], item["total"]) == ("PENDING", "STATUS#PENDING", "29.99")
    assert item["gsi1sk"] == f"{item['created_at']}#ord-1001"
    assert item["items"][0] == {"sku": "sku-red-mug", "quantity": Decimal(2), "price": "12.50"}


def test_a_redelivered_message_is_applied_once(invoke: Invoke, tables: Any, sqs: Any) -> None:
    # Given an order placed and then cancelled
    invoke(sqs.event(sqs.record(sqs.placed("ord-5"), message_id="m-place")))
    cancel = sqs.record({"type": "OrderCancelled", "order_id": "ord-5", "reason": "late"}, message_id="m-cancel")
    invoke(sqs.event(cancel))
    first_update = order(tables, "ord-5")["updated_at"]

    # When the OrderPlaced message is delivered again with the same message id
    response = invoke(sqs.event(sqs.record(sqs.placed("ord-5"), message_id="m-place")))

    # Then it succeeds without touching the order
    assert response == {"batchItemFailures": []}
    assert order(tables, "ord-5")["status"] == "CANCELLED"
    assert order(tables, "ord-5")["updated_at"] == first_update


def test_a_second_order_placed_for_the_same_order_does_not_overwrite_it(invoke: Invoke, tables: Any, sqs: Any) -> None:
    invoke(sqs.event(sqs.record(sqs.placed("ord-6"))))

    response = invoke(sqs.event(sqs.record(sqs.placed("ord-6", customer_id="someone-else"))))

    assert response == {"batchItemFailures": []}
    assert order(tables, "ord-6")["customer_id"] == "cust-1"


def test_bad_records_fail_alone_and_the_rest_of_the_batch_succeeds(invoke: Invoke, tables: Any, sqs: Any) -> None:
    # Given the mixed sample: two valid orders, an unknown type and a body that is not JSON
    event = sqs.sample("mixed_batch")
    ids = [record["messageId"] for record in event["Records"]]

    response = invoke(event)

    # Then exactly the two bad records are reported, and both good orders exist
    assert sqs.failed_ids(response) == [ids[1], ids[2]]
    assert order(tables, "ord-2001") is not None
    assert order(tables, "ord-2003") is not None


def test_a_batch_where_every_record_fails_is_reported_record_by_record(invoke: Invoke, sqs: Any) -> None:
    records = [sqs.record({"type": "Nope"}), sqs.record("not json")]

    response = invoke(sqs.event(*records))

    assert sqs.failed_ids(response) == [record["messageId"] for record in records]


def test_a_failed_record_is_retried_not_remembered(invoke: Invoke, tables: Any, sqs: Any) -> None:
    # Given a cancel that overtook its OrderPlaced (standard queues do not keep order)
    cancel = sqs.record({"type": "OrderCancelled", "order_id": "ord-7", "reason": "oops"}, message_id="m-c")
    assert sqs.failed_ids(invoke(sqs.event(cancel))) == ["m-c"]

    # When the order arrives and SQS redelivers the cancel
    invoke(sqs.event(sqs.record(sqs.placed("ord-7"))))
    response = invoke(sqs.event(cancel))

    # Then the redelivery is applied
    assert response == {"batchItemFailures": []}
    assert order(tables, "ord-7")["status"] == "CANCELLED"
    assert order(tables, "ord-7")["gsi1pk"] == "STATUS#CANCELLED"


def test_cancelling_a_shipped_order_fails_the_record(invoke: Invoke, tables: Any, sqs: Any) -> None:
    invoke(sqs.event(sqs.record(sqs.placed("ord-8"))))
    tables.update_item(
        Key={"pk": "ORDER#ord-8", "sk": "ORDER"},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": "SHIPPED"},
    )
    cancel = sqs.record({"type": "OrderCancelled", "order_id": "ord-8", "reason": "too late"}, message_id="m-x")

    assert sqs.failed_ids(invoke(sqs.event(cancel))) == ["m-x"]
    assert order(tables, "ord-8")["status"] == "SHIPPED"


def test_cancelling_twice_is_not_an_error(invoke: Invoke, tables: Any, sqs: Any) -> None:
    invoke(sqs.event(sqs.record(sqs.placed("ord-9"))))
    body = {"type": "OrderCancelled", "order_id": "ord-9", "reason": "dup"}
    invoke(sqs.event(sqs.record(body)))

    response = invoke(sqs.event(sqs.record(body)))  # a different message id: not deduplicated by idempotency

    assert response == {"batchItemFailures": []}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"type": "OrderShipped", "order_id": "o"}', "body"),
        ('{"type": "OrderPlaced", "order_id": "o", "customer_id": "c", "items": []}', "body.OrderPlaced.items"),
        (
            '{"type": "OrderPlaced", "order_id": "o", "customer_id": "c", '
            '"items": [{"sku": "s", "quantity": 1, "price": 9.99}]}',
            "body.OrderPlaced.items.0.price",
        ),
        ("[1, 2", "body"),
    ],
)
def test_invalid_bodies_are_rejected_naming_the_field(body: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_message(body)

    assert field in caught.value.fields
