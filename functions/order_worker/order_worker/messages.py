"""The messages on the orders queue: a typed union discriminated by ``type``. No AWS, no event shapes."""

from __future__ import annotations

import json
from typing import Annotated, Literal

import pydantic
from pydantic import Field, TypeAdapter

from shared.contracts import ContractModel, Identifier, OrderLine
from shared.errors import ValidationError

__all__ = ["OrderCancelled", "OrderLine", "OrderMessage", "OrderPlaced", "parse_message"]


class OrderPlaced(ContractModel):
    type: Literal["OrderPlaced"]
    order_id: Identifier
    customer_id: Identifier
    items: list[OrderLine] = Field(min_length=1, max_length=100)


class OrderCancelled(ContractModel):
    type: Literal["OrderCancelled"]
    order_id: Identifier
    reason: str = Field(min_length=1, max_length=500)


OrderMessage = Annotated[OrderPlaced | OrderCancelled, Field(discriminator="type")]
_ADAPTER: TypeAdapter[OrderPlaced | OrderCancelled] = TypeAdapter(OrderMessage)


def parse_message(body: str) -> OrderPlaced | OrderCancelled:
    """The typed message in an SQS body; a body that can never be processed raises ValidationError naming why."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValidationError("message body is not JSON", fields={"body": f"not JSON: {exc.msg}"}) from None
    try:
        return _ADAPTER.validate_python(data)
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix="body") from None
