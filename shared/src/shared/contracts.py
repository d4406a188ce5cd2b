"""Message contracts between functions, defined once for the producer and its consumers. No AWS, no event shapes.

- :class:`OrderLine` and :data:`Identifier` — an order line and the id format, as every queue message carries
  them (orders queue: order_worker; bulk queue: bulk_dispatcher → bulk_worker).
- :class:`BulkOrderMessage` — the body bulk_dispatcher sends per order and bulk_worker parses
  (``{"job_id", "index", "order": {"order_id", "customer_id", "items"}}``).

Models are frozen and forbid unknown fields: a producer that adds a field breaks its consumer's tests, not
production.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

__all__ = ["BulkOrderMessage", "ContractModel", "Identifier", "ImportedOrder", "OrderLine"]

_PRICE = re.compile(r"^\d{1,9}(\.\d{1,2})?$")

Identifier = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")
]
"""An order, customer or SKU id: 1–64 characters, letters and digits first, then also ``._:@-``."""


class ContractModel(BaseModel):
    """Base of every message model: immutable, unknown fields rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderLine(ContractModel):
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


class ImportedOrder(ContractModel):
    """One order of a bulk import, with its final ``order_id``."""

    order_id: Identifier
    customer_id: Identifier
    items: list[OrderLine] = Field(min_length=1, max_length=100)


class BulkOrderMessage(ContractModel):
    """What the bulk queue carries per order: order ``index`` of job ``job_id``."""

    job_id: str = Field(min_length=1, max_length=40)
    index: int = Field(ge=0)
    order: ImportedOrder
