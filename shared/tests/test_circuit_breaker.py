from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from shared.circuit_breaker import CircuitBreaker, CircuitOpenError, CircuitState, State
from shared.errors import RetryableError, ValidationError, error_body
from shared.settings import SettingsError

TABLE = "circuits"


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def table(moto_aws: None, create_table: Any) -> str:
    create_table(TABLE)
    return TABLE


@pytest.fixture
def serialized_breaker(moto_aws: None, serialized_dynamodb: None, create_table: Any, clock: Clock) -> CircuitBreaker:
    """A breaker on a DynamoDB that, like the real one, applies each item write atomically."""
    create_table(TABLE)
    return CircuitBreaker(
        "payments", table_name=TABLE, failure_threshold=3, base_open_seconds=10, max_open_seconds=25, clock=clock
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(table: str, clock: Clock) -> CircuitBreaker:
    return CircuitBreaker(
        "payments", table_name=table, failure_threshold=3, base_open_seconds=10, max_open_seconds=25, clock=clock
    )


def failing(message: str = "payment API down") -> Callable[[], None]:
    def call() -> None:
        raise RetryableError(message)

    return call


def trip(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(RetryableError):
            breaker.call(failing())


def test_closed_circuit_calls_through_and_returns_the_result(breaker: CircuitBreaker) -> None:
    assert breaker.call(lambda amount: amount * 2, 21) == 42
    assert breaker.state() == CircuitState()


def test_threshold_failures_open_the_circuit(breaker: CircuitBreaker, clock: Clock) -> None:
    trip(breaker, 3)
    state = breaker.state()
    assert (state.state, state.opened_count, state.open_until) == (State.OPEN, 1, clock.now + 10)


def test_open_circuit_fails_fast_with_503_without_calling(breaker: CircuitBreaker, clock: Clock) -> None:
    # Given an open circuit
    trip(breaker, 3)
    calls: list[int] = []
    clock.now += 4
    # When
    with pytest.raises(CircuitOpenError) as caught:
        breaker.call(lambda: calls.append(1))
    # Then the protected function never ran and the error maps to 503 + Retry-After
    assert calls == []
    status, body, headers = error_body(caught.value, request_id="r")
    assert (status, body["error"]["code"], headers) == (503, "circuit_open", {"Retry-After": "6"})


def test_failures_below_threshold_are_forgotten_after_a_success(breaker: CircuitBreaker) -> None:
    trip(breaker, 2)
    assert breaker.state().failures == 2
    breaker.call(lambda: None)
    assert breaker.state().failures == 0
    trip(breaker, 2)
    assert breaker.state().state is State.CLOSED


def test_client_errors_do_not_count_as_failures(breaker: CircuitBreaker) -> None:
    def reject() -> None:
        raise ValidationError(fields={"card": "expired"})

    for _ in range(5):
        with pytest.raises(ValidationError):
            breaker.call(reject)
    assert breaker.state().state is State.CLOSED
    assert breaker.state().failures == 0


def test_successful_trial_closes_the_circuit(breaker: CircuitBreaker, clock: Clock) -> None:
    trip(breaker, 3)
    clock.now += 10
    assert breaker.call(lambda: "paid") == "paid"
    assert breaker.state().state is State.CLOSED
    assert breaker.state().opened_count == 0


def test_failed_trial_reopens_with_a_doubled_then_capped_wait(breaker: CircuitBreaker, clock: Clock) -> None:
    trip(breaker, 3)  # open for 10 s
    clock.now += 10
    trip(breaker, 1)  # trial fails: open for 20 s
    assert breaker.state().open_until == clock.now + 20
    clock.now += 20
    trip(breaker, 1)  # trial fails again: 40 s capped at 25 s
    state = breaker.state()
    assert (state.state, state.opened_count, state.open_until) == (State.OPEN, 3, clock.now + 25)


def test_half_open_lets_only_the_trial_through(breaker: CircuitBreaker, clock: Clock) -> None:
    trip(breaker, 3)
    clock.now += 10
    inside: list[str] = []

    def trial() -> str:
        # While the trial runs, another invocation tries the same dependency.
        with pytest.raises(CircuitOpenError):
            breaker.call(lambda: inside.append("second"))
        return "ok"

    assert breaker.call(trial) == "ok"
    assert inside == []


def test_an_abandoned_trial_is_taken_over_after_its_lease(table: str, clock: Clock) -> None:
    breaker = CircuitBreaker("payments", table_name=table, failure_threshold=1, trial_timeout_seconds=30, clock=clock)
    trip(breaker, 1)
    clock.now += 5
    # A trial starts and its invocation dies before reporting (simulated by admitting without finishing).
    assert breaker._admit() is not None
    assert breaker.state().state is State.HALF_OPEN
    with pytest.raises(CircuitOpenError):
        breaker.call(lambda: None)
    clock.now += 30
    assert breaker.call(lambda: "back") == "back"
    assert breaker.state().state is State.CLOSED


def test_two_concurrent_transitions_from_the_same_state_cannot_both_win(serialized_breaker: CircuitBreaker) -> None:
    breaker = serialized_breaker
    # Given two invocations that read the same state
    trip(breaker, 2)
    seen = breaker.state()
    barrier = threading.Barrier(2)
    results: list[CircuitState | None] = []

    def open_it(open_until: float) -> None:
        barrier.wait()
        results.append(breaker._transition(seen, CircuitState(state=State.OPEN, open_until=open_until)))

    # When both try to change it at once
    threads = [threading.Thread(target=open_it, args=(until,)) for until in (111.0, 222.0)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then exactly one wins and the stored state is the winner's, one version later
    winners = [result for result in results if result is not None]
    assert len(winners) == 1
    assert breaker.state() == winners[0]
    assert breaker.state().version == seen.version + 1


def test_concurrent_callers_after_the_wait_get_exactly_one_trial(
    serialized_breaker: CircuitBreaker, clock: Clock
) -> None:
    breaker = serialized_breaker
    # Given an open circuit whose wait is over and 8 invocations arriving at once
    trip(breaker, 3)
    clock.now += 10
    barrier = threading.Barrier(8)
    release = threading.Event()
    trials: list[int] = []
    rejected: list[CircuitOpenError] = []

    def payment() -> str:
        trials.append(1)
        release.wait(5)  # hold the trial open while the others arrive
        return "ok"

    def invoke() -> None:
        barrier.wait()
        try:
            breaker.call(payment)
        except CircuitOpenError as exc:
            rejected.append(exc)

    threads = [threading.Thread(target=invoke) for _ in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while len(rejected) < 7 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join()
    # Then one call reached the dependency, the others failed fast, and the trial closed the circuit
    assert len(trials) == 1
    assert len(rejected) == 7
    assert breaker.state().state is State.CLOSED


def test_concurrent_failures_open_the_circuit_once(serialized_breaker: CircuitBreaker) -> None:
    breaker = serialized_breaker
    barrier = threading.Barrier(6)

    def fail() -> None:
        barrier.wait()
        with contextlib.suppress(RetryableError, CircuitOpenError):
            breaker.call(failing())

    threads = [threading.Thread(target=fail) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    state = breaker.state()
    assert state.state is State.OPEN
    assert state.opened_count == 1


def test_table_comes_from_circuit_table_on_first_use(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CIRCUIT_TABLE", raising=False)
    breaker = CircuitBreaker("payments")  # constructing reads nothing
    with pytest.raises(SettingsError, match="missing CIRCUIT_TABLE"):
        breaker.call(lambda: None)


def test_nonsense_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker("x", failure_threshold=0)
    with pytest.raises(ValueError, match="base_open_seconds"):
        CircuitBreaker("x", base_open_seconds=60, max_open_seconds=30)
