"""What each orders-queue message does to the orders table. Returns the outcome; raises when it must be retried."""

from __future__ import annotations

from typing import Literal

from order_worker.settings import settings
from shared.contracts import OrderCancelled, OrderPlaced
from shared.errors import ConflictError
from shared.order_store import OrderTable
from shared.orders import TRANSITIONS, UNDELETABLE, Order, OrderStatus

Outcome = Literal["placed", "already_placed", "cancelled", "already_cancelled"]

# A cancel message stops an order before its goods leave the warehouse; only the saga cancels a shipped one.
QUEUE_TRANSITIONS = {status: targets for status, targets in TRANSITIONS.items() if status not in UNDELETABLE}


def place_order(message: OrderPlaced, table: OrderTable, *, now: str | None = None) -> Outcome:
    """Create the order as PENDING; a second OrderPlaced for the same order id changes nothing."""
    order = Order.new(
        order_id=message.order_id, customer_id=message.customer_id, items=message.items, source="queue", now=now
    )
    return "placed" if table.insert(order) else "already_placed"


def cancel_order(message: OrderCancelled, table: OrderTable, *, now: str | None = None) -> Outcome:
    """Cancel an order that has not shipped; cancelling a cancelled order succeeds and changes nothing.

    A missing order raises NotFoundError: on a standard queue the cancel can overtake its OrderPlaced, so the
    message is retried and lands in the DLQ only if the order never appears. A shipped order is a conflict.
    """
    try:
        table.change_status(
            message.order_id, OrderStatus.CANCELLED, transitions=QUEUE_TRANSITIONS, reason=message.reason, now=now
        )
    except ConflictError as exc:
        if exc.details.get("status") == OrderStatus.CANCELLED:
            return "already_cancelled"
        raise
    return "cancelled"


def apply_message(message: OrderPlaced | OrderCancelled) -> Outcome:
    table = OrderTable(settings().orders_table)
    if isinstance(message, OrderPlaced):
        return place_order(message, table)
    return cancel_order(message, table)
