"""Saga-specific errors and the translation of AWS SDK failures into the shared taxonomy.

Step Functions sees a task error by its class name (Lambda's ``errorType``), and the state machine's Retry
lists name exactly the retryable ones. So an SDK failure must never leave a task as a bare ``ClientError``:
:func:`aws_errors` turns throttling and service-side failures into ``ThrottleError`` /
``ServiceUnavailableError`` (retried) and lets everything else through (not retried, compensated).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from shared.errors import ConflictError, NonRetryableError, RetryableError, ServiceUnavailableError, classify

__all__ = ["OrderNotVisibleError", "OutOfStockError", "StepCompensatedError", "aws_errors"]

_SERVER_CODES = frozenset({"InternalServerError", "InternalFailure", "ServiceUnavailable", "TransactionConflict"})


class OutOfStockError(NonRetryableError):
    """Not enough stock for at least one SKU (details: ``skus``). Retrying cannot help."""

    code = "out_of_stock"


class OrderNotVisibleError(RetryableError):
    """The order the event named is not in this region's table (yet): in a saga home region its item may still be
    replicating from the region that took it (the event can outrun the data). Retried; after the retries it is
    compensated like a missing order."""

    code = "order_not_visible"


class StepCompensatedError(NonRetryableError):
    """A step was already compensated for this order (a very late retry); it must not run again."""

    code = "step_compensated"


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Re-raise transient AWS failures of ``action`` as retryable taxonomy errors."""
    try:
        yield
    except ClientError as exc:
        known = classify(exc)
        if known is not None and not isinstance(known, ConflictError):
            raise known from exc
        code = exc.response.get("Error", {}).get("Code", "")
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in _SERVER_CODES or status >= 500:
            raise ServiceUnavailableError(f"{action}: AWS failed ({code or status})") from exc
        raise
    except (ConnectionError, HTTPClientError) as exc:
        raise ServiceUnavailableError(f"{action}: AWS unreachable ({type(exc).__name__})") from exc
