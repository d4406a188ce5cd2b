"""Batch processing that never lets a slow batch time out whole: records not started in time are reported failed.

A Lambda invocation that hits its timeout fails as a whole: every record of the batch returns to the queue,
the ones already applied included, and each such return counts towards ``maxReceiveCount`` — a few slow
batches dead-letter good messages. :class:`DeadlineBatchProcessor` is Powertools' ``BatchProcessor`` that,
before each record, asks the context for the remaining time and stops starting records when it drops below
``reserve_ms`` plus the slowest record seen so far in this invocation. The records it did not start are
reported in ``batchItemFailures`` (with :class:`DeadlineReachedError`), so SQS redelivers exactly those and
the invocation returns in time. Use it wherever ``BatchProcessor`` would be used::

    processor = DeadlineBatchProcessor(event_type=EventType.SQS)
    ...
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

The context must be passed (``process_partial_response(..., context=context)``); without one every record runs.
"""

from __future__ import annotations

import logging
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import BatchTypeModels

from shared import observability
from shared.errors import RetryableError

__all__ = ["DEFAULT_RESERVE_MS", "DeadlineBatchProcessor", "DeadlineReachedError"]

# Time kept back for what follows the last record: returning the response, flushing metrics and logs.
DEFAULT_RESERVE_MS = 1000


class DeadlineReachedError(RetryableError):
    """A record was not started because the invocation was running out of time; it is redelivered."""

    code = "deadline_reached"


class DeadlineBatchProcessor(BatchProcessor):
    """``BatchProcessor`` that stops starting records when the invocation's remaining time runs low.

    Before each record it requires ``reserve_ms`` plus the longest record so far (measured with the context's
    own remaining time, so no clock is involved) to be left; otherwise that record and all after it fail
    with :class:`DeadlineReachedError` without running. An all-failed batch is reported record by record
    (``raise_on_entire_batch_failure=False`` by default), like any partial failure.
    """

    def __init__(
        self,
        event_type: EventType = EventType.SQS,
        *,
        reserve_ms: int = DEFAULT_RESERVE_MS,
        model: BatchTypeModels | None = None,
        raise_on_entire_batch_failure: bool = False,
        logger: logging.Logger | None = None,
    ) -> None:
        if reserve_ms < 0:
            raise ValueError(f"reserve_ms must be >= 0, got {reserve_ms}")
        super().__init__(
            event_type=event_type,
            model=model,
            raise_on_entire_batch_failure=raise_on_entire_batch_failure,
            logger=logger,
        )
        self.reserve_ms = reserve_ms
        self.deferred = 0  # records the last batch did not start (reported failed)

    def process(self) -> list[tuple[Any, ...]]:
        context = getattr(self, "lambda_context", None)
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        self.deferred = 0
        if remaining is None:
            return super().process()
        results: list[tuple[Any, ...]] = []
        slowest_ms = 0
        for index, record in enumerate(self.records):
            before = int(remaining())
            if before < self.reserve_ms + slowest_ms:
                results.extend(self._defer(later) for later in self.records[index:])
                self.deferred = len(self.records) - index
                observability.logger.warning(
                    "batch stopped before the deadline; the records not started are retried",
                    extra={
                        "records_done": index,
                        "records_deferred": self.deferred,
                        "remaining_ms": before,
                        "needed_ms": self.reserve_ms + slowest_ms,
                    },
                )
                break
            results.append(self._process_record(record))
            slowest_ms = max(slowest_ms, before - int(remaining()))
        return results

    def _defer(self, record: dict[str, Any]) -> tuple[Any, ...]:
        """Report ``record`` failed without running it (its id goes to batchItemFailures)."""
        error = DeadlineReachedError("not started: the invocation was running out of time")
        # The raw record as the event source's data class: a model could reject a poison record here.
        data = self._to_batch_type(record=record, event_type=self.event_type)
        return self.failure_handler(record=data, exception=(DeadlineReachedError, error, None))
