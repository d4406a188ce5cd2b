"""A circuit breaker whose state lives in DynamoDB, shared by every concurrent invocation.

States: CLOSED (calls go through, consecutive failures are counted) → OPEN after ``failure_threshold``
failures (calls fail fast with :class:`CircuitOpenError`, HTTP 503, until ``open_until``) → HALF_OPEN (exactly
one trial call goes through) → CLOSED on success, or OPEN again with a doubled wait (capped) on failure.

Concurrency: every state change is a conditional write on the item's ``version``, so of two invocations that
read the same state only one can change it; the loser treats the circuit as busy. The failure counter is an
atomic ``ADD``. A trial that never reports back (its Lambda timed out) holds a lease of
``trial_timeout_seconds``; after that another invocation may take the trial over.

Item (table ``CIRCUIT_TABLE``, keys ``pk``/``sk``): ``pk = "circuit#<name>"``, ``sk = "state"``, plus
``state``, ``failures``, ``opened_count``, ``open_until``, ``trial_until`` (epoch seconds) and ``version``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar

from botocore.exceptions import ClientError

from shared import aws
from shared.errors import ServiceUnavailableError, is_retryable
from shared.observability import logger
from shared.settings import EnvSettings, load_settings

__all__ = ["CircuitBreaker", "CircuitOpenError", "CircuitState", "State"]

P = ParamSpec("P")
R = TypeVar("R")


class State(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


class CircuitOpenError(ServiceUnavailableError):
    """The protected dependency is failing; the call was not attempted. HTTP 503 with ``Retry-After``."""

    code = "circuit_open"


@dataclass(frozen=True)
class CircuitState:
    """One read of the breaker's item; ``version == 0`` means the item does not exist yet (CLOSED)."""

    state: State = State.CLOSED
    failures: int = 0
    opened_count: int = 0
    open_until: float = 0.0
    trial_until: float = 0.0
    version: int = 0


class _CircuitSettings(EnvSettings):
    circuit_table: str


def _number(value: float) -> Decimal:
    return Decimal(str(round(value, 3)))


