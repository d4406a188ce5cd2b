"""DynamoDB adapter: order items as orders_api writes them (pk ``ORDER#<id>``, sk ``ORDER``, gsi1 by status)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from order_worker.settings import settings
from shared import aws

SORT_KEY = "ORDER"
CANCELLABLE = ("PENDING", "CONFIRMED", "PAID")


def order_key(order_id: str) -> dict[str, str]:
    return {"pk": f"ORDER#{order_id}", "sk": SORT_KEY}


def _condition_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def insert_order(item: dict[str, Any]) -> bool:
    """Put a new order item; False when an order with that id already exists (nothing is overwritten)."""
    try:
        aws.dynamodb_table(settings().orders_table).put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    except ClientError as exc:
        if _condition_failed(exc):
            return False
        raise
    return True


def cancel_order(order_id: str, *, reason: str, now: str) -> dict[str, Any] | None:
    """Set CANCELLED if the status allows it. None on success, else the item as it is (``{}``: no such order)."""
    try:
        aws.dynamodb_table(settings().orders_table).update_item(
            Key=order_key(order_id),
            UpdateExpression="SET #status = :cancelled, gsi1pk = :gsi1pk, updated_at = :now, cancel_reason = :reason",
            ConditionExpression="attribute_exists(pk) AND #status IN (:s0, :s1, :s2)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":cancelled": "CANCELLED",
                ":gsi1pk": "STATUS#CANCELLED",
                ":now": now,
                ":reason": reason,
                **{f":s{i}": status for i, status in enumerate(CANCELLABLE)},
            },
        )
    except ClientError as exc:
        if not _condition_failed(exc):
            raise
        current = aws.dynamodb_table(settings().orders_table).get_item(Key=order_key(order_id), ConsistentRead=True)
        return dict(current.get("Item") or {})
    return None
