"""The CSV contract: required columns and one validated order row → one orders-table item."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

REQUIRED_COLUMNS = ("order_id", "customer_id", "status", "total", "currency", "created_at")
OrderStatus = Literal["PENDING", "CONFIRMED", "SHIPPED", "DELIVERED", "CANCELLED"]


class OrderRow(BaseModel):
    """One data row. ``total`` is a decimal amount (``45.99``); ``created_at`` ISO 8601 with a timezone."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="ignore")

    order_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
    customer_id: str = Field(min_length=1, max_length=128)
    status: OrderStatus
    total: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    created_at: AwareDatetime

    def item(self, *, source: str) -> dict[str, Any]:
        """The orders-table item: deterministic keys, so writing the same row again overwrites, never duplicates."""
        created = self.created_at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return {
            "pk": f"ORDER#{self.order_id}",
            "sk": "ORDER",
            "gsi1pk": f"STATUS#{self.status}",
            "gsi1sk": f"{created}#{self.order_id}",
            "order_id": self.order_id,
            "customer_id": self.customer_id,
            "status": self.status,
            "total_cents": int(self.total * 100),
            "currency": self.currency,
            "created_at": created,
            "source": source,
        }
