"""The order domain: request models, the Order itself and the status machine. No AWS, no event shapes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shared.errors import ValidationError

MAX_ITEMS = 100
MAX_QUANTITY = 10_000
CENT = Decimal("0.01")
_PRICE = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


# The allowed moves; everything else is a 409. DELIVERED and CANCELLED are final.
TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.CONFIRMED, OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}

# Once goods have left the warehouse the order is a record, not a request: it cannot be deleted.
UNDELETABLE: frozenset[OrderStatus] = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})


def statuses_leading_to(target: OrderStatus) -> frozenset[OrderStatus]:
    """Every status from which ``target`` is an allowed next status."""
    return frozenset(source for source, targets in TRANSITIONS.items() if target in targets)


Identifier = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")
]


class OrderLine(BaseModel):
    """One line of an order; ``price`` is a decimal string (exact money, never a float)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: Identifier
    quantity: int = Field(strict=True, ge=1, le=MAX_QUANTITY)
    price: str = Field(strict=True)

    @field_validator("price")
    @classmethod
    def _decimal_string(cls, value: str) -> str:
        if not _PRICE.fullmatch(value):
            raise ValueError('must be a decimal string >= 0 with at most 2 decimals, e.g. "9.99"')
        return value

    @property
    def amount(self) -> Decimal:
        return Decimal(self.price) * self.quantity


class CreateOrderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_id: Identifier
    items: list[OrderLine] = Field(min_length=1, max_length=MAX_ITEMS)

    @property
    def total(self) -> str:
        return str(sum((line.amount for line in self.items), Decimal(0)).quantize(CENT))


class StatusChangeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    status: OrderStatus


class ListOrdersQuery(BaseModel):
    """``GET /orders`` query: page size, the opaque cursor from the previous page, optional status filter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, min_length=1, max_length=2048)
    status: OrderStatus | None = None


class Order(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_id: str
    customer_id: str
    status: OrderStatus
    items: list[OrderLine]
    total: str
    created_at: str
    updated_at: str


class OrderPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[Order]
    count: int
    next_cursor: str | None


M = TypeVar("M", bound=BaseModel)


def parse_input(model: type[M], data: Mapping[str, Any] | None, *, where: str) -> M:
    """Validate client input; every bad field becomes one entry of a 400, e.g. ``body.items.0.price``."""
    try:
        return model.model_validate(dict(data or {}))
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix=where) from None
