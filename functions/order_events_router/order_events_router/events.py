"""The order events this router understands (the ``detail`` of each detail-type). No AWS calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import pydantic
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import ValidationError

ORDER_ID = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$"


class _Detail(BaseModel):
    # Producers add fields over time; the router needs only these and passes the rest on untouched.
    model_config = ConfigDict(extra="allow", frozen=True)


class OrderCreated(_Detail):
    order_id: str = Field(pattern=ORDER_ID)
    customer_id: str = Field(min_length=1, max_length=128)


class PaymentCompleted(_Detail):
    order_id: str = Field(pattern=ORDER_ID)
    amount: str | int | None = None
    currency: str | None = None
    customer_email: str | None = Field(default=None, max_length=254)


class ShipmentDispatched(_Detail):
    order_id: str = Field(pattern=ORDER_ID)
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)
    customer_email: str | None = Field(default=None, max_length=254)


D = TypeVar("D", bound=_Detail)


def parse_envelope(event: object) -> EventBridgeModel:
    if not isinstance(event, Mapping):
        raise ValidationError("the event must be a JSON object", fields={"event": "must be an object"})
    try:
        return EventBridgeModel.model_validate(dict(event))
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix="event") from None


def parse_detail(detail: object, model: type[D]) -> D:
    """The typed ``detail``; every bad field named as ``detail.<field>``."""
    if not isinstance(detail, Mapping):
        raise ValidationError("the event detail must be a JSON object", fields={"detail": "must be an object"})
    try:
        return model.model_validate(dict(detail))
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix="detail") from None
