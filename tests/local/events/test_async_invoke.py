"""Asynchronous invocation: retries with delays, maximum event age, destinations and dead-letter queues."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from scripts.local.events.async_invoke import RETRY_DELAYS_S, AsyncInvoker
from scripts.local.events.aws import AwsClients
from scripts.local.events.destinations import Condition, DestinationSender, InvocationRecord
from tests.local.events.helpers import LocalFunctions, LocalResult, drain, wait_until

ACCOUNT = "123456789012"
SCALE = 0.005  # 1 minute → 0.3 s


@pytest.fixture
def invoker(clients: AwsClients, functions: LocalFunctions) -> Iterator[AsyncInvoker]:
    async_invoker = AsyncInvoker(functions.invoke, clients, workers=2, time_scale=SCALE)
    async_invoker.start()
    yield async_invoker
    async_invoker.stop()


def _queue(clients: AwsClients, name: str) -> tuple[str, str]:
    url = clients.client("sqs").create_queue(QueueName=name)["QueueUrl"]
    return url, f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"


def _always_fails(event: Any, _context: object) -> None:
    raise ValueError(f"cannot process {event}")


def test_failed_event_is_retried_with_delays_then_sent_to_the_failure_destination(
    clients: AwsClients, functions: LocalFunctions, invoker: AsyncInvoker
) -> None:
    # Given a function that always fails, with the default 2 retries and an SQS on-failure destination
    url, arn = _queue(clients, "failures")
    functions.create("extract", _always_fails)
    clients.client("lambda").put_function_event_invoke_config(
        FunctionName="extract", DestinationConfig={"OnFailure": {"Destination": arn}}
    )

    # When it is invoked asynchronously
    request_id = invoker.submit("extract", b'{"doc": 7}')
    assert invoker.wait_idle(10)

    # Then it ran three times, waiting 1 then 2 (scaled) minutes in between
    calls = functions.calls["extract"]
    assert len(calls) == 3
    assert calls[1].at - calls[0].at >= RETRY_DELAYS_S[0] * SCALE
    assert calls[2].at - calls[1].at >= RETRY_DELAYS_S[1] * SCALE
    # And the destination got Lambda's invocation record
    [message] = drain(clients, url)
    record = json.loads(message["Body"])
    assert record["version"] == "1.0"
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:extract:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == {"doc": 7}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"]["errorType"] == "ValueError"
    assert record["responsePayload"]["errorMessage"] == "cannot process {'doc': 7}"
    assert record["timestamp"].endswith("Z")
    assert invoker.stats.failed == 1
    assert invoker.stats.dropped == 0


def test_success_record_goes_to_the_on_success_lambda_destination(
    clients: AwsClients, functions: LocalFunctions, invoker: AsyncInvoker
) -> None:
    # Given a stage whose success destination is the next stage (the chain pattern)
    functions.create("analyze", lambda event, _context: {"words": len(event["text"].split())})
    store_arn = functions.create("store", lambda event, _context: None)
    clients.client("lambda").put_function_event_invoke_config(
        FunctionName="analyze", DestinationConfig={"OnSuccess": {"Destination": store_arn}}
    )

    # When the first stage is invoked asynchronously
    request_id = invoker.submit("analyze", b'{"text": "three short words"}')

    # Then the next stage receives a Success record carrying the response
    assert wait_until(lambda: len(functions.events("store")) == 1, 5)
    record = functions.events("store")[0]
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["requestId"] == request_id
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"] == {"text": "three short words"}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"words": 3}
    assert len(functions.calls["analyze"]) == 1


def test_success_record_goes_to_an_eventbridge_destination(
    clients: AwsClients, functions: LocalFunctions, invoker: AsyncInvoker
) -> None:
    # Given a success destination on a custom bus, with a rule copying Lambda results to a queue
    url, queue_arn = _queue(clients, "results")
    events = clients.client("events")
    bus_arn = events.create_event_bus(Name="orders")["EventBusArn"]
    events.put_rule(Name="results", EventBusName="orders", EventPattern=json.dumps({"source": ["lambda"]}))
    events.put_targets(Rule="results", EventBusName="orders", Targets=[{"Id": "q", "Arn": queue_arn}])
    functions.create("notify", lambda event, _context: "sent")
    clients.client("lambda").put_function_event_invoke_config(
        FunctionName="notify", DestinationConfig={"OnSuccess": {"Destination": bus_arn}}
    )

    # When it succeeds
    invoker.submit("notify", b'{"order": "o-1"}')
    assert invoker.wait_idle(5)

    # Then the bus got the record as the detail of a "Lambda Function Invocation Result - Success" event
    [message] = drain(clients, url)
    event = json.loads(message["Body"])
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["resources"] == [f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:notify:$LATEST", bus_arn]
    assert event["detail"]["responsePayload"] == "sent"
    assert event["detail"]["requestPayload"] == {"order": "o-1"}


def test_event_older_than_its_maximum_age_is_not_retried_and_goes_to_failure_as_event_age_exceeded(
    clients: AwsClients, functions: LocalFunctions, invoker: AsyncInvoker
) -> None:
    # Given a 60 s maximum event age: the first retry, 1 minute later, is already too old
    url, arn = _queue(clients, "failures")
    functions.create("extract", _always_fails)
    clients.client("lambda").put_function_event_invoke_config(
        FunctionName="extract", MaximumEventAgeInSeconds=60, DestinationConfig={"OnFailure": {"Destination": arn}}
    )

    # When it fails once
    invoker.submit("extract", b'{"doc": 1}')
    assert invoker.wait_idle(5)

    # Then it is not run again and the record says EventAgeExceeded after one attempt
    assert len(functions.calls["extract"]) == 1
    [message] = drain(clients, url)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"]["functionError"] == "Unhandled"


def test_failure_record_goes_to_an_sns_destination(
    clients: AwsClients, functions: LocalFunctions, invoker: AsyncInvoker
) -> None:
    # Given an SNS on-failure destination (with a queue subscribed to see what it publishes) and no retries
    url, queue_arn = _queue(clients, "alerts")
    sns = clients.client("sns")
    topic_arn = sns.create_topic(Name="failures")["TopicArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    functions.create("extract", _always_fails)
    clients.client("lambda").put_function_event_invoke_config(
        FunctionName="extract", MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": topic_arn}}
    )

    # When it fails
    invoker.submit("extract", b'{"doc": 2}')
    assert invoker.wait_idle(5)

    # Then the topic carried the record, after a single attempt
    [message] = drain(clients, url)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert len(functions.calls["extract"]) == 1


def test_dead_letter_queue_delivery_carries_the_event_and_error_attributes(clients: AwsClients) -> None:
    # Given a failed invocation's record (moto 5.2 drops a function's DeadLetterConfig, so this drives the
    # delivery the invoker uses when the emulator reports one)
    url, arn = _queue(clients, "extract-dlq")
    failure = LocalResult("r-1", b'{"errorMessage": "boom", "errorType": "ValueError"}', "Unhandled")
    record = InvocationRecord(
        request_id="req-1",
        function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:extract:$LATEST",
        condition=Condition.RETRIES_EXHAUSTED,
        invoke_count=3,
        request_payload=b'{"doc": 3}',
        executed_version="$LATEST",
        last_result=failure,
    )

    # When it is sent to the function's dead-letter queue
    DestinationSender(clients, lambda *_: "unused").send_to_dlq(arn, record)

    # Then the DLQ holds the event itself, with Lambda's RequestID / ErrorCode / ErrorMessage attributes
    [message] = drain(clients, url)
    assert json.loads(message["Body"]) == {"doc": 3}
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes == {"RequestID": "req-1", "ErrorCode": "200", "ErrorMessage": "boom"}


def test_failure_with_nowhere_to_go_is_logged_loudly_and_counted(
    clients: AwsClients, functions: LocalFunctions, invoker: AsyncInvoker, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a failing function with no destination and no DLQ
    functions.create("extract", _always_fails)
    clients.client("lambda").put_function_event_invoke_config(FunctionName="extract", MaximumRetryAttempts=0)

    # When it fails
    with caplog.at_level(logging.ERROR, logger="local.events.async"):
        request_id = invoker.submit("extract", b'{"doc": 4}')
        assert invoker.wait_idle(5)

    # Then it is counted as dropped and an ERROR line names it with its record
    assert invoker.stats.dropped == 1
    dropped = [r.getMessage() for r in caplog.records if "ASYNC EVENT DROPPED" in r.getMessage()]
    assert len(dropped) == 1
    assert request_id in dropped[0]
    assert '"requestPayload": {"doc": 4}' in dropped[0]


def test_unknown_function_is_dropped_loudly(invoker: AsyncInvoker, caplog: pytest.LogCaptureFixture) -> None:
    # When an event is queued for a function the emulator does not have
    with caplog.at_level(logging.ERROR, logger="local.events.async"):
        invoker.submit("no-such-function", b"{}")
        assert invoker.wait_idle(5)

    # Then it is dropped with an error naming the function
    assert invoker.stats.dropped == 1
    assert any("no-such-function" in r.getMessage() for r in caplog.records)


def test_invoker_that_raises_counts_as_a_failed_attempt(clients: AwsClients, functions: LocalFunctions) -> None:
    # Given a runtime whose invoke itself raises (e.g. the worker process could not start)
    url, arn = _queue(clients, "failures")
    functions.create("extract", lambda event, _context: None)
    clients.client("lambda").put_function_event_invoke_config(
        FunctionName="extract", MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    attempts: list[str] = []

    def broken_runtime(function_name: str, payload: bytes, qualifier: str | None = None) -> Any:
        attempts.append(function_name)
        raise OSError("worker exited")

    invoker = AsyncInvoker(broken_runtime, clients, workers=1, time_scale=SCALE)
    invoker.start()
    try:
        # When an event is queued
        invoker.submit("extract", b'{"doc": 5}')
        assert invoker.wait_idle(5)
    finally:
        invoker.stop()

    # Then it was retried and the failure record carries the runtime's error
    assert attempts == ["extract", "extract"]
    [message] = drain(clients, url)
    record = json.loads(message["Body"])
    assert record["responsePayload"] == {"errorMessage": "worker exited", "errorType": "OSError"}
