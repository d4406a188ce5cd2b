"""Asynchronous (Event) invocation with Lambda's semantics.

Lambda queues the event, answers 202, and a separate process invokes the function. On a function error
(including a timeout) it retries ``MaximumRetryAttempts`` times (default 2) waiting 1 minute, then 2 minutes;
an event older than ``MaximumEventAgeInSeconds`` (default 6 h) is discarded. Then the outcome goes to the
on-success / on-failure destination (and, on failure, the function's dead-letter queue). A failure with
nowhere to go is logged at ERROR with the whole record and counted — never silent.

Locally ``time_scale`` shrinks the clock these rules run on: delays are multiplied by it, and an event's age
is its real age divided by it, so "a retry after 1 minute exceeds a 60 s maximum age" still holds.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from scripts.arns import parse_function_ref
from scripts.local.events.aws import AwsClients
from scripts.local.events.destinations import Condition, DestinationError, DestinationSender, InvocationRecord
from scripts.local.events.invoke import Invoke, InvokeResultLike

__all__ = ["AsyncInvoker", "AsyncStats", "FailedResult"]

log = logging.getLogger("local.events.async")

DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_EVENT_AGE_S = 6 * 60 * 60
RETRY_DELAYS_S = (60.0, 120.0)  # before the first retry, before the second


@dataclass
class AsyncStats:
    """Counters a person (or a test) can read; ``dropped`` are failures with no destination and no DLQ."""

    submitted: int = 0
    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    dropped: int = 0
    destination_failures: int = 0


@dataclass(frozen=True)
class FailedResult:
    """The result recorded when the invoker itself raised (e.g. the runtime could not start the function)."""

    request_id: str
    payload: bytes
    function_error: str | None = "Unhandled"


@dataclass(order=True)
class _Event:
    due: float
    seq: int
    request_id: str = field(compare=False)
    function_name: str = field(compare=False)
    qualifier: str | None = field(compare=False)
    payload: bytes = field(compare=False)
    enqueued_at: float = field(compare=False)
    attempts: int = field(default=0, compare=False)
    last_result: InvokeResultLike | None = field(default=None, compare=False)


@dataclass(frozen=True)
class _AsyncConfig:
    function_arn: str  # qualified
    executed_version: str
    max_retries: int
    max_age_s: float
    on_success: str | None
    on_failure: str | None
    dead_letter_arn: str | None


class AsyncInvoker:
    """A queue of Event invocations worked by ``workers`` threads; ``submit`` is what Invoke(Event) maps to."""

    def __init__(self, invoke: Invoke, clients: AwsClients, *, workers: int = 4, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError(f"time_scale must be > 0, got {time_scale}")
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self._invoke = invoke
        self._clients = clients
        self._workers = workers
        self.time_scale = time_scale
        self._destinations = DestinationSender(clients, self.submit)
        self._heap: list[_Event] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._in_flight = 0
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self.stats = AsyncStats()

    # --- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> None:
        with self._cond:
            if self._threads:
                return
            self._stopping = False
            self._threads = [
                threading.Thread(target=self._work, name=f"async-invoke-{i}", daemon=True) for i in range(self._workers)
            ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the workers after their current invocation; queued events that never ran are logged as lost."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._cond:
            if self._heap:
                log.error("async queue stopped with %d event(s) not yet delivered", len(self._heap))
            self._threads = []

    # --- API -------------------------------------------------------------------------------------------------
    def submit(self, function_name: str, payload: bytes, qualifier: str | None = None) -> str:
        """Queue an Event invocation and return its request id (what Invoke answers with a 202)."""
        ref = parse_function_ref(function_name, qualifier)
        request_id = str(uuid.uuid4())
        now = time.monotonic()
        event = _Event(
            due=now,
            seq=next(self._seq),
            request_id=request_id,
            function_name=ref.unqualified,
            qualifier=ref.qualifier,
            payload=bytes(payload),
            enqueued_at=now,
        )
        with self._cond:
            self.stats.submitted += 1
            heapq.heappush(self._heap, event)
            self._cond.notify()
        log.info("queued async invoke %s of %s", request_id, function_name)
        return request_id

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or running (retries included); False when ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))
            return True

    # --- workers ---------------------------------------------------------------------------------------------
    def _next_due(self) -> _Event | None:
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                if self._heap and self._heap[0].due <= now:
                    self._in_flight += 1
                    return heapq.heappop(self._heap)
                self._cond.wait(self._heap[0].due - now if self._heap else None)
            return None

    def _work(self) -> None:
        while (event := self._next_due()) is not None:
            try:
                self._attempt(event)
            except Exception:  # e.g. the emulator went away: say so loudly, keep the worker alive
                with self._cond:
                    self.stats.failed += 1
                    self.stats.dropped += 1
                log.exception(
                    "ASYNC EVENT DROPPED: %s of %s: the data plane could not process it",
                    event.request_id,
                    event.function_name,
                )
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _attempt(self, event: _Event) -> None:
        config = self._config(event)
        if config is None:
            return
        age_s = (time.monotonic() - event.enqueued_at) / self.time_scale
        if age_s > config.max_age_s:
            self._fail(event, config, Condition.EVENT_AGE_EXCEEDED)
            return

        event.attempts += 1
        result = self._call(event)
        event.last_result = result
        if not result.function_error:
            with self._cond:
                self.stats.succeeded += 1
            log.info(
                "async invoke %s of %s succeeded (attempt %d)", event.request_id, config.function_arn, event.attempts
            )
            if config.on_success:
                self._deliver(config.on_success, self._record(event, config, Condition.SUCCESS))
            return

        retries_done = event.attempts - 1
        if retries_done < config.max_retries:
            delay = RETRY_DELAYS_S[min(retries_done, len(RETRY_DELAYS_S) - 1)] * self.time_scale
            log.warning(
                "async invoke %s of %s failed (%s, attempt %d); retrying in %.2fs",
                event.request_id,
                config.function_arn,
                result.function_error,
                event.attempts,
                delay,
            )
            with self._cond:
                self.stats.retried += 1
                event.due = time.monotonic() + delay
                event.seq = next(self._seq)
                heapq.heappush(self._heap, event)
                self._cond.notify()
            return
        self._fail(event, config, Condition.RETRIES_EXHAUSTED)

    def _call(self, event: _Event) -> InvokeResultLike:
        try:
            return self._invoke(event.function_name, event.payload, event.qualifier)
        except Exception as exc:  # the runtime failing is a failed attempt: retried, then sent to the destination
            log.exception("invoker raised for async invoke %s of %s", event.request_id, event.function_name)
            body = {"errorMessage": str(exc), "errorType": type(exc).__name__}
            return FailedResult(request_id=event.request_id, payload=json.dumps(body).encode())

    def _fail(self, event: _Event, config: _AsyncConfig, condition: Condition) -> None:
        record = self._record(event, config, condition)
        with self._cond:
            self.stats.failed += 1
        delivered = False
        for arn, dead_letter in ((config.on_failure, False), (config.dead_letter_arn, True)):
            if arn:
                delivered = self._deliver(arn, record, dead_letter=dead_letter) or delivered
        if not delivered:
            with self._cond:
                self.stats.dropped += 1
            log.error(
                "ASYNC EVENT DROPPED: %s of %s failed (%s after %d attempt(s)) and has no on-failure destination "
                "or dead-letter queue that accepted it; record: %s",
                event.request_id,
                config.function_arn,
                condition,
                event.attempts,
                json.dumps(record.to_json()),
            )
        else:
            log.warning(
                "async invoke %s of %s failed (%s); record sent to its failure destination",
                event.request_id,
                config.function_arn,
                condition,
            )

    def _record(self, event: _Event, config: _AsyncConfig, condition: Condition) -> InvocationRecord:
        return InvocationRecord(
            request_id=event.request_id,
            function_arn=config.function_arn,
            condition=condition,
            invoke_count=event.attempts,
            request_payload=event.payload,
            executed_version=config.executed_version,
            last_result=event.last_result,
        )

    def _deliver(self, arn: str, record: InvocationRecord, *, dead_letter: bool = False) -> bool:
        """Send to a destination (or dead-letter queue); a failure is counted and logged, and False."""
        send = self._destinations.send_to_dlq if dead_letter else self._destinations.send_record
        try:
            send(arn, record)
        except DestinationError as exc:
            with self._cond:
                self.stats.destination_failures += 1
            what = "dead-letter" if dead_letter else "destination"
            log.error("%s delivery failed for %s: %s", what, record.request_id, exc)
            return False
        return True

    # --- configuration, read from the emulator on every attempt (nothing configured twice) -----------------
    def _config(self, event: _Event) -> _AsyncConfig | None:
        lam = self._clients.client("lambda")
        qualifier_kw: dict[str, Any] = {"Qualifier": event.qualifier} if event.qualifier else {}
        try:
            function = lam.get_function_configuration(FunctionName=event.function_name, **qualifier_kw)
        except ClientError as exc:
            with self._cond:
                self.stats.failed += 1
                self.stats.dropped += 1
            log.error(
                "ASYNC EVENT DROPPED: %s for %s: function configuration unavailable: %s",
                event.request_id,
                event.function_name,
                exc,
            )
            return None
        invoke_config: dict[str, Any] = {}
        try:
            invoke_config = lam.get_function_event_invoke_config(FunctionName=event.function_name, **qualifier_kw)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
        version = event.qualifier or "$LATEST"
        destinations = invoke_config.get("DestinationConfig", {})
        return _AsyncConfig(
            function_arn=f"{parse_function_ref(str(function['FunctionArn'])).unqualified}:{version}",
            executed_version=str(function.get("Version", "$LATEST")),
            max_retries=int(invoke_config.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES)),
            max_age_s=float(invoke_config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_S)),
            on_success=destinations.get("OnSuccess", {}).get("Destination") or None,
            on_failure=destinations.get("OnFailure", {}).get("Destination") or None,
            dead_letter_arn=function.get("DeadLetterConfig", {}).get("TargetArn") or None,
        )
