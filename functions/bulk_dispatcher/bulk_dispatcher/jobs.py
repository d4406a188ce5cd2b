"""The bulk job contract and the message each order becomes. No AWS, no event shapes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shared.errors import ValidationError

MAX_ORDERS = 10_000
_PRICE = re.compile(r"^\d{1,9}(\.\d{1,2})?$")

Identifier = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")
]
JobId = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]


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


class BulkOrder(_Model):
    """One order of the import; without an ``order_id`` it gets ``<job_id>-<index>`` (stable across retries)."""

    order_id: Identifier | None = None
    customer_id: Identifier
    items: list[OrderLine] = Field(min_length=1, max_length=100)


class BulkJob(_Model):
    job_id: JobId
    orders: list[BulkOrder] = Field(min_length=1, max_length=MAX_ORDERS)


def parse_job(event: object) -> BulkJob:
    """The job in a direct invocation payload; every bad field is named (``orders.3.items.0.price``)."""
    if not isinstance(event, Mapping):
        raise ValidationError("the bulk job must be a JSON object", fields={"event": "must be an object"})
    try:
        return BulkJob.model_validate(dict(event))
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc) from None


def order_message(job: BulkJob, index: int) -> dict[str, Any]:
    """The body bulk_worker receives for order ``index`` of ``job``."""
    order = job.orders[index]
    return {
        "job_id": job.job_id,
        "index": index,
        "order": {
            "order_id": order.order_id or f"{job.job_id}-{index:05d}",
            "customer_id": order.customer_id,
            "items": [line.model_dump() for line in order.items],
        },
    }
