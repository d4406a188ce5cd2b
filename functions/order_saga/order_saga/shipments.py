"""Create and cancel an order's shipment; the step record is the shipment (carrier booking is out of scope).

Record ``SAGA#SHIPMENT``: CREATED → CANCELLED, or written CANCELLED by a cancel that found nothing, so a
late create retry cannot ship a compensated order. The shipment id is derived from the order id: a retried
create can only ever produce the same shipment.
"""

from __future__ import annotations

from order_saga.errors import StepCompensatedError
from order_saga.models import SagaOrder, Shipment
from order_saga.settings import OrdersSettings
from order_saga.stores import StepStore
from shared.errors import RetryableError
from shared.observability import logger
from shared.settings import load_settings

STEP = "SHIPMENT"


def shipment_id(order_id: str) -> str:
    return f"SHP-{order_id}"


def _store() -> StepStore:
    return StepStore(load_settings(OrdersSettings).orders_table)


def create(order: SagaOrder) -> Shipment:
    record, created = _store().create(
        order.order_id,
        STEP,
        "CREATED",
        shipment_id=shipment_id(order.order_id),
        address=order.shipping_address.model_dump() if order.shipping_address else None,
        items=order.quantities(),
    )
    if record.status != "CREATED":
        raise StepCompensatedError(f"the shipment of order {order.order_id} was already cancelled")
    logger.info("shipment created" if created else "shipment already created", extra={"order_id": order.order_id})
    return Shipment(order_id=order.order_id, status="CREATED", shipment_id=record.get("shipment_id"))


def cancel(order_id: str) -> Shipment:
    store = _store()
    record, created = store.create(order_id, STEP, "CANCELLED")
    if created:
        logger.info("nothing shipped; shipment marked cancelled", extra={"order_id": order_id})
        return Shipment(order_id=order_id, status="NOT_CREATED")
    if record.status == "CREATED" and not store.transition(
        order_id, STEP, from_status="CREATED", to_status="CANCELLED"
    ):
        raise RetryableError(f"the shipment of order {order_id} changed while cancelling it")
    logger.info("shipment cancelled", extra={"order_id": order_id})
    return Shipment(order_id=order_id, status="CANCELLED", shipment_id=record.get("shipment_id"))
