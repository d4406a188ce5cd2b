"""Tell the customer their order is confirmed: one SNS message per order (the notifier function emails it).

Runs in parallel with the shipment, so it names the shipment by its derived id.

Record ``SAGA#NOTIFICATION``: PENDING → SENT. A retry after SENT publishes nothing; a retry that finds
PENDING (the previous attempt died around the publish) publishes again — at least once, never silently lost.
"""

from __future__ import annotations

import json

from order_saga.errors import aws_errors
from order_saga.models import Notification, SagaOrder
from order_saga.settings import NotificationSettings
from order_saga.shipments import shipment_id
from order_saga.stores import StepStore
from shared import aws
from shared.observability import logger
from shared.settings import load_settings

STEP = "NOTIFICATION"
EVENT_TYPE = "OrderConfirmed"


def message(order: SagaOrder) -> dict[str, object]:
    """The notification contract: ``event_type`` picks the notifier's template."""
    return {
        "event_type": EVENT_TYPE,
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "customer_email": order.customer_email,
        "total_cents": order.total_cents,
        "currency": order.currency,
        "items": [item.model_dump() for item in order.items],
        "shipment_id": shipment_id(order.order_id),
    }


def notify(order: SagaOrder) -> Notification:
    settings = load_settings(NotificationSettings)
    store = StepStore(settings.orders_table)
    record, _ = store.create(order.order_id, STEP, "PENDING")
    if record.status == "SENT":
        logger.info("confirmation already sent", extra={"order_id": order.order_id})
        return Notification(order_id=order.order_id, status="SENT", message_id=record.get("message_id"))
    with aws_errors("publish confirmation"):
        message_id = aws.sns().publish(
            TopicArn=settings.notifications_topic_arn,
            Message=json.dumps(message(order)),
            MessageAttributes={"event_type": {"DataType": "String", "StringValue": EVENT_TYPE}},
        )["MessageId"]
    store.transition(order.order_id, STEP, from_status="PENDING", to_status="SENT", message_id=message_id)
    logger.info("confirmation published", extra={"order_id": order.order_id, "message_id": message_id})
    return Notification(order_id=order.order_id, status="SENT", message_id=message_id)