class CircuitBreaker:
    """Protect calls to one dependency (``name``), e.g. ``CircuitBreaker("payment-api").call(charge, order)``."""

    def __init__(
        self,
        name: str,
        *,
        table_name: str | None = None,
        failure_threshold: int = 5,
        base_open_seconds: float = 5.0,
        max_open_seconds: float = 300.0,
        trial_timeout_seconds: float = 30.0,
        counts_as_failure: Callable[[BaseException], bool] = is_retryable,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if not 0 < base_open_seconds <= max_open_seconds:
            raise ValueError("need 0 < base_open_seconds <= max_open_seconds")
        self.name = name
        self._table_name = table_name
        self.failure_threshold = failure_threshold
        self.base_open_seconds = base_open_seconds
        self.max_open_seconds = max_open_seconds
        self.trial_timeout_seconds = trial_timeout_seconds
        self.counts_as_failure = counts_as_failure
        self.clock = clock
        self._key = {"pk": f"circuit#{name}", "sk": "state"}

    @property
    def table_name(self) -> str:
        # Resolved on first use, not at construction: module-level breakers must not read the env at import.
        if self._table_name is None:
            self._table_name = load_settings(_CircuitSettings).circuit_table
        return self._table_name

    def _table(self) -> Any:
        return aws.dynamodb_table(self.table_name)

    def open_seconds(self, opened_count: int) -> float:
        """How long the circuit stays open after its ``opened_count``-th consecutive opening (0-based)."""
        return min(self.max_open_seconds, self.base_open_seconds * 2.0**opened_count)

    def state(self) -> CircuitState:
        """The current state (strongly consistent read)."""
        item = self._table().get_item(Key=self._key, ConsistentRead=True).get("Item")
        if not item:
            return CircuitState()
        return CircuitState(
            state=State(item.get("state", State.CLOSED)),
            failures=int(item.get("failures", 0)),
            opened_count=int(item.get("opened_count", 0)),
            open_until=float(item.get("open_until", 0)),
            trial_until=float(item.get("trial_until", 0)),
            version=int(item.get("version", 0)),
        )

    def _transition(self, seen: CircuitState, new: CircuitState) -> CircuitState | None:
        """Write ``new`` only if the item is still at ``seen.version``; None when another invocation won."""
        written = CircuitState(
            state=new.state,
            failures=new.failures,
            opened_count=new.opened_count,
            open_until=new.open_until,
            trial_until=new.trial_until,
            version=seen.version + 1,
        )
        item = {
            **self._key,
            "state": written.state.value,
            "failures": written.failures,
            "opened_count": written.opened_count,
            "open_until": _number(written.open_until),
            "trial_until": _number(written.trial_until),
            "version": written.version,
        }
        if seen.version == 0:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "version = :seen",
                "ExpressionAttributeValues": {":seen": seen.version},
            }
        try:
            self._table().put_item(Item=item, **condition)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise
        logger.info(
            "circuit transition",
            extra={"circuit": self.name, "from": seen.state.value, "to": written.state.value},
        )
        return written

    def _open_error(self, retry_after: float) -> CircuitOpenError:
        return CircuitOpenError(f"{self.name} is unavailable (circuit open)", retry_after=max(1.0, retry_after))

    def _admit(self) -> CircuitState | None:
        """Decide whether this call may run: None for a normal (CLOSED) call, the trial's state for a trial."""
        seen = self.state()
        now = self.clock()
        if seen.state is State.CLOSED:
            return None
        if seen.state is State.OPEN and now < seen.open_until:
            raise self._open_error(seen.open_until - now)
        if seen.state is State.HALF_OPEN and now < seen.trial_until:
            raise self._open_error(seen.trial_until - now)
        # OPEN and its wait is over, or HALF_OPEN whose trial was abandoned: try to become the one trial.
        trial = self._transition(
            seen,
            CircuitState(
                state=State.HALF_OPEN,
                opened_count=seen.opened_count,
                open_until=seen.open_until,
                trial_until=now + self.trial_timeout_seconds,
            ),
        )
        if trial is None:
            raise self._open_error(self.trial_timeout_seconds)
        return trial

    def _record_success(self, trial: CircuitState | None) -> None:
        if trial is not None:
            self._transition(trial, CircuitState(state=State.CLOSED))
            return
        try:  # a success ends a run of consecutive failures
            self._table().update_item(
                Key=self._key,
                UpdateExpression="SET failures = :zero",
                ConditionExpression="#state = :closed AND failures > :zero",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":zero": 0, ":closed": State.CLOSED.value},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def _record_failure(self, trial: CircuitState | None) -> None:
        now = self.clock()
        if trial is not None:
            self._transition(
                trial,
                CircuitState(
                    state=State.OPEN,
                    opened_count=trial.opened_count + 1,
                    open_until=now + self.open_seconds(trial.opened_count),
                ),
            )
            return
        try:
            updated = self._table().update_item(
                Key=self._key,
                UpdateExpression=(
                    "ADD failures :one SET #state = if_not_exists(#state, :closed), "
                    "version = if_not_exists(version, :one), opened_count = if_not_exists(opened_count, :zero)"
                ),
                ConditionExpression="attribute_not_exists(pk) OR #state = :closed",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":one": 1, ":zero": 0, ":closed": State.CLOSED.value},
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return  # another invocation already opened the circuit
            raise
        failures = int(updated["failures"])
        if failures < self.failure_threshold:
            return
        seen = CircuitState(
            state=State.CLOSED,
            failures=failures,
            opened_count=int(updated.get("opened_count", 0)),
            version=int(updated["version"]),
        )
        self._transition(
            seen,
            CircuitState(
                state=State.OPEN,
                opened_count=seen.opened_count + 1,
                open_until=now + self.open_seconds(seen.opened_count),
            ),
        )

    def call(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run ``fn`` unless the circuit is open; record its outcome. ``fn``'s own errors propagate unchanged."""
        trial = self._admit()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            if self.counts_as_failure(exc):
                self._record_failure(trial)
            elif trial is not None:
                # The dependency answered (a client error is not an outage): the trial proved it is back.
                self._record_success(trial)
            raise
        self._record_success(trial)
        return result

    def protect(self, fn: Callable[P, R]) -> Callable[P, R]:
        """Decorator form of :meth:`call`."""

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            return self.call(fn, *args, **kwargs)

        return wrapper
