"""DynamoDB helpers the SDK lacks: batch writes that finish (or say what did not) and paginated iterators.

Items are plain Python values (the resource layer's types: ``str``, ``int``/``Decimal``, ``dict`` ...);
numbers read back are ``Decimal``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from shared import aws
from shared.observability import logger
from shared.retry import resend_until_done

__all__ = ["BATCH_SIZE", "BatchWriteResult", "batch_write", "query_items", "scan_items"]

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
    requests: list[WriteRequest] = [{"PutRequest": {"Item": dict(item)}} for item in puts]
    requests += [{"DeleteRequest": {"Key": dict(key)}} for key in deletes]
    resource = aws.dynamodb_resource()
    written = 0

    def send(pending: Sequence[WriteRequest]) -> list[WriteRequest]:
        nonlocal written
        response = resource.batch_write_item(RequestItems=cast(Any, {table_name: list(pending)}))
        unprocessed = cast(list[WriteRequest], list(response.get("UnprocessedItems", {}).get(table_name, [])))
        written += len(pending) - len(unprocessed)
        return unprocessed

    failed: list[WriteRequest] = []
    for start in range(0, len(requests), BATCH_SIZE):
        left = resend_until_done(
            requests[start : start + BATCH_SIZE],
            send,
            max_attempts=max_attempts,
            base_delay=base_delay,
            max_delay=max_delay,
            sleep=sleep,
        )
        if left:
            logger.warning(
                "batch write left items unprocessed",
                extra={"table": table_name, "unprocessed": len(left), "attempts": max_attempts},
            )
            failed.extend(left)
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
