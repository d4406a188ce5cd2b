"""Which processor handles which detail-type, and what each does. Unknown types are reported, never retried."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import pydantic
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel

from order_events_router.events import order_id_of, parse_detail
from order_events_router.notifications import publish_notification
from order_events_router.saga import execution_name, start_saga
from shared.contracts import (
    OrderCreated,
    PaymentCompleted,
    PaymentCompletedNotice,
    SagaInput,
    ShipmentDispatched,
    ShipmentDispatchedNotice,
)
from shared.errors import ValidationError
from shared.observability import logger, metrics

Action = Literal["saga_started", "saga_already_started", "customer_notified", "ignored"]


class Routed(BaseModel):
    detail_type: str
    event_id: str
    action: Action
    order_id: str | None = None


def saga_input(order: OrderCreated, event_id: str) -> SagaInput:
    """The saga's execution input: the OrderCreated detail and the id of the event that carried it."""
    try:
        return SagaInput(**dict(order), source_event_id=event_id)
    except pydantic.ValidationError as exc:  # only the event id can be wrong: the detail is valid already
        raise ValidationError.from_pydantic(exc, prefix="event") from None


def on_order_created(event: EventBridgeModel) -> Routed:
    order = parse_detail(event.detail, OrderCreated)
    started = start_saga(saga_input(order, event.id))
    if not started:
        logger.info(
            "saga already started", extra={"order_id": order.order_id, "execution": execution_name(order.order_id)}
        )
    action: Action = "saga_started" if started else "saga_already_started"
    return Routed(detail_type=event.detail_type, event_id=event.id, action=action, order_id=order.order_id)


def on_payment_completed(event: EventBridgeModel) -> Routed:
    payment = parse_detail(event.detail, PaymentCompleted)
    publish_notification(
        PaymentCompletedNotice(
            order_id=payment.order_id,
            customer_email=payment.customer_email,
            amount=payment.amount,
            currency=payment.currency,
        )
    )
    return Routed(
        detail_type=event.detail_type, event_id=event.id, action="customer_notified", order_id=payment.order_id
    )


def on_shipment_dispatched(event: EventBridgeModel) -> Routed:
    shipment = parse_detail(event.detail, ShipmentDispatched)
    publish_notification(
        ShipmentDispatchedNotice(
            order_id=shipment.order_id,
            customer_email=shipment.customer_email,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
        )
    )
    return Routed(
        detail_type=event.detail_type, event_id=event.id, action="customer_notified", order_id=shipment.order_id
    )


ROUTES: dict[str, Callable[[EventBridgeModel], Routed]] = {
    "OrderCreated": on_order_created,
    "PaymentCompleted": on_payment_completed,
    "ShipmentDispatched": on_shipment_dispatched,
}


def route(event: EventBridgeModel) -> Routed:
    processor = ROUTES.get(event.detail_type)
    if processor is None:
        # A retry cannot teach this router a new type: count it and finish (the rule's pattern should not match it).
        logger.warning("unroutable event", extra={"detail_type": event.detail_type, "source": event.source})
        metrics.add_metric(name="UnroutableEvent", unit=MetricUnit.Count, value=1)
        return Routed(
            detail_type=event.detail_type, event_id=event.id, action="ignored", order_id=order_id_of(event.detail)
        )
    routed = processor(event)
    metrics.add_metric(name=f"Routed{event.detail_type}", unit=MetricUnit.Count, value=1)
    return routed
