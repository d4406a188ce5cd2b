"""Message contracts between functions, each defined once for its producers and consumers. No AWS, no event shapes.

``shared.dataflow`` declares which function produces and consumes each of them; the contract matrix test feeds
every producer's output to every consumer's parser.

- Orders queue (clients → order_worker): :class:`OrderPlaced` | :class:`OrderCancelled`, discriminated by
  ``type``; :func:`parse_order_message` reads an SQS body.
- Bulk queue (bulk_dispatcher → bulk_worker): :class:`BulkOrderMessage`.
- Orders bus (orders_api → order_events_router): :class:`OrderCreated`, the ``detail`` of detail-type
  ``OrderCreated``; :class:`PaymentCompleted` and :class:`ShipmentDispatched` from other producers.
- Saga input (order_events_router → order_saga): :class:`SagaInput`, the OrderCreated detail plus the event id.
- Notifications topic (order_events_router, order_saga → notifier): :data:`OrderNotification`, discriminated
  by ``type``; the SNS message attribute ``type`` carries the same value for filter policies.

Models are frozen and forbid unknown fields unless a consumer must tolerate additions (events from other
producers): a producer that adds a field breaks the contract test, not production.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from shared.errors import ValidationError
from shared.orders import (
    Currency,
    CustomerId,
    Identifier,
    Money,
    Order,
    OrderLine,
    OrderLines,
    OrderStatus,
    Timestamp,
)

__all__ = [
    "BulkOrderMessage",
    "ContractModel",
    "Identifier",
    "ImportedOrder",
    "OrderCancelled",
    "OrderCancelledNotice",
    "OrderConfirmed",
    "OrderCreated",
    "OrderLine",
    "OrderMessage",
    "OrderNotification",
    "OrderPlaced",
    "PaymentCompleted",
    "PaymentCompletedNotice",
    "SagaInput",
    "ShipmentDispatched",
    "ShipmentDispatchedNotice",
    "notification_adapter",
    "parse_order_message",
]

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class ContractModel(BaseModel):
    """Base of every message model: immutable, unknown fields rejected.

    Validators are built on first use (``defer_build``), not at import: every function imports this module,
    each uses one or two of its messages, and a cold start pays for every schema built at import.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


# ----- orders queue --------------------------------------------------------------------------------------------


class OrderPlaced(ContractModel):
    """Create order ``order_id`` (the sender chooses the id) as PENDING; a repeat changes nothing."""

    type: Literal["OrderPlaced"]
    order_id: Identifier
    customer_id: CustomerId
    items: OrderLines


class OrderCancelled(ContractModel):
    """Cancel order ``order_id`` unless it has shipped."""

    type: Literal["OrderCancelled"]
    order_id: Identifier
    reason: str = Field(min_length=1, max_length=500)


OrderMessage = Annotated[OrderPlaced | OrderCancelled, Field(discriminator="type")]


@cache
def _order_message() -> TypeAdapter[OrderPlaced | OrderCancelled]:
    return TypeAdapter(OrderMessage)


def parse_order_message(body: str) -> OrderPlaced | OrderCancelled:
    """The typed message in an orders-queue body; a body that can never be processed raises ValidationError."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise ValidationError("message body is not JSON", fields={"body": f"not JSON: {exc}"[:200]}) from None
    try:
        return _order_message().validate_python(data)
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix="body") from None


# ----- bulk queue ----------------------------------------------------------------------------------------------


class ImportedOrder(ContractModel):
    """One order of a bulk import, with its final ``order_id``."""

    order_id: Identifier
    customer_id: CustomerId
    items: OrderLines


class BulkOrderMessage(ContractModel):
    """What the bulk queue carries per order: order ``index`` of job ``job_id``."""

    job_id: str = Field(min_length=1, max_length=40)
    index: int = Field(ge=0)
    order: ImportedOrder


# ----- orders bus and saga input ------------------------------------------------------------------------------


class OrderCreated(ContractModel):
    """``detail`` of the OrderCreated event: the order as it was created (the saga starts on it)."""

    order_id: Identifier
    customer_id: CustomerId
    status: OrderStatus
    items: OrderLines
    total: Money
    currency: Currency
    created_at: Timestamp

    @classmethod
    def of(cls, order: Order) -> OrderCreated:
        return cls(
            order_id=order.order_id,
            customer_id=order.customer_id,
            status=order.status,
            items=order.items,
            total=order.total,
            currency=order.currency,
            created_at=order.created_at,
        )


class SagaInput(OrderCreated):
    """The saga's execution input: the OrderCreated detail and the id of the event that started it."""

    source_event_id: str = Field(min_length=1, max_length=128)


class _OtherProducerEvent(BaseModel):
    # Events from producers outside this repo: they add fields over time; the router passes them on.
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    order_id: Identifier
    customer_email: str | None = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)


class PaymentCompleted(_OtherProducerEvent):
    amount: str | int | None = None
    currency: str | None = Field(default=None, max_length=3)


class ShipmentDispatched(_OtherProducerEvent):
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)


# ----- notifications topic ------------------------------------------------------------------------------------


class _Notification(ContractModel):
    order_id: Identifier
    customer_email: str | None = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)


class OrderConfirmed(_Notification):
    """The saga reserved, charged and booked the shipment (published by the saga's notify step)."""

    type: Literal["OrderConfirmed"] = "OrderConfirmed"
    customer_id: CustomerId
    total: Money
    currency: Currency
    shipment_id: str = Field(min_length=1, max_length=80)


class PaymentCompletedNotice(_Notification):
    type: Literal["PaymentCompleted"] = "PaymentCompleted"
    amount: str | int | None = None
    currency: str | None = Field(default=None, max_length=3)


class ShipmentDispatchedNotice(_Notification):
    type: Literal["ShipmentDispatched"] = "ShipmentDispatched"
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)


class OrderCancelledNotice(_Notification):
    type: Literal["OrderCancelled"] = "OrderCancelled"
    reason: str | None = Field(default=None, max_length=500)


OrderNotification = Annotated[
    OrderConfirmed | PaymentCompletedNotice | ShipmentDispatchedNotice | OrderCancelledNotice,
    Field(discriminator="type"),
]


@cache
def notification_adapter() -> TypeAdapter[
    OrderConfirmed | PaymentCompletedNotice | ShipmentDispatchedNotice | OrderCancelledNotice
]:
    """The validator of every order notification (the notifier's parser), built on first use."""
    return TypeAdapter(OrderNotification)
