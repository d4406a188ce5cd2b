"""Writing an imported order: the orders_api item shape, created once (a re-sent message changes nothing)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from botocore.exceptions import ClientError

from bulk_worker.settings import settings
from shared import aws
from shared.contracts import BulkOrderMessage

Outcome = Literal["written", "already_written"]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def order_item(message: BulkOrderMessage, *, now: str) -> dict[str, Any]:
    order = message.order
    total = sum((Decimal(line.price) * line.quantity for line in order.items), Decimal(0)).quantize(Decimal("0.01"))
    return {
        "pk": f"ORDER#{order.order_id}",
        "sk": "ORDER",
        "gsi1pk": "STATUS#PENDING",
        "gsi1sk": f"{now}#{order.order_id}",
        "type": "order",
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "status": "PENDING",
        "items": [line.model_dump() for line in order.items],
        "total": str(total),
        "created_at": now,
        "updated_at": now,
        "import_job": message.job_id,
    }


def write_order(message: BulkOrderMessage) -> Outcome:
    """Put the order unless it exists: the dispatcher may send an order twice (a retried job), SQS may deliver twice."""
    try:
        aws.dynamodb_table(settings().orders_table).put_item(
            Item=order_item(message, now=utc_now()), ConditionExpression="attribute_not_exists(pk)"
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return "already_written"
        raise
    return "written"
