"""The order's status as the customer sees it (``GET /orders/{id}``), moved by the saga through the orders table's
one implementation, ``shared.order_store.OrderTable``.

Forward steps advance the order (CONFIRMED, PAID, SHIPPED) idempotently; an order the customer (or a cancel
message) has cancelled stops the saga with :class:`StepCompensatedError`, so the steps that succeeded are
compensated. The last compensation cancels the order with the reason the saga failed.
"""

from __future__ import annotations

from order_saga.errors import OrderNotVisibleError, StepCompensatedError, aws_errors
from order_saga.models import StepError
from shared.errors import ConflictError, NotFoundError
from shared.observability import logger
from shared.order_store import OrderTable
from shared.orders import Order, OrderStatus

# Why the order was cancelled, by the Step Functions error that started the compensation.
REASONS = {
    "OutOfStockError": "out of stock",
    "PaymentDeclined": "payment declined",
    "PaymentStatusUnknown": "payment failed",
    "StepCompensatedError": "cancelled while it was being processed",
}
GENERIC_REASON = "fulfilment failed"


def cancel_reason(error: StepError | None) -> str:
    """A short reason a customer can read; the error's name when it is not one of the known ones."""
    if error is None:
        return GENERIC_REASON
    return REASONS.get(error.Error, f"{GENERIC_REASON} ({error.Error})"[:500])


def current(table: OrderTable, order_id: str) -> Order:
    """The order as it is now; OrderNotVisibleError (retried, then compensated) when this region has no such item:
    gone, or not replicated here yet (terraform/README.md, the saga's home region)."""
    with aws_errors("read order"):
        order = table.load(order_id)
    if order is None:
        raise OrderNotVisibleError(f"order {order_id} not found in this region (yet)")
    return order


def ensure_not_cancelled(table: OrderTable, order_id: str) -> None:
    """Stop a forward step before it acts on a cancelled order."""
    if current(table, order_id).status is OrderStatus.CANCELLED:
        raise StepCompensatedError(f"order {order_id} was cancelled")


def advance(table: OrderTable, order_id: str, target: OrderStatus) -> Order:
    """Move the order forward to ``target`` (a retry that finds it there already is fine)."""
    try:
        with aws_errors(f"advance order to {target}"):
            order = table.advance(order_id, target)
    except ConflictError as exc:  # cancelled (customer, cancel message) or, never expected, not yet at the step before
        raise StepCompensatedError(exc.message, details=exc.details) from None
    except NotFoundError:
        raise OrderNotVisibleError(f"order {order_id} not found in this region (yet)") from None
    logger.info("order advanced", extra={"order_id": order_id, "status": order.status.value})
    return order


def cancel(table: OrderTable, order_id: str, reason: str) -> None:
    """Mark the order CANCELLED with ``reason``; one that is cancelled already (by the customer, or by an earlier
    attempt of this step) keeps its reason, and one that is gone has nothing to show."""
    try:
        with aws_errors("cancel order"):
            table.change_status(order_id, OrderStatus.CANCELLED, reason=reason)
    except NotFoundError:
        logger.warning("order to cancel not found", extra={"order_id": order_id})
        return
    except ConflictError:
        if current(table, order_id).status is not OrderStatus.CANCELLED:
            raise
        logger.info("order was cancelled already", extra={"order_id": order_id})
        return
    logger.info("order cancelled", extra={"order_id": order_id, "reason": reason})
