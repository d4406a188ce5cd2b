"""Charge and refund an order exactly once, with the step record as the source of truth.

The ``PAYMENT`` step record moves STARTED → APPROVED | DECLINED → (APPROVED) REFUNDED, or is written CANCELLED
by a refund that found no charge (so a late charge retry cannot charge a compensated order). A charge that
finds STARTED (its previous attempt died mid-call) asks the API again with the same idempotency key: the
API answers with the first outcome, so the customer is never charged twice. The record's ``charge_id`` is the
provider's ``payment_id`` of the approved charge (what a refund names).

The order: a charge that has not asked the provider yet stops on a cancelled order (customers may cancel until
it is paid); an approved charge marks the order PAID, and if the order was cancelled meanwhile the payment is
still returned as it is: the next step stops on the cancelled order and the compensations refund it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from order_saga import order_status
from order_saga.errors import StepCompensatedError
from order_saga.models import Payment, SagaOrder
from order_saga.settings import OrdersSettings
from order_saga.stores import StepRecord, StepStatus, StepStore
from shared.errors import NotFoundError, RetryableError
from shared.observability import logger, metrics
from shared.order_store import OrderTable
from shared.orders import OrderStatus, from_cents
from shared.payments import PaymentClient, PaymentDeclinedError, default_client
from shared.settings import load_settings

STEP = "PAYMENT"


def charge_key(order_id: str) -> str:
    return f"order-{order_id}-charge"


def refund_key(order_id: str) -> str:
    return f"order-{order_id}-refund"


def _deps() -> tuple[StepStore, PaymentClient, OrderTable]:
    table = load_settings(OrdersSettings).orders_table
    return StepStore(table), default_client(), OrderTable(table)


def _result(record: StepRecord) -> Payment:
    return Payment(
        order_id=record.order_id,
        status=record.status.value,  # type: ignore[arg-type]
        charge_id=record.get("charge_id"),
        refund_id=record.get("refund_id"),
        reason=record.get("reason"),
    )


def _settle(store: StepStore, api: PaymentClient, record: StepRecord) -> StepRecord:
    """Turn a STARTED record into APPROVED/DECLINED by asking the API (same key: at most one charge)."""
    try:
        charged = api.charge(
            record.order_id,
            Decimal(from_cents(int(record.get("amount_cents")))),
            charge_key(record.order_id),
            currency=str(record.get("currency")),
            customer_id=str(record.get("customer_id")),
        )
        status, attributes = StepStatus.APPROVED, {"charge_id": charged.payment_id, "reason": None}
    except PaymentDeclinedError as declined:  # the provider's answer, not a failure: the saga compensates
        status, attributes = StepStatus.DECLINED, {"charge_id": None, "reason": declined.reason}
    if not store.transition(record.order_id, STEP, from_status=StepStatus.STARTED, to_status=status, **attributes):
        current = store.get(record.order_id, STEP)  # another attempt recorded it first
        if current is None or current.status is StepStatus.STARTED:
            raise RetryableError(f"payment record of order {record.order_id} changed while charging")
        return current
    metrics.add_metric(name=f"Payment{status.value.title()}", unit="Count", value=1)
    return StepRecord(record.order_id, STEP, status, {**record.attributes, **attributes})


def charge(order: SagaOrder) -> Payment:
    store, api, orders = _deps()
    record, created = store.get(order.order_id, STEP), False
    if record is None:
        order_status.ensure_not_cancelled(orders, order.order_id)  # the provider has not been asked yet
        record, created = store.create(
            order.order_id,
            STEP,
            StepStatus.STARTED,
            customer_id=order.customer_id,
            amount_cents=order.total_cents,
            currency=order.currency,
        )
    if record.status in (StepStatus.REFUNDED, StepStatus.CANCELLED):
        raise StepCompensatedError(f"the payment of order {order.order_id} was already compensated")
    if record.status is StepStatus.STARTED:
        if not created:  # money may have moved: settle it whatever the order's status, the compensations refund
            logger.info("charge outcome unknown; asking the payment API again", extra={"order_id": order.order_id})
        record = _settle(store, api, record)
    else:
        logger.info("charge already recorded", extra={"order_id": order.order_id, "status": record.status.value})
    if record.status is StepStatus.APPROVED:
        _mark_paid(orders, order.order_id)
    return _result(record)


def _mark_paid(orders: OrderTable, order_id: str) -> None:
    try:
        order_status.advance(orders, order_id, OrderStatus.PAID)
    except (StepCompensatedError, NotFoundError) as exc:
        # Charged already: return the payment; the next step stops on the order and the saga refunds it.
        logger.warning(
            "order changed while charging; the next step compensates",
            extra={"order_id": order_id, "error": exc.message},
        )


def refund(order_id: str) -> Payment:
    store, api, _ = _deps()
    record = store.get(order_id, STEP)
    if record is None:
        record, created = store.create(order_id, STEP, StepStatus.CANCELLED)
        if created:
            logger.info("nothing charged; payment marked cancelled", extra={"order_id": order_id})
            return Payment(order_id=order_id, status="NOT_CHARGED")
    if record.status is StepStatus.STARTED:
        record = _settle(store, api, record)
    if record.status is not StepStatus.APPROVED:  # DECLINED, CANCELLED or REFUNDED: nothing (more) to give back
        refunded = record.status is StepStatus.REFUNDED
        status: Literal["REFUNDED", "NOT_CHARGED"] = "REFUNDED" if refunded else "NOT_CHARGED"
        return Payment(order_id=order_id, status=status, charge_id=record.get("charge_id"))
    outcome = api.refund(
        str(record.get("charge_id")), Decimal(from_cents(int(record.get("amount_cents")))), refund_key(order_id)
    )
    store.transition(
        order_id, STEP, from_status=StepStatus.APPROVED, to_status=StepStatus.REFUNDED, refund_id=outcome.refund_id
    )
    logger.info("payment refunded", extra={"order_id": order_id, "refund_id": outcome.refund_id})
    return Payment(order_id=order_id, status="REFUNDED", charge_id=record.get("charge_id"), refund_id=outcome.refund_id)
