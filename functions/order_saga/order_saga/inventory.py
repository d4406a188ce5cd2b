"""Reserve and release stock for an order, idempotently.

A reservation is recorded in the same transaction that decrements the stock, so a retried reserve finds
the record and returns it instead of decrementing again; release flips the record to RELEASED in the same
transaction that gives the stock back. Releasing an order that never reserved writes a RELEASED marker, so
a reserve that arrives late (a retry racing the compensation) cannot take stock the saga will never return.
"""

from __future__ import annotations

from order_saga.errors import OutOfStockError, StepCompensatedError
from order_saga.models import Reservation, SagaOrder
from order_saga.settings import InventorySettings
from order_saga.stores import InventoryStore, ReserveOutcome
from shared.errors import RetryableError
from shared.observability import logger
from shared.settings import load_settings


def _store() -> InventoryStore:
    return InventoryStore(load_settings(InventorySettings).inventory_table)


def reserve(order: SagaOrder) -> Reservation:
    store = _store()
    quantities = order.quantities()
    outcome, short = store.reserve(order.order_id, quantities)
    if outcome is ReserveOutcome.OUT_OF_STOCK:
        raise OutOfStockError(f"not enough stock for {', '.join(short)}", details={"skus": short})
    if outcome is ReserveOutcome.ALREADY_EXISTS:
        found = store.get_reservation(order.order_id)
        if found is None:
            raise RetryableError("reservation vanished while reading it")
        status, items = found
        if status != "RESERVED":
            raise StepCompensatedError(f"the reservation of order {order.order_id} was already released")
        logger.info("reservation already made", extra={"order_id": order.order_id})
        return Reservation(order_id=order.order_id, status="RESERVED", items=items)
    logger.info("inventory reserved", extra={"order_id": order.order_id, "skus": len(quantities)})
    return Reservation(order_id=order.order_id, status="RESERVED", items=quantities)


def release(order_id: str) -> Reservation:
    store = _store()
    for _ in range(3):  # each pass either finishes or lost a race that changed the record; look again
        found = store.get_reservation(order_id)
        if found is None:
            if store.write_released_marker(order_id):
                logger.info("nothing reserved; marked released", extra={"order_id": order_id})
                return Reservation(order_id=order_id, status="NOTHING_RESERVED")
            continue
        status, items = found
        if status == "RELEASED":
            return Reservation(order_id=order_id, status="RELEASED", items=items)
        if store.release(order_id, items):
            logger.info("inventory released", extra={"order_id": order_id, "skus": len(items)})
            return Reservation(order_id=order_id, status="RELEASED", items=items)
    raise RetryableError(f"the reservation of order {order_id} kept changing; retry the release")
