"""SQS event source mappings with Lambda's semantics, read from ``ListEventSourceMappings``.

Per enabled mapping, ``ScalingConfig.MaximumConcurrency`` pollers each long-poll the queue, gather up to
``BatchSize`` messages within ``MaximumBatchingWindowInSeconds``, invoke the function synchronously with
an ``aws:sqs`` event, and then:

* success → the batch is deleted (``DeleteMessageBatch``);
* ``ReportBatchItemFailures`` and ``{"batchItemFailures": [{"itemIdentifier": id}]}`` → only those ids stay
  (they reappear after the queue's visibility timeout), the rest are deleted; an invalid response
  (not JSON, an empty/unknown ``itemIdentifier``) fails the whole batch, as Lambda does;
* a function error or timeout → nothing is deleted: the whole batch reappears after the visibility timeout.

Messages are received with the queue's own visibility timeout. The queue's RedrivePolicy moves a message to
its DLQ once it has been received ``maxReceiveCount`` times — the emulator (moto 5.2) does that move itself
on the next ReceiveMessage, exactly as SQS does, so nothing here duplicates it (see README.md).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scripts.arns import parse_arn, parse_function_ref
from scripts.local.events.aws import AwsClients
from scripts.local.events.invoke import Invoke

__all__ = ["SqsEventSources", "SqsMapping", "SqsPoller", "SqsPollerStats", "build_sqs_event", "failed_message_ids"]

log = logging.getLogger("local.events.sqs")

_RECEIVE_MAX = 10  # ReceiveMessage returns at most 10 messages per call

# How many invocations of a function (name or ARN) the data plane can run at once (DataPlane.concurrency_limit).
ConcurrencyLimit = Callable[[str], int]


@dataclass(frozen=True)
class SqsMapping:
    """The parts of one event source mapping that change how it polls (a change restarts its poller)."""

    uuid: str
    queue_arn: str
    function_arn: str
    batch_size: int
    batching_window_s: float
    report_batch_item_failures: bool
    max_concurrency: int
    enabled: bool

    @classmethod
    def from_api(cls, item: dict[str, Any], default_concurrency: int) -> SqsMapping:
        scaling = item.get("ScalingConfig") or {}
        return cls(
            uuid=str(item["UUID"]),
            queue_arn=str(item["EventSourceArn"]),
            function_arn=str(item["FunctionArn"]),
            batch_size=int(item.get("BatchSize") or 10),
            batching_window_s=float(item.get("MaximumBatchingWindowInSeconds") or 0),
            report_batch_item_failures="ReportBatchItemFailures" in (item.get("FunctionResponseTypes") or []),
            max_concurrency=int(scaling.get("MaximumConcurrency") or default_concurrency),
            enabled=str(item.get("State", "Enabled")) in ("Enabled", "Enabling", "Updating"),
        )


def build_sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The ``aws:sqs`` event Lambda sends for a batch of ReceiveMessage results."""
    region = parse_arn(queue_arn).region
    records = []
    for message in messages:
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": {
                name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        }
        if message.get("MD5OfMessageAttributes"):
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        records.append(record)
    return {"Records": records}


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    # Lambda's record spells message attributes in camelCase and base64-encodes binary values.
    attribute: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute


def failed_message_ids(payload: bytes, batch_ids: set[str]) -> set[str]:
    """Ids a partial batch response reports as failed; an invalid response fails the whole batch."""
    try:
        response = json.loads(payload) if payload.strip() else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        log.error("partial batch response is not JSON; the whole batch fails: %r", payload[:200])
        return set(batch_ids)
    if not isinstance(response, dict) or not response.get("batchItemFailures"):
        return set()
    failures = response["batchItemFailures"]
    if not isinstance(failures, list):
        log.error("batchItemFailures is not a list; the whole batch fails: %r", failures)
        return set(batch_ids)
    failed: set[str] = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in batch_ids:
            log.error("invalid itemIdentifier %r in batchItemFailures; the whole batch fails", identifier)
            return set(batch_ids)
        failed.add(identifier)
    return failed


