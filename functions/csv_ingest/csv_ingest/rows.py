"""The CSV contract: the required columns, and one validated row → one ``shared.orders.Order`` (source ``csv``).

A row is an order summary: the order has no lines, its ``total`` is the file's, and it was last updated when it
was created. Ids, statuses, money and time follow ``shared.orders``.
"""

from __future__ import annotations

import re
from datetime import UTC
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from shared.orders import Currency, CustomerId, Identifier, Order, OrderStatus, format_timestamp, money

REQUIRED_COLUMNS = ("order_id", "customer_id", "status", "total", "currency", "created_at")
MAX_TOTAL = Decimal(10) ** 18  # shared.orders.Money holds at most 18 digits before the point


class OrderRow(BaseModel):
    """One data row. ``total`` is a decimal amount (``45.99``); ``created_at`` ISO 8601 with a timezone."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="ignore")

    order_id: Identifier
    customer_id: CustomerId
    status: OrderStatus
    total: Decimal = Field(gt=0, lt=MAX_TOTAL, decimal_places=2)
    currency: Currency
    created_at: AwareDatetime

    @field_validator("total", mode="before")
    @classmethod
    def _ascii_amount(cls, value: object) -> object:
        # pydantic's Decimal takes any Unicode digits ("٤٥.٩٩"); money is ASCII everywhere (shared.orders)
        if isinstance(value, str) and not re.fullmatch(r"\s*[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\s*", value):
            raise ValueError('must be a decimal amount in ASCII digits, e.g. "45.99"')
        return value

    @field_validator("created_at")
    @classmethod
    def _representable_in_utc(cls, moment: AwareDatetime) -> AwareDatetime:
        try:
            moment.astimezone(UTC)
        except OverflowError:
            raise ValueError("is out of range once converted to UTC") from None
        return moment

    def order(self) -> Order:
        """The order this row describes: same id, same item, so writing the row again overwrites, never duplicates."""
        created = format_timestamp(self.created_at)
        return Order(
            order_id=self.order_id,
            customer_id=self.customer_id,
            status=self.status,
            items=[],
            total=money(self.total),
            currency=self.currency,
            created_at=created,
            updated_at=created,
            source="csv",
        )
