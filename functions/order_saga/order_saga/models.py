"""The saga's payload contract: what Step Functions passes to every task and what each task returns.

The execution input is a :class:`SagaOrder`; each task adds its result under its own key (``$.reservation``,
``$.payment``, ``$.fulfilment``, ...), so later tasks see the whole state. Unknown keys are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import ValidationError

ORDER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
MAX_LINE_ITEMS = 50  # a reservation is one DynamoDB transaction: 1 record + 1 update per SKU (limit 100)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)


class LineItem(_Model):
    sku: str = Field(pattern=SKU_PATTERN)
    quantity: int = Field(gt=0, le=1000)


class Address(_Model):
    name: str = Field(min_length=1, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(pattern=r"^[A-Z]{2}$")


class SagaOrder(_Model):
    """The execution input (started by order_events_router from an ``OrderCreated`` event)."""

    order_id: str = Field(pattern=ORDER_ID_PATTERN)
    customer_id: str = Field(min_length=1, max_length=128)
    customer_email: str | None = Field(default=None, max_length=254)
    items: list[LineItem] = Field(min_length=1, max_length=MAX_LINE_ITEMS)
    total_cents: int = Field(gt=0)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    shipping_address: Address | None = None  # None: ship to the address on the customer's profile

    @pydantic.model_validator(mode="before")
    @classmethod
    def _total_from_order_created(cls, data: Any) -> Any:
        """OrderCreated (orders_api) carries the total as a decimal string; the saga works in cents."""
        if isinstance(data, Mapping) and "total_cents" not in data and "total" in data:
            try:
                cents = (Decimal(str(data["total"])) * 100).to_integral_value(rounding=ROUND_HALF_UP)
            except InvalidOperation:
                return data  # total_cents stays missing: the model reports it
            return {**data, "total_cents": int(cents)}
        return data

    def quantities(self) -> dict[str, int]:
        """Quantity per SKU (a SKU listed twice is reserved once, with the sum)."""
        totals: dict[str, int] = {}
        for item in self.items:
            totals[item.sku] = totals.get(item.sku, 0) + item.quantity
        return dict(sorted(totals.items()))


class OrderRef(_Model):
    """What a compensation needs: only the order id, so a damaged state can still be compensated."""

    order_id: str = Field(pattern=ORDER_ID_PATTERN)


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


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], event: Mapping[str, Any]) -> M:
    """Validate a task's input; bad input is a ValidationError (Step Functions error ``ValidationError``)."""
    try:
        return model.model_validate(event)
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix="input") from None
