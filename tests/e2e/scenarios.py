"""Scenarios whose outcome takes a while (a visibility timeout, a schedule period): arranged once, first thing.

The session fixtures in ``conftest.py`` call these right after the stack is up, so the waiting overlaps the
other tests instead of adding to the run; the tests in ``test_queues.py`` / ``test_scheduled_cleanup.py``
then check the outcome.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

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
                    "customer_id": "cust-e2e",
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
    """A PENDING order in the orders_api item shape, created in 2020: what the cleanup job archives."""
    order_id = unique("ord-old")
    created = ABANDONED_CREATED_AT
    stack.aws("dynamodb").put_item(
        TableName=stack.table("orders"),
        Item={
            "pk": {"S": f"ORDER#{order_id}"},
            "sk": {"S": "ORDER"},
            "gsi1pk": {"S": "STATUS#PENDING"},
            "gsi1sk": {"S": f"{created}#{order_id}"},
            "type": {"S": "order"},
            "order_id": {"S": order_id},
            "customer_id": {"S": "cust-gone"},
            "status": {"S": "PENDING"},
            "items": {"L": [{"M": {"sku": {"S": "sku-1"}, "quantity": {"N": "1"}, "price": {"S": "1.00"}}}]},
            "total": {"S": "1.00"},
            "created_at": {"S": created},
            "updated_at": {"S": created},
        },
        ConditionExpression="attribute_not_exists(pk)",
    )
    return order_id
