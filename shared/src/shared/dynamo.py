"""DynamoDB helpers the SDK lacks: batch writes that finish (or say what did not) and paginated iterators.

Items are plain Python values (the resource layer's types: ``str``, ``int``/``Decimal``, ``dict`` ...);
numbers read back are ``Decimal``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared import aws
from shared.observability import logger

__all__ = ["BATCH_SIZE", "BatchWriteResult", "backoff_delay", "batch_write", "query_items", "scan_items"]

BATCH_SIZE = 25  # BatchWriteItem's hard limit per request

Item = dict[str, Any]
WriteRequest = dict[str, Any]


@dataclass(frozen=True)
class BatchWriteResult:
    """``written``: requests DynamoDB accepted; ``failed``: write requests still unprocessed after every retry."""

    written: int
    failed: list[WriteRequest] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def backoff_delay(attempt: int, *, base: float, cap: float) -> float:
    """Capped exponential backoff: ``base * 2**attempt`` seconds, never more than ``cap``."""
    return min(cap, base * 2.0**attempt)


def batch_write(
    table_name: str,
    *,
    puts: Iterable[Mapping[str, Any]] = (),
    deletes: Iterable[Mapping[str, Any]] = (),
    max_attempts: int = 8,
    base_delay: float = 0.05,
    max_delay: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> BatchWriteResult:
    """Put ``puts`` and delete the keys in ``deletes`` in chunks of 25.

    ``UnprocessedItems`` (throttled or over capacity) are sent again after a capped exponential backoff, up
    to ``max_attempts`` requests per chunk; what is still unprocessed then is returned in ``failed`` rather
    than raised, so the caller decides (retry the message, report the rows). Errors that fail the whole
    request (validation, missing table) raise ``botocore.exceptions.ClientError``.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    requests: list[WriteRequest] = [{"PutRequest": {"Item": dict(item)}} for item in puts]
    requests += [{"DeleteRequest": {"Key": dict(key)}} for key in deletes]
    resource = aws.dynamodb_resource()
    written = 0
    failed: list[WriteRequest] = []
    for start in range(0, len(requests), BATCH_SIZE):
        pending = requests[start : start + BATCH_SIZE]
        for attempt in range(max_attempts):
            if attempt:
                sleep(backoff_delay(attempt - 1, base=base_delay, cap=max_delay))
            response = resource.batch_write_item(RequestItems={table_name: pending})  # type: ignore[dict-item]
            unprocessed = list(response.get("UnprocessedItems", {}).get(table_name, []))
            written += len(pending) - len(unprocessed)
            pending = unprocessed  # type: ignore[assignment]
            if not pending:
                break
        if pending:
            logger.warning(
                "batch write left items unprocessed",
                extra={"table": table_name, "unprocessed": len(pending), "attempts": max_attempts},
            )
            failed.extend(pending)
    return BatchWriteResult(written=written, failed=failed)


def _paginate(operation: Callable[..., Any], kwargs: dict[str, Any]) -> Iterator[Item]:
    while True:
        page = operation(**kwargs)
        yield from page.get("Items", [])
        last_key = page.get("LastEvaluatedKey")
        if not last_key:
            return
        kwargs = {**kwargs, "ExclusiveStartKey": last_key}


def query_items(table_name: str, **query_kwargs: Any) -> Iterator[Item]:
    """Every item a ``Table.query`` matches, page after page (``Limit`` sets the page size, not a total)."""
    return _paginate(aws.dynamodb_table(table_name).query, dict(query_kwargs))


def scan_items(table_name: str, **scan_kwargs: Any) -> Iterator[Item]:
    """Every item a ``Table.scan`` returns, page after page."""
    return _paginate(aws.dynamodb_table(table_name).scan, dict(scan_kwargs))
