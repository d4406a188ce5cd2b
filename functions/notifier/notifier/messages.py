"""What arrives in an SNS message: an order status notification or an S3 event (upload alert). No AWS calls.

Order notifications are published by order_events_router (and other producers) as JSON with a ``type``;
S3 publishes its own event document (``{"Records": [{"eventSource": "aws:s3", ...}]}``) and, once when the
notification is configured, an ``s3:TestEvent``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import unquote_plus

import pydantic
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from shared.errors import ValidationError

ORDER_ID = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class _Notification(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    order_id: str = Field(pattern=ORDER_ID)
    customer_email: str | None = Field(default=None, pattern=EMAIL, max_length=254)


class PaymentCompleted(_Notification):
    type: Literal["PaymentCompleted"]
    amount: str | int | None = None
    currency: str | None = Field(default=None, max_length=3)


class ShipmentDispatched(_Notification):
    type: Literal["ShipmentDispatched"]
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)


class OrderCancelled(_Notification):
    type: Literal["OrderCancelled"]
    reason: str | None = Field(default=None, max_length=500)


OrderNotification = Annotated[PaymentCompleted | ShipmentDispatched | OrderCancelled, Field(discriminator="type")]
_ORDER_NOTIFICATION: TypeAdapter[PaymentCompleted | ShipmentDispatched | OrderCancelled] = TypeAdapter(
    OrderNotification
)


class UploadReceived(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["UploadReceived"] = "UploadReceived"
    bucket: str
    key: str  # URL-decoded
    size: int
    event_time: str


class S3TestEvent(BaseModel):
    """S3's one-off message when a notification is configured: nothing to send."""

    bucket: str


Message = PaymentCompleted | ShipmentDispatched | OrderCancelled | UploadReceived | S3TestEvent


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
        return [_ORDER_NOTIFICATION.validate_python(document)]
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix="Message") from None
