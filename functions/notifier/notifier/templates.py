"""One e-mail template per notification type: subject and plain-text body. No AWS calls."""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Template

from pydantic import BaseModel

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


@dataclass(frozen=True)
class EmailTemplate:
    subject: Template
    body: Template


TEMPLATES: dict[str, EmailTemplate] = {
    "OrderConfirmed": EmailTemplate(
        Template("Order $order_id is confirmed"),
        Template(
            "Hello,\n\nyour order $order_id is confirmed: we reserved your items and charged $total $currency.\n"
            "Shipment $shipment_id is being prepared.\n\nThank you for your order.\n"
        ),
    ),
    "PaymentCompleted": EmailTemplate(
        Template("Payment received for order $order_id"),
        Template(
            "Hello,\n\nwe received your payment of $amount $currency for order $order_id.\n"
            "We are preparing it for shipment now.\n\nThank you for your order.\n"
        ),
    ),
    "ShipmentDispatched": EmailTemplate(
        Template("Order $order_id is on its way"),
        Template(
            "Hello,\n\norder $order_id has left our warehouse with $carrier.\n"
            "Tracking number: $tracking_number\n\nThank you for your order.\n"
        ),
    ),
    "OrderCancelled": EmailTemplate(
        Template("Order $order_id was cancelled"),
        Template(
            "Hello,\n\norder $order_id was cancelled ($reason).\n"
            "If you were charged, the refund is on its way to your original payment method.\n"
        ),
    ),
    "UploadReceived": EmailTemplate(
        Template("Upload received: $key"),
        Template("A file was uploaded.\n\nBucket: $bucket\nKey: $key\nSize: $size bytes\nTime: $event_time\n"),
    ),
}

NOT_GIVEN = "not given"


def render(notification: BaseModel) -> Email:
    """Fill the template of the notification's ``type``; optional fields read "not given", never "None"."""
    fields = notification.model_dump()
    template = TEMPLATES[fields["type"]]
    values = {name: NOT_GIVEN if value is None else str(value) for name, value in fields.items()}
    # A subject is one line: values from a message must not break it (or smuggle headers into it).
    subject = _CONTROL.sub(" ", template.subject.substitute(values))[:200]
    return Email(subject=subject, body=template.body.substitute(values))
