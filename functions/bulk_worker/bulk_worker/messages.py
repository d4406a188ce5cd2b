"""The message bulk_dispatcher sends per order (``{"job_id", "index", "order"}``). No AWS, no event shapes."""

from __future__ import annotations

import re
from typing import Annotated

import pydantic
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shared.errors import ValidationError

_PRICE = re.compile(r"^\d{1,9}(\.\d{1,2})?$")

Identifier = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderLine(_Model):
    sku: Identifier
    quantity: int = Field(strict=True, ge=1, le=10_000)
    price: str = Field(strict=True)

    @field_validator("price")
    @classmethod
    def _decimal_string(cls, value: str) -> str:
        if not _PRICE.fullmatch(value):
            raise ValueError('must be a decimal string >= 0 with at most 2 decimals, e.g. "9.99"')
        return value


class ImportedOrder(_Model):
    order_id: Identifier
    customer_id: Identifier
    items: list[OrderLine] = Field(min_length=1, max_length=100)


class BulkOrderMessage(_Model):
    job_id: str = Field(min_length=1, max_length=40)
    index: int = Field(ge=0)
    order: ImportedOrder


def parse_message(body: str) -> BulkOrderMessage:
    """The typed message in an SQS body; a body that can never be written raises ValidationError naming why."""
    try:
        return BulkOrderMessage.model_validate_json(body)
    except pydantic.ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise ValidationError("message body is not JSON", fields={"body": "not JSON"}) from None
        raise ValidationError.from_pydantic(exc, prefix="body") from None
