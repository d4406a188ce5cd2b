"""The messages on the orders queue: a typed union discriminated by ``type``. No AWS, no event shapes."""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, field_validator

from shared.errors import ValidationError

_PRICE = re.compile(r"^\d{1,9}(\.\d{1,2})?$")

Identifier = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")
]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderLine(_Message):
    """One line; ``price`` is a decimal string (exact money, never a float)."""

    sku: Identifier
    quantity: int = Field(strict=True, ge=1, le=10_000)
    price: str = Field(strict=True)

    @field_validator("price")
    @classmethod
    def _decimal_string(cls, value: str) -> str:
        if not _PRICE.fullmatch(value):
            raise ValueError('must be a decimal string >= 0 with at most 2 decimals, e.g. "9.99"')
        return value


class OrderPlaced(_Message):
    type: Literal["OrderPlaced"]
    order_id: Identifier
    customer_id: Identifier
    items: list[OrderLine] = Field(min_length=1, max_length=100)


class OrderCancelled(_Message):
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