@dataclass
class SqsPollerStats:
    batches: int = 0
    deleted: int = 0
    returned: int = 0  # messages left to reappear after the visibility timeout
    function_errors: int = 0
    max_concurrent: int = 0
    _running: int = field(default=0, repr=False)


class SqsPoller:
    """Polls one queue for one mapping with ``max_concurrency`` threads (each runs one batch at a time).

    With ``concurrency_limit``, no more threads than the data plane can run invocations of the function at once:
    a poller holding a batch while it waits for a worker would let the messages' visibility timeout run out,
    and their redelivery would count a receive against good messages (Lambda only polls with concurrency it has).
    """

    def __init__(
        self,
        mapping: SqsMapping,
        invoke: Invoke,
        clients: AwsClients,
        *,
        poll_wait_s: int = 1,
        concurrency_limit: ConcurrencyLimit | None = None,
    ) -> None:
        self.mapping = mapping
        self._invoke = invoke
        self._clients = clients
        self._poll_wait_s = poll_wait_s
        self._concurrency_limit = concurrency_limit
        self.concurrency = mapping.max_concurrency
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._queue_url: str | None = None
        self.stats = SqsPollerStats()
        target = parse_function_ref(mapping.function_arn)
        self._function, self._qualifier = target.unqualified, target.qualifier

    def start(self) -> None:
        self._queue_url = self._clients.queue_url(self.mapping.queue_arn)
        self.concurrency = self.mapping.max_concurrency
        if self._concurrency_limit is not None:
            self.concurrency = max(1, min(self.concurrency, self._concurrency_limit(self.mapping.function_arn)))
        self._threads = [
            threading.Thread(target=self._run, name=f"sqs-{self.mapping.uuid[:8]}-{i}", daemon=True)
            for i in range(self.concurrency)
        ]
        for thread in self._threads:
            thread.start()
        log.info(
            "polling %s for %s (batch %d, window %.1fs, concurrency %d of maximum %d)",
            self.mapping.queue_arn,
            self.mapping.function_arn,
            self.mapping.batch_size,
            self.mapping.batching_window_s,
            self.concurrency,
            self.mapping.max_concurrency,
        )

    def signal_stop(self) -> None:
        """Ask the pollers to stop after their current receive or batch (``stop`` also waits for them)."""
        self._stop.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop receiving; batches already handed to the function finish first."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                batch = self._collect()
                if batch:
                    self._process(batch)
            except Exception:  # a broken poll must not end the poller: log it, back off, poll again
                log.exception("poller for %s failed; retrying", self.mapping.queue_arn)
                self._stop.wait(1.0)

    def _receive(self, count: int, wait_s: int) -> list[dict[str, Any]]:
        response = self._clients.client("sqs").receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=wait_s,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    def _collect(self) -> list[dict[str, Any]]:
        batch = self._receive(min(_RECEIVE_MAX, self.mapping.batch_size), self._poll_wait_s)
        if not batch or self.mapping.batching_window_s <= 0:
            return batch
        window_ends = time.monotonic() + self.mapping.batching_window_s
        while len(batch) < self.mapping.batch_size and not self._stop.is_set():
            remaining = window_ends - time.monotonic()
            if remaining <= 0:
                break
            wait_s = min(self._poll_wait_s, int(remaining))
            more = self._receive(min(_RECEIVE_MAX, self.mapping.batch_size - len(batch)), wait_s)
            batch = _merge(batch, more)
            if not more and wait_s == 0:
                time.sleep(min(0.05, max(0.0, window_ends - time.monotonic())))
        return batch

    def _process(self, batch: list[dict[str, Any]]) -> None:
        event = build_sqs_event(batch, self.mapping.queue_arn)
        with self._lock:
            self.stats.batches += 1
            self.stats._running += 1
            self.stats.max_concurrent = max(self.stats.max_concurrent, self.stats._running)
        try:
            result = self._invoke(self._function, json.dumps(event).encode(), self._qualifier)
        finally:
            with self._lock:
                self.stats._running -= 1
        ids = {m["MessageId"] for m in batch}
        if result.function_error:
            with self._lock:
                self.stats.function_errors += 1
                self.stats.returned += len(batch)
            log.warning(
                "%s failed (%s) on a batch of %d from %s; the whole batch returns to the queue",
                self.mapping.function_arn,
                result.function_error,
                len(batch),
                self.mapping.queue_arn,
            )
            return
        failed = failed_message_ids(result.payload, ids) if self.mapping.report_batch_item_failures else set()
        self._delete([m for m in batch if m["MessageId"] not in failed])
        if failed:
            with self._lock:
                self.stats.returned += len(failed)
            log.info(
                "%d of %d message(s) failed in %s; they return to %s",
                len(failed),
                len(batch),
                self.mapping.function_arn,
                self.mapping.queue_arn,
            )

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        sqs = self._clients.client("sqs")
        for start in range(0, len(messages), _RECEIVE_MAX):
            chunk = messages[start : start + _RECEIVE_MAX]
            response = sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
            for failure in response.get("Failed", []):
                log.error("could not delete a processed message from %s: %s", self.mapping.queue_arn, failure)
            with self._lock:
                self.stats.deleted += len(response.get("Successful", []))


