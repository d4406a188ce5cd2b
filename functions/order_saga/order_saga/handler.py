"""Step Functions task entry points: parse the state → run one saga step → return its result.

Each returns a JSON object the state machine stores under the step's ResultPath. Errors are shared taxonomy
types; their class name is the Step Functions error the ASL retries (retryable) or catches (compensation).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from order_saga import inventory, notifications, payments, shipments
from order_saga.models import parse_order, parse_ref
from shared.middleware import event_handler

Event = dict[str, Any]


@event_handler(source="direct")
def reserve_inventory(event: Event, context: LambdaContext) -> Event:
    return inventory.reserve(parse_order(event)).model_dump(mode="json")


@event_handler(source="direct")
def release_inventory(event: Event, context: LambdaContext) -> Event:
    return inventory.release(parse_ref(event)).model_dump(mode="json")


@event_handler(source="direct")
def charge_payment(event: Event, context: LambdaContext) -> Event:
    return payments.charge(parse_order(event)).model_dump(mode="json")


@event_handler(source="direct")
def refund_payment(event: Event, context: LambdaContext) -> Event:
    return payments.refund(parse_ref(event).order_id).model_dump(mode="json")


@event_handler(source="direct")
def create_shipment(event: Event, context: LambdaContext) -> Event:
    return shipments.create(parse_order(event)).model_dump(mode="json")


@event_handler(source="direct")
def cancel_shipment(event: Event, context: LambdaContext) -> Event:
    return shipments.cancel(parse_ref(event).order_id).model_dump(mode="json")


@event_handler(source="direct")
def notify_customer(event: Event, context: LambdaContext) -> Event:
    return notifications.notify(parse_order(event)).model_dump(mode="json")
