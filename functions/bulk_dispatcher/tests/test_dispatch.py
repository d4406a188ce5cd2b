"""bulk_dispatcher: every order of a job reaches the queue exactly once, in batches of at most 10."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from bulk_dispatcher.dispatch import DispatchIncompleteError, DispatchRejectedError

from shared.contracts import BulkOrderMessage
from shared.errors import ValidationError

Invoke = Callable[[object], dict[str, Any]]


def test_a_thousand_orders_arrive_exactly_once(invoke: Invoke, queue: Any, job: Any, flaky: Any) -> None:
    # Given a job of 1,000 orders (and a recorder of each SendMessageBatch call)
    calls = flaky({})

    # When it is dispatched
    result = invoke(job(1000))

    # Then 100 calls of 10 were made, and the queue holds each index exactly once
    assert result == {"job_id": "job-1", "requested": 1000, "dispatched": 1000, "failed": []}
    assert calls.sizes == [10] * 100
    bodies = queue.bodies()
    assert queue.approximate_count() == 1000
    assert Counter(body["index"] for body in bodies) == Counter(range(1000))
    assert {body["job_id"] for body in bodies} == {"job-1"}


def test_entries_reported_failed_are_retried_until_they_arrive(
    invoke: Invoke, queue: Any, job: Any, flaky: Any
) -> None:
    # Given SQS fails 3 entries of the first call, then 1 of those again on the retry
    calls = flaky({1: [0, 4, 9], 2: [1]})

    result = invoke(job(25))

    # Then only the failed entries were re-sent, and every order arrived exactly once
    assert calls.sizes[:4] == [10, 3, 1, 10]
    assert result["dispatched"] == 25
    assert Counter(body["index"] for body in queue.bodies()) == Counter(range(25))


def test_entries_that_keep_failing_are_reported_after_bounded_retries(
    invoke: Invoke, queue: Any, job: Any, flaky: Any
) -> None:
    # Given one entry that fails on every one of the 5 attempts
    flaky({1: [2], 2: [0], 3: [0], 4: [0], 5: [0]})

    with pytest.raises(DispatchIncompleteError) as caught:
        invoke(job(10))

    # Then the error says what was dispatched and which index is missing; the other 9 arrived once
    assert caught.value.details["dispatched"] == 9
    assert [f["index"] for f in caught.value.details["failed"]] == [2]
    assert "dispatched 9 of 10" in caught.value.message
    assert sorted(body["index"] for body in queue.bodies()) == [0, 1, 3, 4, 5, 6, 7, 8, 9]


def test_sender_fault_entries_are_not_retried(invoke: Invoke, queue: Any, job: Any, flaky: Any) -> None:
    calls = flaky({1: [5]}, sender_fault=True)

    with pytest.raises(DispatchRejectedError) as caught:
        invoke(job(10))

    assert calls.sizes == [10]
    assert caught.value.details["failed"] == [
        {"index": 5, "code": "InvalidMessageContents", "message": "injected", "retryable": False}
    ]


def test_orders_without_an_id_get_a_stable_one_from_the_job(invoke: Invoke, queue: Any, sample: Any) -> None:
    invoke(sample("bulk_job"))

    orders = sorted((body["index"], body["order"]["order_id"]) for body in queue.bodies())
    assert orders == [(0, "imp-0001"), (1, "import-2024-05-24-0001-00001"), (2, "import-2024-05-24-0001-00002")]


def test_an_invalid_order_names_the_field_and_sends_nothing(invoke: Invoke, queue: Any, sample: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        invoke(sample("bulk_job_invalid"))

    assert list(caught.value.fields) == ["orders.0.items.0.quantity"]
    assert queue.bodies() == []


@pytest.mark.parametrize(("event", "field"), [([1, 2], "event"), ({"job_id": "j", "orders": []}, "orders")])
def test_a_malformed_job_is_rejected(invoke: Invoke, queue: Any, event: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        invoke(event)

    assert field in caught.value.fields


@pytest.mark.parametrize("job_id", ["-leading-dash", "_leading_underscore"])
def test_a_job_id_that_cannot_start_an_order_id_is_rejected_naming_it(invoke: Invoke, queue: Any, job_id: str) -> None:
    # Given a job whose id cannot prefix an order id (an order id starts with a letter or digit)
    event = {"job_id": job_id, "orders": [{"customer_id": "c-1", "items": [{"sku": "s", "quantity": 1, "price": "1"}]}]}

    # When it is dispatched
    with pytest.raises(ValidationError) as caught:
        invoke(event)

    # Then it is rejected naming job_id, and nothing is sent
    assert list(caught.value.fields) == ["job_id"]
    assert queue.bodies() == []


def test_each_message_is_a_bulk_order_message_with_normalised_prices(invoke: Invoke, queue: Any) -> None:
    # Given a job whose price has one decimal
    line = {"sku": "sku-1", "quantity": 2, "price": "9.9"}
    event = {"job_id": "job-9", "orders": [{"customer_id": "c-1", "items": [line]}]}

    # When it is dispatched
    invoke(event)

    # Then the queue holds the shared contract's message, the price in the one money form
    [body] = queue.bodies()
    message = BulkOrderMessage.model_validate(body)
    assert (message.job_id, message.index, message.order.order_id) == ("job-9", 0, "job-9-00000")
    assert message.order.items[0].price == "9.90"
