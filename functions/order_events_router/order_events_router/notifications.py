"""SNS adapter: order status notifications for the notifier (message attribute ``type`` for filter policies)."""

from __future__ import annotations

import json
from typing import Any

from order_events_router.settings import settings
from shared import aws


def publish_notification(notification: dict[str, Any]) -> str:
    response = aws.sns().publish(
        TopicArn=settings().notifications_topic_arn,
        Message=json.dumps(notification, separators=(",", ":")),
        MessageAttributes={"type": {"DataType": "String", "StringValue": str(notification["type"])}},
    )
    return response["MessageId"]
