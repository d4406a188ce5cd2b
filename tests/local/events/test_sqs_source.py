"""SQS event source mappings against a real moto server: Lambda's batch, failure and redrive semantics."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.parser.models import SqsModel

from scripts.local.events.aws import AwsClients
from scripts.local.events.sources import EventSourceOptions, EventSources
from scripts.local.events.sqs_source import failed_message_ids
from tests.local.events.helpers import LocalFunctions, wait_until

ACCOUNT = "123456789012"


def _queue(clients: AwsClients, name: str, **attributes: str) -> tuple[str, str]:
    url = clients.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"


def _counts(clients: AwsClients, url: str) -> tuple[int, int]:
    attrs = clients.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def _bodies(functions: LocalFunctions, name: str) -> list[list[str]]:
    return [[r["body"] for r in event["Records"]] for event in functions.events(name)]


def _send(clients: AwsClients, url: str, *bodies: str) -> None:
    clients.client("sqs").send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies)]
    )


def test_partial_batch_response_returns_only_the_failed_message(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a consumer that reports "bad" as failed on its first delivery only
    url, arn = _queue(clients, "orders", VisibilityTimeout="2")

    def consume(event: dict[str, Any], _context: object) -> dict[str, Any]:
        failures = [
            {"itemIdentifier": r["messageId"]}
            for r in event["Records"]
            if r["body"] == "bad" and r["attributes"]["ApproximateReceiveCount"] == "1"
        ]
        return {"batchItemFailures": failures}

    functions.create("worker", consume)
    clients.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName="worker", BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"]
    )
    _send(clients, url, "a", "bad", "c")

    # When the mapping runs
    make_sources(sqs_default_concurrency=1)

    # Then only "bad" comes back (after the visibility timeout), alone, and the queue ends empty
    assert wait_until(lambda: Counter(b for batch in _bodies(functions, "worker") for b in batch)["bad"] == 2, 10)
    assert wait_until(lambda: _counts(clients, url) == (0, 0), 5)
    batches = _bodies(functions, "worker")
    assert sorted(batches[0]) == ["a", "bad", "c"]
    assert batches[1:] == [["bad"]]
    assert functions.events("worker")[1]["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"


def test_poison_message_lands_in_dlq_after_max_receive_count_and_others_are_processed_once(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a queue redriving to a DLQ after 2 receives, and a consumer that can never process "poison"
    dlq_url, dlq_arn = _queue(clients, "orders-dlq")
    url, arn = _queue(
        clients,
        "orders",
        VisibilityTimeout="1",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
    )

    def consume(event: dict[str, Any], _context: object) -> dict[str, Any]:
        return {
            "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "poison"]
        }

    functions.create("worker", consume)
    clients.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName="worker", BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"]
    )
    _send(clients, url, "one", "poison", "two", "three")

    # When the mapping runs until the poison message has moved
    make_sources()
    assert wait_until(lambda: _counts(clients, dlq_url)[0] == 1, 15)

    # Then the poison was tried exactly maxReceiveCount times, the others once, and nothing is left behind
    delivered = Counter(b for batch in _bodies(functions, "worker") for b in batch)
    assert delivered == Counter({"poison": 2, "one": 1, "two": 1, "three": 1})
    assert _counts(clients, url) == (0, 0)
    dlq = clients.client("sqs").receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in dlq] == ["poison"]


def test_function_error_returns_the_whole_batch(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a consumer that crashes on its first batch (no partial batch responses configured)
    url, arn = _queue(clients, "orders", VisibilityTimeout="2")
    crashed = threading.Event()

    def consume(event: dict[str, Any], _context: object) -> None:
        if not crashed.is_set():
            crashed.set()
            raise RuntimeError("database unavailable")

    functions.create("worker", consume)
    clients.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", BatchSize=10)
    _send(clients, url, "a", "b")

    # When it runs
    make_sources(sqs_default_concurrency=1)

    # Then both messages come back and are processed by the second invocation, then deleted
    assert wait_until(lambda: len(functions.events("worker")) == 2, 10)
    assert wait_until(lambda: _counts(clients, url) == (0, 0), 5)
    assert [sorted(b) for b in _bodies(functions, "worker")] == [["a", "b"], ["a", "b"]]


def test_maximum_concurrency_bounds_concurrent_batches(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a slow consumer, single-message batches and MaximumConcurrency 2
    url, arn = _queue(clients, "orders", VisibilityTimeout="30")
    lock = threading.Lock()
    running = [0]
    peak = [0]

    def consume(event: dict[str, Any], _context: object) -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.3)
        with lock:
            running[0] -= 1

    functions.create("worker", consume)
    clients.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName="worker", BatchSize=1, ScalingConfig={"MaximumConcurrency": 2}
    )
    _send(clients, url, *[f"m{i}" for i in range(8)])

    # When the mapping drains the queue (with a default of 5 pollers it would run up to 5 at once)
    make_sources(sqs_default_concurrency=5)
    assert wait_until(lambda: len(functions.events("worker")) == 8, 15)

    # Then never more than 2 batches ran at once — and 2 did
    assert peak[0] == 2
    assert sorted(b for batch in _bodies(functions, "worker") for b in batch) == sorted(f"m{i}" for i in range(8))


def test_batch_size_and_batching_window_shape_the_batches(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given 7 waiting messages, BatchSize 5 and a 1 s batching window, one poller
    url, arn = _queue(clients, "orders", VisibilityTimeout="30")
    functions.create("worker", lambda event, _context: None)
    clients.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName="worker", BatchSize=5, MaximumBatchingWindowInSeconds=1
    )
    _send(clients, url, *[f"m{i}" for i in range(7)])

    # When it runs
    make_sources(sqs_default_concurrency=1)

    # Then the function sees a full batch of 5, then the remaining 2
    assert wait_until(lambda: len(functions.events("worker")) == 2, 10)
    assert [len(b) for b in _bodies(functions, "worker")] == [5, 2]


def test_disabled_mapping_does_not_consume_until_enabled(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a disabled mapping and a waiting message
    url, arn = _queue(clients, "orders", VisibilityTimeout="30")
    functions.create("worker", lambda event, _context: None)
    mapping = clients.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName="worker", Enabled=False
    )
    _send(clients, url, "waiting")
    sources = make_sources()

    # When time passes, nothing is consumed
    time.sleep(1.5)
    assert functions.events("worker") == []
    assert _counts(clients, url) == (1, 0)

    # When the mapping is enabled in the emulator, the next refresh starts it
    clients.client("lambda").update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    sources.sqs.refresh()
    assert wait_until(lambda: len(functions.events("worker")) == 1, 5)


def test_sqs_event_has_the_shape_lambda_sends(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a message with attributes
    url, arn = _queue(clients, "orders", VisibilityTimeout="30")
    functions.create("worker", lambda event, _context: None)
    clients.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="worker")
    clients.client("sqs").send_message(
        QueueUrl=url,
        MessageBody='{"order": 1}',
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "OrderCreated"}},
    )

    # When it is delivered
    make_sources()
    assert wait_until(lambda: len(functions.events("worker")) == 1, 5)

    # Then Powertools' own SQS model accepts it, with the real values in it
    event = functions.events("worker")[0]
    record = SqsModel.model_validate(event).Records[0]
    raw = event["Records"][0]
    assert raw["eventSource"] == "aws:sqs"
    assert raw["eventSourceARN"] == arn
    assert raw["awsRegion"] == "us-east-1"
    assert raw["md5OfBody"] == hashlib.md5(b'{"order": 1}').hexdigest()
    assert raw["messageAttributes"]["kind"]["stringValue"] == "OrderCreated"
    assert raw["attributes"]["ApproximateReceiveCount"] == "1"
    assert int(raw["attributes"]["SentTimestamp"]) > 0
    assert record.body == '{"order": 1}'


def test_invalid_partial_batch_response_fails_the_whole_batch() -> None:
    # Given a batch of two ids
    ids = {"m1", "m2"}

    # Then an unknown identifier, an empty one or non-JSON fail everything; an empty list fails nothing
    assert failed_message_ids(b'{"batchItemFailures": [{"itemIdentifier": "other"}]}', ids) == ids
    assert failed_message_ids(b'{"batchItemFailures": [{"itemIdentifier": ""}]}', ids) == ids
    assert failed_message_ids(b"not json", ids) == ids
    assert failed_message_ids(b'{"batchItemFailures": []}', ids) == set()
    assert failed_message_ids(b"null", ids) == set()
    assert failed_message_ids(b'{"batchItemFailures": [{"itemIdentifier": "m2"}]}', ids) == {"m2"}


def test_pollers_never_outnumber_what_the_data_plane_can_run(
    clients: AwsClients, functions: LocalFunctions, emulator_url: str
) -> None:
    # Given MaximumConcurrency 5 but a data plane that runs 1 invocation of the function at a time
    url, arn = _queue(clients, "orders", VisibilityTimeout="30")
    lock = threading.Lock()
    running = [0]
    peak = [0]

    def consume(event: dict[str, Any], _context: object) -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        with lock:
            running[0] -= 1

    functions.create("worker", consume)
    clients.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName="worker", BatchSize=1, ScalingConfig={"MaximumConcurrency": 5}
    )
    asked: list[str] = []

    def limit(function: str) -> int:
        asked.append(function)
        return 1

    _send(clients, url, *[f"m{i}" for i in range(4)])

    # When the mapping drains the queue
    sources = EventSources(
        functions.invoke, emulator_url, EventSourceOptions(refresh_interval_s=0.5), concurrency_limit=limit
    )
    sources.start()
    try:
        assert wait_until(lambda: len(functions.events("worker")) == 4, 15)
        (poller,) = sources.sqs.pollers.values()
    finally:
        sources.stop()

    # Then one poller ran (no batch waited for a worker while its visibility timeout ran), asked about the function
    assert poller.concurrency == 1
    assert peak[0] == 1
    assert asked
    assert asked[0].endswith(":worker")


def test_a_larger_data_plane_limit_keeps_the_mappings_maximum(
    clients: AwsClients, functions: LocalFunctions, emulator_url: str
) -> None:
    _, arn = _queue(clients, "orders", VisibilityTimeout="30")
    functions.create("worker", lambda event, context: None)
    clients.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName="worker", BatchSize=1, ScalingConfig={"MaximumConcurrency": 2}
    )

    sources = EventSources(
        functions.invoke, emulator_url, EventSourceOptions(refresh_interval_s=0.5), concurrency_limit=lambda _: 10
    )
    sources.start()
    try:
        (poller,) = sources.sqs.pollers.values()
    finally:
        sources.stop()

    assert poller.concurrency == 2
