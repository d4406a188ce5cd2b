"""Create and cancel an order's shipment; the step record is the shipment (carrier booking is out of scope).

The ``SHIPMENT`` step record: CREATED → CANCELLED, or written CANCELLED by a cancel that found nothing, so a
late create retry cannot ship a compensated order. The shipment id is derived from the order id: a retried
create can only ever produce the same shipment. Creating it marks the order SHIPPED; a cancelled order is not
shipped (the saga then cancels, refunds and releases, so the customer gets the money back).
"""

from __future__ import annotations

from order_saga import order_status
from order_saga.errors import StepCompensatedError
from order_saga.models import SagaOrder, Shipment
from order_saga.settings import OrdersSettings
from order_saga.stores import StepStatus, StepStore
from shared.errors import RetryableError
from shared.observability import logger
from shared.order_store import OrderTable
from shared.orders import OrderStatus
from shared.settings import load_settings

STEP = "SHIPMENT"


def shipment_id(order_id: str) -> str:
    return f"SHP-{order_id}"


def _table_name() -> str:
    return load_settings(OrdersSettings).orders_table


def create(order: SagaOrder) -> Shipment:
    orders = OrderTable(_table_name())
    order_status.ensure_not_cancelled(orders, order.order_id)
    record, created = StepStore(_table_name()).create(
        order.order_id,
        STEP,
        StepStatus.CREATED,
        shipment_id=shipment_id(order.order_id),
        items=order.quantities,
    )
    if record.status is not StepStatus.CREATED:
        raise StepCompensatedError(f"the shipment of order {order.order_id} was already cancelled")
    order_status.advance(orders, order.order_id, OrderStatus.SHIPPED)
    logger.info("shipment created" if created else "shipment already created", extra={"order_id": order.order_id})
    return Shipment(order_id=order.order_id, status="CREATED", shipment_id=record.get("shipment_id"))


def cancel(order_id: str) -> Shipment:
    store = StepStore(_table_name())
    record, created = store.create(order_id, STEP, StepStatus.CANCELLED)
    if created:
        logger.info("nothing shipped; shipment marked cancelled", extra={"order_id": order_id})
        return Shipment(order_id=order_id, status="NOT_CREATED")
    if record.status is StepStatus.CREATED and not store.transition(
        order_id, STEP, from_status=StepStatus.CREATED, to_status=StepStatus.CANCELLED
    ):
        raise RetryableError(f"the shipment of order {order_id} changed while cancelling it")
    logger.info("shipment cancelled", extra={"order_id": order_id})
    return Shipment(order_id=order_id, status="CANCELLED", shipment_id=record.get("shipment_id"))
