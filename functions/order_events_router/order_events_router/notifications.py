"""SNS adapter: order notifications for the notifier (``shared.contracts.OrderNotification``), with the message
attribute ``type`` for filter policies."""

from __future__ import annotations

from order_events_router.settings import settings
from shared import aws
from shared.contracts import PaymentCompletedNotice, ShipmentDispatchedNotice


def publish_notification(notice: PaymentCompletedNotice | ShipmentDispatchedNotice) -> str:
    response = aws.sns().publish(
        TopicArn=settings().notifications_topic_arn,
        Message=notice.model_dump_json(exclude_none=True),
        MessageAttributes={"type": {"DataType": "String", "StringValue": notice.type}},
    )
    return response["MessageId"]
