"""What clients send and receive on /orders. The order itself, its statuses and money are shared.orders'."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.orders import CustomerId, Order, OrderLine, OrderLines, OrderStatus

__all__ = [
    "CreateOrderRequest",
    "ListOrdersQuery",
    "Order",
    "OrderLine",
    "OrderPage",
    "OrderStatus",
    "StatusChangeRequest",
]


class CreateOrderRequest(BaseModel):
    """``POST /orders``: the lines; the customer is the signed-in user (``customer_id``, if sent, must be them)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    customer_id: CustomerId | None = None
    items: OrderLines


class StatusChangeRequest(BaseModel):
    """``PATCH /orders/{id}/status``: customers may only cancel (shared.orders.CUSTOMER_TRANSITIONS)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    status: OrderStatus


class ListOrdersQuery(BaseModel):
    """``GET /orders`` query: page size, the opaque cursor from the previous page, optional status filter."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, min_length=1, max_length=2048)
    status: OrderStatus | None = None


class OrderPage(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    items: list[Order]
    count: int
    next_cursor: str | None
