"""SQS consumers: the 1,000-order fan-out through bulk_dispatcher/bulk_worker, and a poison message in a batch."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest

from shared.orders import Order, order_key
from tests.e2e.harness import Stack, unique, wait_for
from tests.e2e.scenarios import PoisonBatch, api_order_ids, stored_order, visible_through_the_api

pytestmark = pytest.mark.e2e

REDRIVE_WAIT_CAP_S = 150.0  # the suite's budget for a poison message's trip to the DLQ


def queue_attributes(stack: Stack, url: str) -> dict[str, str]:
    return dict(stack.aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"])


def dead_letter_queue(stack: Stack, url: str) -> tuple[str, int]:
    """The DLQ's URL and maxReceiveCount from the queue's redrive policy."""
    policy = json.loads(queue_attributes(stack, url).get("RedrivePolicy") or "{}")
    assert policy, f"queue {url} has no redrive policy: a poison message would circle forever"
    arn = str(policy["deadLetterTargetArn"])
    account, name = arn.split(":")[4], arn.split(":")[5]
    dlq_url = stack.aws("sqs").get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    return str(dlq_url), int(policy["maxReceiveCount"])


def peek(stack: Stack, url: str) -> list[dict[str, Any]]:
    """Messages visible on a queue now, left visible (VisibilityTimeout 0) for the next look."""
    found: dict[str, dict[str, Any]] = {}
    for _ in range(10):
        answer = stack.aws("sqs").receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0, AttributeNames=["All"]
        )
        messages = answer.get("Messages", [])
        found.update({m["MessageId"]: m for m in messages})
        if len(messages) < 10:
            break
    return list(found.values())


def order_item(stack: Stack, order_id: str) -> Order | None:
    return stored_order(stack, order_id)


def test_bulk_fan_out_of_1000_orders_arrives_exactly_once(stack: Stack) -> None:
    # Given a bulk job of 1,000 orders
    job_id = unique("job")
    orders = [
        {
            "order_id": f"{job_id}-{i:04d}",
            "customer_id": stack.user_id(),  # the suite's user, so the API shows them
            "items": [{"sku": "sku-bulk", "quantity": 1, "price": "1.00"}],
        }
        for i in range(1000)
    ]

    # When bulk_dispatcher is invoked with it
    answer = stack.aws("lambda").invoke(
        FunctionName=stack.function("bulk_dispatcher"),
        Payload=json.dumps({"job_id": job_id, "orders": orders}).encode(),
    )
    result = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, f"bulk_dispatcher failed: {result}"
    # Then it reports all 1,000 dispatched
    assert (result["requested"], result["dispatched"], result["failed"]) == (1000, 1000, []), result

    # And bulk_worker writes 1,000 distinct orders of this job
    def written() -> set[str]:
        keys: set[str] = set()
        pages = (
            stack.aws("dynamodb")
            .get_paginator("scan")
            .paginate(
                TableName=stack.table("orders"),
                FilterExpression="import_job = :job",
                ExpressionAttributeValues={":job": {"S": job_id}},
                ProjectionExpression="pk",
            )
        )
        for page in pages:
            keys.update(item["pk"]["S"] for item in page["Items"])
        return keys

    def all_written() -> set[str] | None:
        keys = written()
        return keys if len(keys) >= len(orders) else None

    keys = wait_for(all_written, timeout_s=120, interval_s=2, what=f"1,000 orders of {job_id} written")
    assert keys == {order_key(order["order_id"])["pk"] for order in orders}
    # And the suite's user sees the imported orders through the API
    visible_through_the_api(stack, orders[0]["order_id"], "PENDING")
    assert {order["order_id"] for order in orders} <= api_order_ids(stack, "PENDING")
    # And nothing of the job went to the bulk DLQ
    dlq, _ = dead_letter_queue(stack, stack.queue_url("bulk"))
    assert not [m for m in peek(stack, dlq) if job_id in m["Body"]], "bulk messages in the DLQ"


def test_poison_message_goes_to_the_dlq_and_the_rest_of_the_batch_succeeds_once(
    stack: Stack, poison_batch: PoisonBatch
) -> None:
    # Given a batch of good OrderPlaced messages and one poison message (unknown type) sent on the orders queue
    queue = stack.queue_url("orders")
    dlq, max_receives = dead_letter_queue(stack, queue)
    visibility = int(queue_attributes(stack, queue)["VisibilityTimeout"])
    good = poison_batch.good_order_ids
    assert visibility * max_receives <= REDRIVE_WAIT_CAP_S, (
        f"a poison message needs {max_receives} receives × {visibility} s visibility to reach the DLQ, longer than "
        f"this suite waits ({REDRIVE_WAIT_CAP_S:.0f} s): deploy a shorter consumer timeout / maxReceiveCount for e2e"
    )

    # Then every good order is written
    for order_id in good:
        wait_for(partial(order_item, stack, order_id), timeout_s=60, what=f"order {order_id} written")

    # And the poison message lands in the DLQ after maxReceiveCount receives (each one a visibility timeout)
    def poison_in_dlq() -> list[dict[str, Any]] | None:
        return [m for m in peek(stack, dlq) if poison_batch.poison_marker in m["Body"]] or None

    bound = visibility * max_receives + 60
    landed = wait_for(poison_in_dlq, timeout_s=bound, what=f"the poison message in {dlq} (≤ {max_receives} receives)")
    assert len(landed) == 1, f"the poison message is in the DLQ {len(landed)} times"

    # And no good message is in the DLQ or left on the queue: each was processed and deleted, not redelivered
    in_dlq = [m["Body"] for m in peek(stack, dlq)]
    assert not [order_id for order_id in good if any(order_id in body for body in in_dlq)], (
        f"good ones in DLQ: {in_dlq}"
    )

    def queue_empty() -> bool:
        attributes = queue_attributes(stack, queue)
        visible = int(attributes["ApproximateNumberOfMessages"])
        return visible + int(attributes["ApproximateNumberOfMessagesNotVisible"]) == 0

    wait_for(queue_empty, timeout_s=30, what=f"{queue} to be empty")
    assert all(order_item(stack, order_id).status == "PENDING" for order_id in good)  # type: ignore[union-attr]
    # And the suite's user sees the queue's orders through the API (GET one, the list, the status filter)
    for order_id in good[:2]:
        visible_through_the_api(stack, order_id, "PENDING")
