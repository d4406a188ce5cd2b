"""The saga's payload contract: what Step Functions passes to every task and what each task returns.

The execution input is :class:`shared.contracts.SagaInput` (order_events_router builds it from the OrderCreated
detail); each task adds its result under its own key (``$.reservation``, ``$.payment``, ``$.fulfilment``, ``$.error``
...), so later tasks see the whole state. A task reads the SagaInput fields of the state and ignores the rest.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, ValidatorFunctionWrapHandler, field_validator

from shared.contracts import SagaInput
from shared.orders import Currency, Identifier, Money, to_cents

# A reservation is one DynamoDB transaction: the reservation record + one stock update per SKU (limit 100).


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class SagaState(SagaInput):
    """The state a forward step receives: the execution input plus what earlier steps added (ignored here)."""

    model_config = ConfigDict(extra="ignore")


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

    @field_validator("error", mode="wrap")
    @classmethod
    def _error_or_none(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> StepError | None:
        """A malformed ``$.error`` must not block a compensation: it only words the cancel reason."""
        try:
            error: StepError | None = handler(value)
        except pydantic.ValidationError:
            return None
        return error


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
