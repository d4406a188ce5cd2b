"""DeadlineBatchProcessor: records not started before the deadline are reported failed, never timed out whole.

The context's remaining time is a counter the record handler spends, so every case is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shared.batch import DeadlineBatchProcessor, DeadlineReachedError
from shared.errors import NonRetryableError
from tests.support.aws_fixtures import FakeLambdaContext


@dataclass
class RunningDownContext(FakeLambdaContext):
    """A context whose remaining time drops only when a record handler spends it."""

    def spend(self, ms: int) -> None:
        self.remaining_ms -= ms


def batch_of(sqs_record: Any, count: int) -> dict[str, Any]:
    return {"Records": [sqs_record(f"m-{i}", {"n": i}) for i in range(1, count + 1)]}


def failed_ids(response: dict[str, Any]) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


def run(
    event: dict[str, Any],
    context: Any,
    *,
    cost_ms: dict[str, int],
    reserve_ms: int = 1000,
    fail: set[str] = frozenset(),
) -> tuple[list[str], dict[str, Any], DeadlineBatchProcessor]:
    processor = DeadlineBatchProcessor(reserve_ms=reserve_ms)
    started: list[str] = []

    def record_handler(record: SQSRecord) -> None:
        started.append(record.message_id)
        if context is not None:
            context.spend(cost_ms.get(record.message_id, 0))
        if record.message_id in fail:
            raise NonRetryableError("bad record")

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return started, dict(response), processor


def test_records_not_started_before_the_deadline_are_reported_failed(sqs_record: Any) -> None:
    # Given 5 s left, a 1 s reserve and records that take 1.5 s each
    context = RunningDownContext(remaining_ms=5000)
    cost = {f"m-{i}": 1500 for i in range(1, 5)}

    # When a batch of 4 is processed
    started, response, processor = run(batch_of(sqs_record, 4), context, cost_ms=cost)

    # Then two run (3.5 s left ≥ 1 s + 1.5 s; then 2 s left < 2.5 s) and the other two are reported for retry
    assert started == ["m-1", "m-2"]
    assert failed_ids(response) == ["m-3", "m-4"]
    assert processor.deferred == 2
    assert context.remaining_ms >= 1000, "the reserve is still there when the handler returns"


def test_every_record_runs_when_time_is_plentiful(sqs_record: Any) -> None:
    # Given 30 s left and records of 100 ms
    context = RunningDownContext(remaining_ms=30_000)

    # When a batch of 10 is processed
    started, response, processor = run(batch_of(sqs_record, 10), context, cost_ms={f"m-{i}": 100 for i in range(1, 11)})

    # Then all of them run and none is reported
    assert started == [f"m-{i}" for i in range(1, 11)]
    assert response == {"batchItemFailures": []}
    assert processor.deferred == 0


def test_the_slowest_record_so_far_sets_the_margin(sqs_record: Any) -> None:
    # Given 6 s left: a fast record, then a 3 s one, then fast ones
    context = RunningDownContext(remaining_ms=6000)
    cost = {"m-1": 100, "m-2": 3000, "m-3": 100, "m-4": 100}

    # When processed with a 500 ms reserve
    started, response, _ = run(batch_of(sqs_record, 4), context, cost_ms=cost, reserve_ms=500)

    # Then after the 3 s record (2.9 s left < 0.5 s + 3 s) nothing more starts, though the next would be fast
    assert started == ["m-1", "m-2"]
    assert failed_ids(response) == ["m-3", "m-4"]


def test_a_batch_that_arrives_too_late_runs_nothing_and_reports_every_record(sqs_record: Any) -> None:
    # Given less time left than the reserve
    context = RunningDownContext(remaining_ms=800)

    # When a batch of 3 is processed
    started, response, processor = run(batch_of(sqs_record, 3), context, cost_ms={})

    # Then nothing runs and every record is reported (no exception for an all-failed batch)
    assert started == []
    assert failed_ids(response) == ["m-1", "m-2", "m-3"]
    assert processor.deferred == 3


def test_failed_and_deferred_records_are_reported_together(sqs_record: Any) -> None:
    # Given a failing first record and time for only two records
    context = RunningDownContext(remaining_ms=3500)
    cost = {f"m-{i}": 1000 for i in range(1, 5)}

    # When processed
    started, response, _ = run(batch_of(sqs_record, 4), context, cost_ms=cost, fail=frozenset({"m-1"}))

    # Then the failed one and the ones not started are all reported, in batch order
    assert started == ["m-1", "m-2"]
    assert failed_ids(response) == ["m-1", "m-3", "m-4"]


def test_deferred_records_fail_with_a_retryable_error(sqs_record: Any) -> None:
    # Given a batch that arrives after the deadline
    processor = DeadlineBatchProcessor(reserve_ms=1000)
    records = batch_of(sqs_record, 1)["Records"]

    # When processed
    with processor(records, lambda record: None, RunningDownContext(remaining_ms=10)):
        processor.process()

    # Then its failure is a DeadlineReachedError, which async sources retry
    (exc_type, exc, _), *_ = processor.exceptions
    assert exc_type is DeadlineReachedError
    assert isinstance(exc, DeadlineReachedError)
    assert exc.retryable


def test_the_next_invocation_starts_from_a_clean_count(sqs_record: Any) -> None:
    # Given one processor (module level in a handler) whose first batch was cut short
    processor = DeadlineBatchProcessor(reserve_ms=1000)
    event = batch_of(sqs_record, 2)
    process_partial_response(
        event=event, record_handler=lambda record: None, processor=processor, context=RunningDownContext(remaining_ms=1)
    )
    assert processor.deferred == 2

    # When the next invocation has time
    response = process_partial_response(
        event=event, record_handler=lambda record: None, processor=processor, context=RunningDownContext()
    )

    # Then it runs everything and reports nothing
    assert response == {"batchItemFailures": []}
    assert processor.deferred == 0


def test_without_a_context_every_record_runs(sqs_record: Any) -> None:
    # Given no Lambda context (a local script calling the handler logic)
    # When a batch is processed
    started, response, _ = run(batch_of(sqs_record, 3), None, cost_ms={})

    # Then every record runs
    assert started == ["m-1", "m-2", "m-3"]
    assert response == {"batchItemFailures": []}


def test_a_negative_reserve_is_refused() -> None:
    with pytest.raises(ValueError, match="reserve_ms must be >= 0"):
        DeadlineBatchProcessor(reserve_ms=-1)
