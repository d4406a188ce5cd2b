"""Scenarios whose outcome takes a while (a visibility timeout, a schedule period): arranged once, first thing.

The session fixtures in ``conftest.py`` call these right after the stack is up, so the waiting overlaps the
other tests instead of adding to the run; the tests in ``test_queues.py`` / ``test_scheduled_cleanup.py``
then check the outcome.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from shared.orders import Order, OrderLine, OrderStatus, from_item, order_key, to_item
from tests.e2e.harness import Stack, unique

ABANDONED_CREATED_AT = "2020-01-02T03:04:05.000Z"  # older than any ABANDONED_AFTER_HOURS (≤ 8760 h)


@dataclass(frozen=True)
class PoisonBatch:
    good_order_ids: list[str]
    poison_marker: str


def send_poison_batch(stack: Stack) -> PoisonBatch:
    """Five good OrderPlaced messages and one that can never succeed (unknown type), in one SendMessageBatch."""
    good = [unique("ord-q") for _ in range(5)]
    marker = unique("poison")
    entries = [
        {
            "Id": f"good{i}",
            "MessageBody": json.dumps(
                {
                    "type": "OrderPlaced",
                    "order_id": order_id,
                    "customer_id": stack.user_id(),  # so the suite's user sees them through the API
                    "items": [{"sku": "sku-q", "quantity": 1, "price": "3.00"}],
                }
            ),
        }
        for i, order_id in enumerate(good)
    ]
    entries.insert(2, {"Id": "poison", "MessageBody": json.dumps({"type": "OrderTeleported", "marker": marker})})
    sent = stack.aws("sqs").send_message_batch(QueueUrl=stack.queue_url("orders"), Entries=entries)
    assert not sent.get("Failed"), f"SendMessageBatch failed entries: {sent.get('Failed')}"
    return PoisonBatch(good, marker)


def write_abandoned_order(stack: Stack) -> str:
    """A PENDING order of the suite's user, created in 2020 (``shared.orders`` item): what the cleanup archives."""
    order = Order(
        order_id=unique("ord-old"),
        customer_id=stack.user_id(),
        status=OrderStatus.PENDING,
        items=[OrderLine(sku="sku-1", quantity=1, price="1.00")],
        total="1.00",
        created_at=ABANDONED_CREATED_AT,
        updated_at=ABANDONED_CREATED_AT,
    )
    put_order(stack, order)
    return order.order_id


def put_order(stack: Stack, order: Order) -> None:
    """Write ``order`` as a new item of the orders table, in the layout ``shared.orders`` owns."""
    serialize = TypeSerializer().serialize
    stack.aws("dynamodb").put_item(
        TableName=stack.table("orders"),
        Item={name: serialize(value) for name, value in to_item(order).items()},
        ConditionExpression="attribute_not_exists(pk)",
    )


def stored_order(stack: Stack, order_id: str) -> Order | None:
    """The order as the table holds it now (consistent read), or None."""
    key = {name: {"S": value} for name, value in order_key(order_id).items()}
    item = stack.aws("dynamodb").get_item(TableName=stack.table("orders"), Key=key, ConsistentRead=True).get("Item")
    if not item:
        return None
    deserialize = TypeDeserializer().deserialize
    return from_item({name: deserialize(value) for name, value in item.items()})


def api_order_ids(stack: Stack, status: str | None = None) -> set[str]:
    """Every order id ``GET /orders`` lists for the suite's user (all pages), optionally of one status."""
    found: set[str] = set()
    query = {"limit": "100", **({"status": status} if status else {})}
    while True:
        answer = stack.http("GET", "/orders?" + urllib.parse.urlencode(query))
        assert answer.status == 200, f"GET /orders?{query}: {answer}"
        page = answer.json()
        found.update(order["order_id"] for order in page["items"])
        if not page["next_cursor"]:
            return found
        query["cursor"] = page["next_cursor"]


def visible_through_the_api(stack: Stack, order_id: str, status: str) -> None:
    """``order_id`` answers ``GET /orders/{id}`` with ``status``, and is listed with and without that filter."""
    answer = stack.http("GET", f"/orders/{order_id}")
    assert answer.status == 200, f"GET /orders/{order_id}: {answer}"
    assert answer.json()["status"] == status, answer.json()
    assert order_id in api_order_ids(stack), f"GET /orders does not list {order_id}"
    assert order_id in api_order_ids(stack, status), f"GET /orders?status={status} does not list {order_id}"
