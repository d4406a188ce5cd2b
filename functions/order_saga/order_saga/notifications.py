"""Tell the customer their order is confirmed: one ``shared.contracts.OrderConfirmed`` on the notifications topic
per order (the notifier e-mails it).

Runs in parallel with the shipment, so it names the shipment by its derived id. A cancelled order is not
confirmed (the step fails and the saga compensates).

The ``NOTIFICATION`` step record: STARTED → SENT. A retry after SENT publishes nothing; a retry that finds
STARTED (the previous attempt died around the publish) publishes again — at least once, never silently lost.
"""

from __future__ import annotations

from order_saga import order_status
from order_saga.errors import aws_errors
from order_saga.models import Notification, SagaOrder
from order_saga.settings import NotificationSettings
from order_saga.shipments import shipment_id
from order_saga.stores import StepStatus, StepStore
from shared import aws
from shared.contracts import OrderConfirmed
from shared.observability import logger
from shared.order_store import OrderTable
from shared.settings import load_settings

STEP = "NOTIFICATION"


def confirmation(order: SagaOrder) -> OrderConfirmed:
    # The saga input carries no e-mail address: the notifier reports such a message as "no recipient".
    return OrderConfirmed(
        order_id=order.order_id,
        customer_id=order.customer_id,
        total=order.total,
        currency=order.currency,
        shipment_id=shipment_id(order.order_id),
    )


def notify(order: SagaOrder) -> Notification:
    settings = load_settings(NotificationSettings)
    store = StepStore(settings.orders_table)
    record, _ = store.create(order.order_id, STEP, StepStatus.STARTED)
    if record.status is StepStatus.SENT:
        logger.info("confirmation already sent", extra={"order_id": order.order_id})
        return Notification(order_id=order.order_id, status="SENT", message_id=record.get("message_id"))
    order_status.ensure_not_cancelled(OrderTable(settings.orders_table), order.order_id)
    message = confirmation(order)
    with aws_errors("publish confirmation"):
        message_id = aws.sns().publish(
            TopicArn=settings.notifications_topic_arn,
            Message=message.model_dump_json(exclude_none=True),
            MessageAttributes={"type": {"DataType": "String", "StringValue": message.type}},
        )["MessageId"]
    store.transition(
        order.order_id, STEP, from_status=StepStatus.STARTED, to_status=StepStatus.SENT, message_id=message_id
    )
    logger.info("confirmation published", extra={"order_id": order.order_id, "message_id": message_id})
    return Notification(order_id=order.order_id, status="SENT", message_id=message_id)
