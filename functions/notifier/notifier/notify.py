"""Who gets which e-mail for each notification."""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from notifier.mailer import send_email
from notifier.messages import Message, S3TestEvent, UploadReceived
from notifier.settings import settings
from notifier.templates import render
from shared.observability import logger, metrics

Outcome = Literal["sent", "no_recipient", "test_event"]


class Delivery(BaseModel):
    type: str
    outcome: Outcome
    ses_message_id: str | None = None


def notify(message: Message) -> Delivery:
    if isinstance(message, S3TestEvent):
        logger.info("S3 test event: notifications are configured", extra={"bucket": message.bucket})
        return Delivery(type="s3:TestEvent", outcome="test_event")
    if isinstance(message, UploadReceived):
        recipients = list(settings().upload_alert_recipients)
    else:
        recipients = [message.customer_email] if message.customer_email else []
    if not recipients:
        # Nothing to send (a customer without an e-mail address): counted, not retried.
        logger.warning("notification has no recipient", extra={"type": message.type})
        metrics.add_metric(name="NotificationWithoutRecipient", unit=MetricUnit.Count, value=1)
        return Delivery(type=message.type, outcome="no_recipient")
    message_id = send_email(recipients, render(message))
    metrics.add_metric(name="NotificationSent", unit=MetricUnit.Count, value=1)
    logger.info("notification sent", extra={"type": message.type, "ses_message_id": message_id})
    return Delivery(type=message.type, outcome="sent", ses_message_id=message_id)
