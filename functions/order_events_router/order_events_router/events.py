"""Parsing the EventBridge envelope and its ``detail`` into the shared contracts. No AWS calls.

The details are ``shared.contracts`` models: :class:`~shared.contracts.OrderCreated` (orders_api's event, exact),
:class:`~shared.contracts.PaymentCompleted` and :class:`~shared.contracts.ShipmentDispatched` (other producers',
which may carry more fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import pydantic
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel

from shared.errors import ValidationError
from shared.orders import is_order_id

D = TypeVar("D", bound=BaseModel)


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


def order_id_of(detail: object) -> str | None:
    """The detail's ``order_id`` when it is a well-formed order id (for reporting an event nobody handles)."""
    if isinstance(detail, Mapping):
        order_id = detail.get("order_id")
        if isinstance(order_id, str) and is_order_id(order_id):
            return order_id
    return None