def _merge(batch: list[dict[str, Any]], more: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add received messages to a batch; one whose visibility ran out within the window replaces its older
    copy (only the newest receipt handle can delete it)."""
    by_id = {m["MessageId"]: m for m in batch}
    by_id.update({m["MessageId"]: m for m in more})
    return list(by_id.values())


class SqsEventSources:
    """Every SQS event source mapping in the emulator, kept in step with it by a refresh loop."""

    def __init__(
        self,
        invoke: Invoke,
        clients: AwsClients,
        *,
        refresh_interval_s: float = 2.0,
        poll_wait_s: int = 1,
        default_concurrency: int = 5,
        concurrency_limit: ConcurrencyLimit | None = None,
    ) -> None:
        self._invoke = invoke
        self._clients = clients
        self._refresh_interval_s = refresh_interval_s
        self._poll_wait_s = poll_wait_s
        self._default_concurrency = default_concurrency
        self._concurrency_limit = concurrency_limit
        self.pollers: dict[str, SqsPoller] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._refresh_lock = threading.Lock()

    def start(self) -> None:
        self._stop.clear()
        self.refresh()
        self._thread = threading.Thread(target=self._loop, name="sqs-mappings", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with self._refresh_lock:
            for poller in self.pollers.values():
                poller.signal_stop()  # all at once: each may be inside a long poll
            for poller in self.pollers.values():
                poller.stop(timeout)
            self.pollers.clear()

    def refresh(self) -> None:
        """Read the mappings now: start new/enabled ones, stop deleted/disabled ones, restart changed ones."""
        with self._refresh_lock:
            wanted = {m.uuid: m for m in self._list_mappings() if m.enabled}
            for uuid in list(self.pollers):
                if wanted.get(uuid) != self.pollers[uuid].mapping:
                    log.info("event source mapping %s changed or disabled; stopping its poller", uuid)
                    self.pollers.pop(uuid).stop()
            for uuid, mapping in wanted.items():
                if uuid not in self.pollers:
                    poller = SqsPoller(
                        mapping,
                        self._invoke,
                        self._clients,
                        poll_wait_s=self._poll_wait_s,
                        concurrency_limit=self._concurrency_limit,
                    )
                    try:
                        poller.start()
                    except Exception:  # e.g. its queue was deleted; logged, retried at the next refresh
                        log.exception("cannot start the poller for mapping %s (%s)", uuid, mapping.queue_arn)
                        continue
                    self.pollers[uuid] = poller

    def _list_mappings(self) -> list[SqsMapping]:
        paginator = self._clients.client("lambda").get_paginator("list_event_source_mappings")
        mappings = []
        for page in paginator.paginate():
            for item in page.get("EventSourceMappings", []):
                if parse_arn(str(item.get("EventSourceArn", "arn:::::"))).service == "sqs":
                    mappings.append(SqsMapping.from_api(item, self._default_concurrency))
        return mappings

    def _loop(self) -> None:
        while not self._stop.wait(self._refresh_interval_s):
            try:
                self.refresh()
            except Exception:  # the emulator may be restarting; say so and try again next round
                log.exception("refreshing event source mappings failed")
