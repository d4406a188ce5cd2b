"""The bulk job and the message each order becomes (``shared.contracts.BulkOrderMessage``). No AWS, no event shapes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import pydantic
from pydantic import Field, StringConstraints

from shared.contracts import BulkOrderMessage, ContractModel, Identifier, ImportedOrder
from shared.errors import ValidationError

MAX_ORDERS = 10_000

# A letter or digit first: the job id starts the ids of the orders that bring none (an order id's rule).
JobId = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
]


class BulkOrder(ImportedOrder):
    """One order of the import; without an ``order_id`` it gets ``<job_id>-<index>`` (stable across retries)."""

    order_id: Identifier | None = None  # type: ignore[assignment]  # optional here, required in the message


class BulkJob(ContractModel):
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
    """The body bulk_worker receives for order ``index`` of ``job`` (``shared.contracts.BulkOrderMessage``)."""
    order = job.orders[index]
    imported = ImportedOrder(
        order_id=order.order_id or f"{job.job_id}-{index:05d}", customer_id=order.customer_id, items=order.items
    )
    return BulkOrderMessage(job_id=job.job_id, index=index, order=imported).model_dump(mode="json")
