"""Reserve and release stock for an order, idempotently, and show it on the order.

A reservation is recorded in the same transaction that decrements the stock, so a retried reserve finds
the record and returns it instead of decrementing again; release flips the record to RELEASED in the same
transaction that gives the stock back. Releasing an order that never reserved writes a RELEASED marker, so
a reserve that arrives late (a retry racing the compensation) cannot take stock the saga will never return.

Reserving confirms the order (CONFIRMED); a cancelled order stops the saga after the reservation, and the
release (the ASL catches every reserve failure into it) gives the stock back. Release is the last compensation:
it cancels the order with the reason the saga failed.
"""

from __future__ import annotations

from order_saga import order_status
from order_saga.errors import OutOfStockError, StepCompensatedError
from order_saga.models import OrderRef, Reservation, SagaOrder
from order_saga.settings import InventorySettings
from order_saga.stores import InventoryStore, ReserveOutcome
from shared.errors import RetryableError
from shared.inventory import ReservationStatus
from shared.observability import logger
from shared.order_store import OrderTable
from shared.orders import OrderStatus
from shared.settings import load_settings


def _stores() -> tuple[InventoryStore, OrderTable]:
    settings = load_settings(InventorySettings)
    return InventoryStore(settings.inventory_table), OrderTable(settings.orders_table)


def reserve(order: SagaOrder) -> Reservation:
    store, orders = _stores()
    outcome, short = store.reserve(order.order_id, order.quantities)
    if outcome is ReserveOutcome.OUT_OF_STOCK:
        raise OutOfStockError(f"not enough stock for {', '.join(short)}", details={"skus": short})
    if outcome is ReserveOutcome.ALREADY_EXISTS:
        found = store.get_reservation(order.order_id)
        if found is None:
            raise RetryableError("reservation vanished while reading it")
        status, items = found
        if status is not ReservationStatus.RESERVED:
            raise StepCompensatedError(f"the reservation of order {order.order_id} was already released")
        logger.info("reservation already made", extra={"order_id": order.order_id})
    else:
        items = order.quantities
        logger.info("inventory reserved", extra={"order_id": order.order_id, "skus": len(items)})
    order_status.advance(orders, order.order_id, OrderStatus.CONFIRMED)
    return Reservation(order_id=order.order_id, status="RESERVED", items=items)


def release(ref: OrderRef) -> Reservation:
    store, orders = _stores()
    released = _release_stock(store, ref.order_id)
    order_status.cancel(orders, ref.order_id, order_status.cancel_reason(ref.error))
    return released


def _release_stock(store: InventoryStore, order_id: str) -> Reservation:
    for _ in range(3):  # each pass either finishes or lost a race that changed the record; look again
        found = store.get_reservation(order_id)
        if found is None:
            if store.write_released_marker(order_id):
                logger.info("nothing reserved; marked released", extra={"order_id": order_id})
                return Reservation(order_id=order_id, status="NOTHING_RESERVED")
            continue
        status, items = found
        if status is ReservationStatus.RELEASED:
            return Reservation(order_id=order_id, status="RELEASED", items=items)
        if store.release(order_id, items):
            logger.info("inventory released", extra={"order_id": order_id, "skus": len(items)})
            return Reservation(order_id=order_id, status="RELEASED", items=items)
    raise RetryableError(f"the reservation of order {order_id} kept changing; retry the release")
