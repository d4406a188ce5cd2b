"""Charge and refund an order exactly once, with the step record as the source of truth.

Record ``SAGA#PAYMENT`` moves PENDING → APPROVED | DECLINED → (APPROVED) REFUNDED, or is written CANCELLED
by a refund that found no charge (so a late charge retry cannot charge a compensated order). A charge that
finds PENDING (its previous attempt died mid-call) asks the API again with the same idempotency key: the
API answers with the first outcome, so the customer is never charged twice. The record's ``charge_id`` is the
provider's ``payment_id`` of the approved charge (what a refund names).
"""

from __future__ import annotations

from typing import Literal

from order_saga.errors import StepCompensatedError
from order_saga.models import Payment, SagaOrder
from order_saga.payment_api import PaymentApi
from order_saga.settings import PaymentSettings
from order_saga.stores import StepRecord, StepStore
from shared.errors import RetryableError
from shared.observability import logger, metrics
from shared.settings import load_settings

STEP = "PAYMENT"


def charge_key(order_id: str) -> str:
    return f"order-{order_id}-charge"


def refund_key(order_id: str) -> str:
    return f"order-{order_id}-refund"


def _deps() -> tuple[StepStore, PaymentApi]:
    settings = load_settings(PaymentSettings)
    return StepStore(settings.orders_table), PaymentApi(
        settings.payment_api_url, timeout=settings.payment_api_timeout_seconds
    )


def _result(record: StepRecord) -> Payment:
    return Payment(
        order_id=record.order_id,
        status=record.status,  # type: ignore[arg-type]
        charge_id=record.get("charge_id"),
        refund_id=record.get("refund_id"),
        reason=record.get("reason"),
    )


def _settle(store: StepStore, api: PaymentApi, record: StepRecord) -> StepRecord:
    """Turn a PENDING record into APPROVED/DECLINED by asking the API (same key: at most one charge)."""
    outcome = api.charge(
        idempotency_key=charge_key(record.order_id),
        order_id=record.order_id,
        customer_id=str(record.get("customer_id")),
        amount_cents=int(record.get("amount_cents")),
        currency=str(record.get("currency")),
    )
    attributes = {"charge_id": outcome.payment_id, "reason": outcome.reason}
    if not store.transition(record.order_id, STEP, from_status="PENDING", to_status=outcome.status, **attributes):
        current = store.get(record.order_id, STEP)  # another attempt recorded it first
        if current is None or current.status == "PENDING":
            raise RetryableError(f"payment record of order {record.order_id} changed while charging")
        return current
    metrics.add_metric(name=f"Payment{outcome.status.title()}", unit="Count", value=1)
    return StepRecord(record.order_id, STEP, outcome.status, {**record.attributes, **attributes})


def charge(order: SagaOrder) -> Payment:
    store, api = _deps()
    record, created = store.create(
        order.order_id,
        STEP,
        "PENDING",
        customer_id=order.customer_id,
        amount_cents=order.total_cents,
        currency=order.currency,
    )
    if record.status in ("REFUNDED", "CANCELLED"):
        raise StepCompensatedError(f"the payment of order {order.order_id} was already compensated")
    if record.status == "PENDING":
        if not created:
            logger.info("charge outcome unknown; asking the payment API again", extra={"order_id": order.order_id})
        record = _settle(store, api, record)
    else:
        logger.info("charge already recorded", extra={"order_id": order.order_id, "status": record.status})
    return _result(record)


def refund(order_id: str) -> Payment:
    store, api = _deps()
    record = store.get(order_id, STEP)
    if record is None:
        record, created = store.create(order_id, STEP, "CANCELLED")
        if created:
            logger.info("nothing charged; payment marked cancelled", extra={"order_id": order_id})
            return Payment(order_id=order_id, status="NOT_CHARGED")
    if record.status == "PENDING":
        record = _settle(store, api, record)
    if record.status != "APPROVED":  # DECLINED, CANCELLED or REFUNDED: nothing (more) to give back
        status: Literal["REFUNDED", "NOT_CHARGED"] = "REFUNDED" if record.status == "REFUNDED" else "NOT_CHARGED"
        return Payment(order_id=order_id, status=status, charge_id=record.get("charge_id"))
    outcome = api.refund(
        idempotency_key=refund_key(order_id),
        payment_id=str(record.get("charge_id")),
        amount_cents=int(record.get("amount_cents")),
    )
    store.transition(order_id, STEP, from_status="APPROVED", to_status="REFUNDED", refund_id=outcome.refund_id)
    logger.info("payment refunded", extra={"order_id": order_id, "refund_id": outcome.refund_id})
    return Payment(order_id=order_id, status="REFUNDED", charge_id=record.get("charge_id"), refund_id=outcome.refund_id)
