"""What arrives in an SNS message: an order notification or an S3 event (upload alert). No AWS calls.

Order notifications are ``shared.contracts.OrderNotification`` (JSON with a ``type``), published by the saga's
notify step (OrderConfirmed) and order_events_router (PaymentCompleted, ShipmentDispatched); they are parsed with
``shared.contracts.notification_adapter()``. S3 publishes its own event document
(``{"Records": [{"eventSource": "aws:s3", ...}]}``) and, once when the notification is configured, an
``s3:TestEvent``: those two shapes belong to this function alone.
"""

from __future__ import annotations

import json
from typing import Any, Literal
from urllib.parse import unquote_plus

import pydantic
from pydantic import BaseModel, ConfigDict

from shared.contracts import (
    OrderCancelledNotice,
    OrderConfirmed,
    PaymentCompletedNotice,
    ShipmentDispatchedNotice,
    notification_adapter,
)
from shared.errors import ValidationError

OrderNotification = OrderConfirmed | PaymentCompletedNotice | ShipmentDispatchedNotice | OrderCancelledNotice


class UploadReceived(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)  # only S3 messages need it

    type: Literal["UploadReceived"] = "UploadReceived"
    bucket: str
    key: str  # URL-decoded
    size: int
    event_time: str


class S3TestEvent(BaseModel):
    """S3's one-off message when a notification is configured: nothing to send."""

    model_config = ConfigDict(defer_build=True)

    bucket: str


Message = OrderNotification | UploadReceived | S3TestEvent


def _uploads(document: dict[str, Any]) -> list[UploadReceived]:
    uploads = []
    for index, record in enumerate(document["Records"]):
        try:
            s3 = record["s3"]
            uploads.append(
                UploadReceived(
                    bucket=s3["bucket"]["name"],
                    key=unquote_plus(s3["object"]["key"]),
                    size=int(s3["object"].get("size", 0)),
                    event_time=record["eventTime"],
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(fields={f"Message.Records.{index}": f"not an S3 event record ({exc})"}) from None
    return uploads


def parse_message(text: str) -> list[Message]:
    """The notification(s) in one SNS message; what can never be sent raises ValidationError naming the field."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise ValidationError("SNS message is not JSON", fields={"Message": "not JSON"}) from None
    if not isinstance(document, dict):
        raise ValidationError(fields={"Message": "must be a JSON object"})
    if document.get("Event") == "s3:TestEvent":
        return [S3TestEvent(bucket=str(document.get("Bucket", "")))]
    if isinstance(document.get("Records"), list):
        return [*_uploads(document)]
    try:
        return [notification_adapter().validate_python(document)]
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix="Message") from None
