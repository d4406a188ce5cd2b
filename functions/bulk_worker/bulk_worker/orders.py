"""Writing an imported order: a PENDING ``shared.orders.Order`` from the bulk source, created once."""

from __future__ import annotations

from typing import Literal

from bulk_worker.settings import settings
from shared.contracts import BulkOrderMessage
from shared.order_store import OrderTable
from shared.orders import Order

Outcome = Literal["written", "already_written"]


def imported_order(message: BulkOrderMessage, *, now: str | None = None) -> Order:
    """The order ``message`` carries, as PENDING, remembering the import job it came from."""
    order = message.order
    return Order.new(
        order_id=order.order_id,
        customer_id=order.customer_id,
        items=order.items,
        source="bulk",
        now=now,
        import_job=message.job_id,
    )


def write_order(message: BulkOrderMessage) -> Outcome:
    """Insert the order unless it exists: a retried job re-sends orders, SQS may deliver one twice."""
    inserted = OrderTable(settings().orders_table).insert(imported_order(message))
    return "written" if inserted else "already_written"
