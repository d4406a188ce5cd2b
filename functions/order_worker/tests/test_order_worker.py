"""order_worker: each record applied once, bad records fail alone and are reported for redrive to the DLQ."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from shared.contracts import parse_order_message
from shared.errors import ValidationError
from shared.orders import Order, OrderStatus, from_item, order_key, status_index_key

Invoke = Callable[[dict[str, Any]], dict[str, Any]]


def order(tables: Any, order_id: str) -> dict[str, Any] | None:
    return tables.get_item(Key=order_key(order_id)).get("Item")


def stored(tables: Any, order_id: str) -> Order:
    item = order(tables, order_id)
    assert item is not None, f"order {order_id} was not written"
    return from_item(item)


def test_order_placed_creates_a_pending_order_indexed_by_status(invoke: Invoke, tables: Any, sqs: Any) -> None:
    # Given the OrderPlaced sample, When it is processed
    response = invoke(sqs.sample("order_placed"))

    # Then nothing failed and the order is stored in the shared layout, marked as coming from the queue
    assert response == {"batchItemFailures": []}
    placed = stored(tables, "ord-1001")
    assert (placed.status, placed.total, placed.currency) == (OrderStatus.PENDING, "29.99", "USD")
    assert (placed.customer_id, placed.source) == ("cust-42", "queue")
    item = order(tables, "ord-1001")
    assert item is not None
    index = status_index_key(OrderStatus.PENDING, created_at=placed.created_at, order_id="ord-1001")
    assert {name: item[name] for name in index} == index
    assert item["items"][0] == {"sku": "sku-red-mug", "quantity": Decimal(2), "price": "12.50"}


def test_line_prices_are_stored_with_two_decimals(invoke: Invoke, tables: Any, sqs: Any) -> None:
    # Given an OrderPlaced whose prices have zero and one decimals
    lines = [{"sku": "sku-a", "quantity": 1, "price": "9.9"}, {"sku": "sku-b", "quantity": 2, "price": "3"}]

    # When it is processed
    response = invoke(sqs.event(sqs.record(sqs.placed("ord-norm", items=lines))))

    # Then the prices and the total are stored in the one money form
    assert response == {"batchItemFailures": []}
    placed = stored(tables, "ord-norm")
    assert [line.price for line in placed.items] == ["9.90", "3.00"]
    assert placed.total == "15.90"


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
    assert stored(tables, "ord-5").status is OrderStatus.CANCELLED
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

    # Then the redelivery is applied, with its reason, and the order is listed under its new status
    assert response == {"batchItemFailures": []}
    cancelled = stored(tables, "ord-7")
    assert (cancelled.status, cancelled.cancel_reason) == (OrderStatus.CANCELLED, "oops")
    index = status_index_key(OrderStatus.CANCELLED, created_at=cancelled.created_at, order_id="ord-7")
    assert order(tables, "ord-7")["gsi1pk"] == index["gsi1pk"]


def set_status(tables: Any, order_id: str, status: OrderStatus) -> None:
    tables.update_item(
        Key=order_key(order_id),
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": status.value},
    )


@pytest.mark.parametrize("status", [OrderStatus.SHIPPED, OrderStatus.DELIVERED])
def test_cancelling_an_order_whose_goods_left_fails_the_record(
    invoke: Invoke, tables: Any, sqs: Any, status: OrderStatus
) -> None:
    # Given an order that has shipped
    invoke(sqs.event(sqs.record(sqs.placed("ord-8"))))
    set_status(tables, "ord-8", status)

    # When a cancel message arrives
    cancel = sqs.record({"type": "OrderCancelled", "order_id": "ord-8", "reason": "too late"}, message_id="m-x")
    response = invoke(sqs.event(cancel))

    # Then the record fails (for the DLQ) and the order keeps its status
    assert sqs.failed_ids(response) == ["m-x"]
    assert stored(tables, "ord-8").status is status


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PAID])
def test_an_order_that_has_not_shipped_can_be_cancelled(
    invoke: Invoke, tables: Any, sqs: Any, status: OrderStatus
) -> None:
    # Given an order in a status before shipping
    invoke(sqs.event(sqs.record(sqs.placed("ord-10"))))
    set_status(tables, "ord-10", status)

    # When a cancel message arrives
    response = invoke(sqs.event(sqs.record({"type": "OrderCancelled", "order_id": "ord-10", "reason": "changed"})))

    # Then the order is cancelled
    assert response == {"batchItemFailures": []}
    assert stored(tables, "ord-10").status is OrderStatus.CANCELLED


def test_cancelling_twice_is_not_an_error(invoke: Invoke, tables: Any, sqs: Any) -> None:
    # Given a cancelled order
    invoke(sqs.event(sqs.record(sqs.placed("ord-9"))))
    body = {"type": "OrderCancelled", "order_id": "ord-9", "reason": "dup"}
    invoke(sqs.event(sqs.record(body)))
    first = stored(tables, "ord-9")

    # When a second cancel arrives with a different message id (not deduplicated by idempotency)
    response = invoke(sqs.event(sqs.record({**body, "reason": "again"})))

    # Then it succeeds and changes nothing
    assert response == {"batchItemFailures": []}
    assert stored(tables, "ord-9") == first


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
        parse_order_message(body)

    assert field in caught.value.fields
