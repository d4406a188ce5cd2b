from __future__ import annotations

from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from shared import aws
from shared.dynamo import batch_write, query_items, scan_items

TABLE = "orders"


@pytest.fixture
def table(moto_aws: None, create_table: Any) -> str:
    create_table(TABLE)
    return TABLE


class Throttle:
    """Makes DynamoDB leave some writes unprocessed, as it does under throttling.

    Hooks the real client: before the call it holds back the last ``hold_back`` requests (moto never sees
    them); after the call it reports them in ``UnprocessedItems``, exactly where DynamoDB would.
    """

    def __init__(self, hold_back: int, times: int | None) -> None:
        self.hold_back = hold_back
        self.times = times
        self.calls = 0
        self._held: list[dict[str, Any]] = []
        events = aws.dynamodb_resource().meta.client.meta.events
        events.register("provide-client-params.dynamodb.BatchWriteItem", self._before)
        events.register("after-call.dynamodb.BatchWriteItem", self._after)

    def _before(self, params: dict[str, Any], **_: Any) -> None:
        self.calls += 1
        self._held = []
        if self.times is not None and self.calls > self.times:
            return
        requests = params["RequestItems"][TABLE]
        keep = max(0, len(requests) - self.hold_back)
        self._held = requests[keep:]
        params["RequestItems"] = {TABLE: requests[:keep]} if keep else {}

    def _after(self, parsed: dict[str, Any], **_: Any) -> None:
        if not self._held:
            return
        serializer = TypeSerializer()
        wire = [
            {"PutRequest": {"Item": {k: serializer.serialize(v) for k, v in r["PutRequest"]["Item"].items()}}}
            for r in self._held
        ]
        parsed["UnprocessedItems"] = {TABLE: wire}


def orders(n: int) -> list[dict[str, Any]]:
    return [{"pk": f"order#{i:03}", "sk": "meta", "qty": i} for i in range(n)]


def test_batch_write_sends_chunks_of_25(table: str) -> None:
    counter = Throttle(hold_back=0, times=0)
    result = batch_write(table, puts=orders(60))
    assert (result.written, result.ok, counter.calls) == (60, True, 3)
    assert len(list(scan_items(table))) == 60


def test_unprocessed_items_are_retried_with_backoff_until_written(table: str) -> None:
    # Given DynamoDB leaves 5 items unprocessed on the first two requests
    Throttle(hold_back=5, times=2)
    sleeps: list[float] = []
    # When
    result = batch_write(table, puts=orders(20), base_delay=0.1, max_delay=1.0, sleep=sleeps.append)
    # Then every item is written, after two backoffs that doubled
    assert result.ok
    assert result.written == 20
    assert sleeps == [0.1, 0.2]
    assert {item["pk"] for item in scan_items(table)} == {f"order#{i:03}" for i in range(20)}


def test_items_still_unprocessed_after_every_attempt_are_returned(table: str) -> None:
    # Given DynamoDB never processes the last 3 items of any request
    Throttle(hold_back=3, times=None)
    sleeps: list[float] = []
    # When
    result = batch_write(table, puts=orders(10), max_attempts=4, base_delay=1.0, max_delay=2.5, sleep=sleeps.append)
    # Then the caller learns exactly which writes failed; the backoff was capped
    assert not result.ok
    assert result.written == 7
    assert [r["PutRequest"]["Item"]["pk"] for r in result.failed] == ["order#007", "order#008", "order#009"]
    assert sleeps == [1.0, 2.0, 2.5]
    assert len(list(scan_items(table))) == 7


def test_batch_write_deletes_keys(table: str) -> None:
    batch_write(table, puts=orders(5))
    result = batch_write(table, deletes=[{"pk": "order#001", "sk": "meta"}, {"pk": "order#002", "sk": "meta"}])
    assert result.written == 2
    assert sorted(item["pk"] for item in scan_items(table)) == ["order#000", "order#003", "order#004"]


def test_a_request_dynamodb_rejects_raises(table: str) -> None:
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        batch_write("no-such-table", puts=orders(1))


def test_max_attempts_must_be_positive(table: str) -> None:
    with pytest.raises(ValueError, match="max_attempts must be at least 1"):
        batch_write(table, puts=orders(1), max_attempts=0)


def test_query_items_walks_every_page(table: str) -> None:
    # Given 23 lines of one order and a page size of 10
    aws_table = aws.dynamodb_table(table)
    for i in range(23):
        aws_table.put_item(Item={"pk": "order#1", "sk": f"line#{i:02}"})
    aws_table.put_item(Item={"pk": "order#2", "sk": "line#00"})
    calls: list[str] = []
    aws.dynamodb_resource().meta.client.meta.events.register(
        "before-call.dynamodb.Query", lambda **_: calls.append("query")
    )
    # When
    items = list(
        query_items(
            table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": "order#1"},
            Limit=10,
        )
    )
    # Then all 23 come back, in order, over three pages
    assert [item["sk"] for item in items] == [f"line#{i:02}" for i in range(23)]
    assert len(calls) == 3


def test_scan_items_is_lazy_and_paginated(table: str) -> None:
    batch_write(table, puts=orders(12))
    iterator = scan_items(table, Limit=5)
    first = next(iterator)
    assert first["pk"].startswith("order#")
    assert 1 + len(list(iterator)) == 12
