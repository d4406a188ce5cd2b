"""Fan-out: a job's orders go to the queue in batches of 10; failed entries are retried with capped backoff.

An entry SQS rejects as the sender's fault (``SenderFault``: too large, invalid) fails the same way again, so it is
reported at once; any other failure (and a throttled or unreachable queue) is retried up to ``max_attempts``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from bulk_dispatcher.jobs import BulkJob, order_message
from bulk_dispatcher.queue import Entry, Failure
from shared.errors import NonRetryableError, RetryableError
from shared.observability import logger
from shared.retry import resend_until_done

BATCH_ENTRIES = 10  # SendMessageBatch's limit per request
BATCH_BYTES = 256 * 1024  # total payload per request (bodies + attributes)

SendBatch = Callable[[Sequence[Entry]], list[Failure]]


@dataclass(frozen=True)
class FailedOrder:
    index: int
    code: str
    message: str
    retryable: bool


@dataclass
class DispatchResult:
    job_id: str
    requested: int
    dispatched: int = 0
    failed: list[FailedOrder] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "job_id": self.job_id,
            "requested": self.requested,
            "dispatched": self.dispatched,
            "failed": [vars(failure) for failure in self.failed],
        }


class DispatchIncompleteError(RetryableError):
    """Some orders could not be queued; ``details`` holds the counts and the failed indexes."""

    code = "dispatch_incomplete"


class DispatchRejectedError(NonRetryableError):
    """Every order that failed was rejected by SQS as invalid: sending the job again cannot help."""

    code = "dispatch_rejected"


def _entry(job: BulkJob, index: int) -> Entry:
    return Entry(
        Id=str(index),
        MessageBody=json.dumps(order_message(job, index), separators=(",", ":")),
        MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": job.job_id}},
    )


def batches(entries: Sequence[Entry]) -> Iterator[list[Entry]]:
    """Consecutive batches of at most 10 entries and 256 KiB."""
    batch: list[Entry] = []
    size = 0
    for entry in entries:
        entry_size = len(entry["MessageBody"].encode()) + len(json.dumps(entry["MessageAttributes"]))
        if batch and (len(batch) == BATCH_ENTRIES or size + entry_size > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(entry)
        size += entry_size
    if batch:
        yield batch


def _send_with_retries(
    batch: list[Entry],
    send: SendBatch,
    *,
    max_attempts: int,
    base_delay: float,
    max_delay: float,
    sleep: Callable[[float], None],
) -> list[FailedOrder]:
    failed: list[FailedOrder] = []
    last: dict[str, tuple[str, str]] = {}

    def send_once(pending: Sequence[Entry]) -> list[Entry]:
        try:
            failures = send(pending)
        except RetryableError as exc:
            failures = [Failure(Id=e["Id"], SenderFault=False, Code=exc.code, Message=exc.message) for e in pending]
        by_id = {failure["Id"]: failure for failure in failures}
        retry: list[Entry] = []
        for entry in pending:
            failure = by_id.get(entry["Id"])
            if failure is None:
                continue
            if failure["SenderFault"]:
                failed.append(FailedOrder(int(entry["Id"]), failure["Code"], failure["Message"], retryable=False))
            else:
                retry.append(entry)
                last[entry["Id"]] = (failure["Code"], failure["Message"])
        return retry

    left = resend_until_done(
        batch,
        send_once,
        max_attempts=max_attempts,
        base_delay=base_delay,
        max_delay=max_delay,
        sleep=sleep,
        on_retry=lambda attempt, entries: logger.info(
            "retrying failed entries", extra={"entries": entries, "attempt": attempt}
        ),
    )
    failed += [FailedOrder(int(e["Id"]), *last[e["Id"]], retryable=True) for e in left]
    return failed


def dispatch(
    job: BulkJob,
    send: SendBatch,
    *,
    max_attempts: int = 5,
    base_delay: float = 0.1,
    max_delay: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> DispatchResult:
    """Queue every order of ``job`` once; the result counts what was queued and lists what was not."""
    result = DispatchResult(job_id=job.job_id, requested=len(job.orders))
    entries = [_entry(job, index) for index in range(len(job.orders))]
    for batch in batches(entries):
        failed = _send_with_retries(
            batch, send, max_attempts=max_attempts, base_delay=base_delay, max_delay=max_delay, sleep=sleep
        )
        result.dispatched += len(batch) - len(failed)
        result.failed += failed
    return result


def require_complete(result: DispatchResult) -> DispatchResult:
    """Raise when orders are missing from the queue, so the caller (or the failure destination) sees it."""
    if not result.failed:
        return result
    details = result.summary()
    message = (
        f"job {result.job_id}: dispatched {result.dispatched} of {result.requested} orders; "
        f"{len(result.failed)} failed (first: index {result.failed[0].index}, {result.failed[0].code})"
    )
    if any(failure.retryable for failure in result.failed):
        raise DispatchIncompleteError(message, details=details)
    raise DispatchRejectedError(message, details=details)
