"""Resend what a batch call left undone, with capped exponential backoff, a bounded number of times.

botocore's standard/adaptive retry mode already retries a *failed request* (throttling, 5xx, connection
errors; ``shared.aws`` configures it). It cannot retry a request that succeeded with part of its batch refused
(DynamoDB ``UnprocessedItems``, SQS ``SendMessageBatch`` ``Failed``): that is this helper's job.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = ["backoff_delay", "resend_until_done"]

T = TypeVar("T")


def backoff_delay(attempt: int, *, base: float, cap: float) -> float:
    """Capped exponential backoff: ``base * 2**attempt`` seconds, never more than ``cap``."""
    return min(cap, base * 2.0**attempt)


def resend_until_done(
    pending: Sequence[T],
    send: Callable[[Sequence[T]], Sequence[T]],
    *,
    max_attempts: int,
    base_delay: float,
    max_delay: float,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, int], None] | None = None,
) -> list[T]:
    """``send(pending)`` returns what it left undone; send that again until nothing is left or ``max_attempts``
    calls were made. Returns what is still undone (empty: everything went through).

    Sleeps ``backoff_delay(n)`` before the (n+2)-th call; ``on_retry(attempts_so_far, left)`` runs before each
    sleep (a log line, a metric).
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    left = list(pending)
    for attempt in range(max_attempts):
        if attempt:
            if on_retry is not None:
                on_retry(attempt, len(left))
            sleep(backoff_delay(attempt - 1, base=base_delay, cap=max_delay))
        left = list(send(left))
        if not left:
            break
    return left
