"""order_worker's handler: the metrics count only work done, and a batch stops before the invocation's deadline."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from shared.orders import order_key
from tests.support.aws_fixtures import FakeLambdaContext

REGION = "us-east-1"


def emitted_metrics(output: str) -> Counter[str]:
    """Sum of every metric in the EMF lines the handler printed (one line per flush)."""
    totals: Counter[str] = Counter()
    for line in output.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = blob[metric["Name"]]
                totals[metric["Name"]] += sum(value) if isinstance(value, list) else value
    return totals


@dataclass
class SlowContext(FakeLambdaContext):
    """Remaining time that drops by ``cost_ms`` for every order written: each record takes ``cost_ms``."""

    cost_ms: int = 0
    table: Any = None

    def get_remaining_time_in_millis(self) -> int:
        written = self.table.scan(Select="COUNT", ConsistentRead=True)["Count"]
        return self.remaining_ms - self.cost_ms * written


@pytest.fixture
def handler(tables: Any) -> Any:
    from order_worker.handler import lambda_handler

    return lambda_handler


def test_a_redelivered_message_is_not_counted_as_applied_again(
    handler: Any, sqs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an OrderPlaced message that was applied once
    event = sqs.event(sqs.record(sqs.placed("ord-m1"), message_id="m-1"))
    handler(event, FakeLambdaContext("orders-dev-order_worker", region=REGION))
    first = emitted_metrics(capsys.readouterr().out)

    # When the same message id is delivered again
    response = handler(event, FakeLambdaContext("orders-dev-order_worker", region=REGION))
    second = emitted_metrics(capsys.readouterr().out)

    # Then the first delivery counted as applied and the redelivery as nothing at all
    assert response == {"batchItemFailures": []}
    assert first["OrderMessageApplied"] == 1
    assert second["OrderMessageApplied"] == 0
    assert second["OrderMessageFailed"] == 0


def test_a_duplicate_send_counts_as_duplicate_not_applied(
    handler: Any, sqs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an order placed by one message
    handler(sqs.event(sqs.record(sqs.placed("ord-m2"))), FakeLambdaContext(region=REGION))
    capsys.readouterr()

    # When a second OrderPlaced for the same order arrives with its own message id
    handler(sqs.event(sqs.record(sqs.placed("ord-m2"))), FakeLambdaContext(region=REGION))
    counted = emitted_metrics(capsys.readouterr().out)

    # Then it is counted as a duplicate, not as work done
    assert counted["OrderMessageApplied"] == 0
    assert counted["OrderMessageDuplicate"] == 1


def test_a_failed_record_counts_as_failed_only(handler: Any, sqs: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a batch with one good and one unknown-type record, When processed
    event = sqs.event(sqs.record(sqs.placed("ord-m3")), sqs.record({"type": "Nope", "order_id": "x"}))
    handler(event, FakeLambdaContext(region=REGION))
    counted = emitted_metrics(capsys.readouterr().out)

    # Then one applied and one failed
    assert (counted["OrderMessageApplied"], counted["OrderMessageFailed"]) == (1, 1)


def test_a_slow_batch_returns_what_it_finished_and_reports_the_rest(handler: Any, tables: Any, sqs: Any) -> None:
    # Given 10 messages and an invocation whose records each take 1.5 s with 6 s left
    records = [sqs.record(sqs.placed(f"ord-slow-{i}"), message_id=f"m-slow-{i}") for i in range(10)]
    context = SlowContext("orders-dev-order_worker", region=REGION, remaining_ms=6000, cost_ms=1500, table=tables)

    # When the batch is processed
    response = handler(sqs.event(*records), context)

    # Then three fit (6 → 4.5 → 3 → 1.5 s left; the 4th needs 1 s reserve + 1.5 s), the other seven are reported
    # for redelivery in batch order and were not written
    assert sqs.failed_ids(response) == [r["messageId"] for r in records[3:]]
    written = [i for i in range(10) if tables.get_item(Key=order_key(f"ord-slow-{i}")).get("Item")]
    assert written == [0, 1, 2]


def test_reported_records_are_applied_on_redelivery(handler: Any, tables: Any, sqs: Any) -> None:
    # Given a batch cut short by the deadline
    records = [sqs.record(sqs.placed(f"ord-redo-{i}"), message_id=f"m-redo-{i}") for i in range(4)]
    cut = handler(sqs.event(*records), SlowContext(region=REGION, remaining_ms=3000, cost_ms=1500, table=tables))
    assert sqs.failed_ids(cut) == ["m-redo-1", "m-redo-2", "m-redo-3"]

    # When the whole batch is redelivered to an invocation with time
    again = handler(sqs.event(*records), FakeLambdaContext(region=REGION))

    # Then nothing fails and every order exists
    assert again == {"batchItemFailures": []}
    for i in range(4):
        assert tables.get_item(Key=order_key(f"ord-redo-{i}")).get("Item") is not None
