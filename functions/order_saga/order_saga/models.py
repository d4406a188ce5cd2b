"""The saga's payload contract: what Step Functions passes to every task and what each task returns.

The execution input is :class:`shared.contracts.SagaInput` (order_events_router builds it from the OrderCreated
detail); each task adds its result under its own key (``$.reservation``, ``$.payment``, ``$.fulfilment``, ``$.error``
...), so later tasks see the whole state. A task reads the SagaInput fields of the state and ignores the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import SagaInput
from shared.errors import ValidationError
from shared.orders import Currency, Identifier, Money, to_cents

# A reservation is one DynamoDB transaction: the reservation record + one stock update per SKU (limit 100).


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SagaOrder(_Model):
    """What the forward steps need of the order, from the execution input (money in cents for the payment API)."""

    order_id: Identifier
    customer_id: str  # validated by SagaInput
    quantities: dict[str, int]  # quantity per SKU, a SKU listed twice summed, sorted by SKU
    total: Money
    total_cents: int
    currency: Currency

    @classmethod
    def of(cls, saga_input: SagaInput) -> SagaOrder:
        quantities: dict[str, int] = {}
        for line in saga_input.items:
            quantities[line.sku] = quantities.get(line.sku, 0) + line.quantity
        return cls(
            order_id=saga_input.order_id,
            customer_id=saga_input.customer_id,
            quantities=dict(sorted(quantities.items())),
            total=saga_input.total,
            total_cents=to_cents(saga_input.total),
            currency=saga_input.currency,
        )


class StepError(_Model):
    """``$.error`` as Step Functions writes it (a Catch's ResultPath or a Pass state's Result)."""

    Error: str = Field(min_length=1, max_length=256)
    Cause: str | None = None


class OrderRef(_Model):
    """What a compensation needs: the order id (and why the saga is compensating, when known), so a damaged state
    can still be compensated."""

    order_id: Identifier
    error: StepError | None = None


class Reservation(_Model):
    order_id: str
    status: Literal["RESERVED", "RELEASED", "NOTHING_RESERVED"]
    items: dict[str, int] = Field(default_factory=dict)


class Payment(_Model):
    order_id: str
    status: Literal["APPROVED", "DECLINED", "REFUNDED", "NOT_CHARGED"]
    charge_id: str | None = None
    refund_id: str | None = None
    reason: str | None = None


class Shipment(_Model):
    order_id: str
    status: Literal["CREATED", "CANCELLED", "NOT_CREATED"]
    shipment_id: str | None = None


class Notification(_Model):
    order_id: str
    status: Literal["SENT"]
    message_id: str | None = None


def _invalid(exc: pydantic.ValidationError) -> ValidationError:
    return ValidationError.from_pydantic(exc, prefix="input")


def parse_order(state: Mapping[str, Any]) -> SagaOrder:
    """The order in a forward step's state; bad input is a ValidationError naming ``input.<field>``."""
    if not isinstance(state, Mapping):
        raise ValidationError(fields={"input": "must be a JSON object"})
    try:
        saga_input = SagaInput.model_validate({k: v for k, v in state.items() if k in SagaInput.model_fields})
    except pydantic.ValidationError as exc:
        raise _invalid(exc) from None
    return SagaOrder.of(saga_input)  # SagaInput's lines are shared.orders.OrderLines: at most MAX_SKUS SKUs


def parse_ref(state: Mapping[str, Any]) -> OrderRef:
    """The order id (and ``$.error``) of a compensation's state; ValidationError naming ``input.<field>``."""
    if not isinstance(state, Mapping):
        raise ValidationError(fields={"input": "must be a JSON object"})
    try:
        ref = OrderRef(order_id=state.get("order_id"))
    except pydantic.ValidationError as exc:
        raise _invalid(exc) from None
    try:
        error = StepError.model_validate(state["error"]) if state.get("error") else None
    except pydantic.ValidationError:
        error = None  # a malformed $.error must not block a compensation: it only words the cancel reason
    return ref.model_copy(update={"error": error})
