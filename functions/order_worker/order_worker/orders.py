"""What each message does to the orders table. Returns the outcome; raises when the message must be retried."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from order_worker import store
from order_worker.messages import OrderCancelled, OrderPlaced
from shared.errors import ConflictError, NotFoundError

Outcome = Literal["placed", "already_placed", "cancelled", "already_cancelled"]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def order_total(message: OrderPlaced) -> str:
    total = sum((Decimal(line.price) * line.quantity for line in message.items), Decimal(0))
    return str(total.quantize(Decimal("0.01")))


def place_order(message: OrderPlaced, *, now: str) -> Outcome:
    """Create the order as PENDING; a second OrderPlaced for the same order id changes nothing."""
    item = {
        **store.order_key(message.order_id),
        "gsi1pk": "STATUS#PENDING",
        "gsi1sk": f"{now}#{message.order_id}",
        "type": "order",
        "order_id": message.order_id,
        "customer_id": message.customer_id,
        "status": "PENDING",
        "items": [line.model_dump() for line in message.items],
        "total": order_total(message),
        "created_at": now,
        "updated_at": now,
    }
    return "placed" if store.insert_order(item) else "already_placed"


def cancel_order(message: OrderCancelled, *, now: str) -> Outcome:
    """Cancel a PENDING/CONFIRMED/PAID order.

    A missing order raises NotFoundError: on a standard queue the cancel can overtake its OrderPlaced, so the
    message is retried and lands in the DLQ only if the order never appears. A shipped order is a conflict.
    """
    current = store.cancel_order(message.order_id, reason=message.reason, now=now)
    if current is None:
        return "cancelled"
    if not current:
        raise NotFoundError(f"order {message.order_id} not found")
    if current.get("status") == "CANCELLED":
        return "already_cancelled"
    raise ConflictError(f"order {message.order_id} is {current.get('status')} and cannot be cancelled")


def apply_message(message: OrderPlaced | OrderCancelled) -> Outcome:
    if isinstance(message, OrderPlaced):
        return place_order(message, now=utc_now())
    return cancel_order(message, now=utc_now())
