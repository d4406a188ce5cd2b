"""The one payment client against a real local HTTP API, through the shared circuit breaker (state in moto)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from shared.circuit_breaker import CircuitBreaker, CircuitOpenError, State
from shared.errors import ThrottleError
from shared.payments import (
    BREAKER_NAME,
    PaymentClient,
    PaymentDeclinedError,
    PaymentRejectedError,
)
from shared.payments import PaymentUnavailableError as PaymentApiError
from tests.support.payment_provider import FakePaymentApi, running_payment_api

CIRCUIT_TABLE = "orders-circuit-test"

THRESHOLD = 3
BASE_OPEN = 10.0
MAX_OPEN = 25.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_715_600_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def circuit_table(moto_aws: None, create_table: Any) -> str:
    create_table(CIRCUIT_TABLE)
    return CIRCUIT_TABLE


@pytest.fixture
def payment_api() -> Iterator[FakePaymentApi]:
    with running_payment_api() as api:
        yield api


@pytest.fixture
def payments(circuit_table: str, payment_api: FakePaymentApi, clock: Clock) -> PaymentClient:
    breaker = CircuitBreaker(
        BREAKER_NAME,
        table_name=circuit_table,
        failure_threshold=THRESHOLD,
        base_open_seconds=BASE_OPEN,
        max_open_seconds=MAX_OPEN,
        clock=clock,
    )
    # Generous: a healthy local API must never time out on a loaded machine; the timeout test sets its own.
    return PaymentClient(payment_api.url, breaker=breaker, timeout=5.0)


def charge(payments: PaymentClient, n: int = 1) -> Any:
    return payments.charge(f"o-{n}", Decimal("12.5"), f"charge:o-{n}")


def fail_until_open(payments: PaymentClient, payment_api: FakePaymentApi) -> None:
    payment_api.mode = "fail"
    for n in range(THRESHOLD):
        with pytest.raises(PaymentApiError):
            charge(payments, n)


def test_charge_posts_the_order_with_its_idempotency_key(payments: PaymentClient, payment_api: FakePaymentApi) -> None:
    # Given a healthy payment API
    # When an order is charged
    result = payments.charge("o-1", Decimal("12.5"), "charge:o-1", currency="EUR")
    # Then the API got the amount in cents precision and the key, and the result carries its payment id
    assert payment_api.requests == [
        {
            "path": "/charges",
            "body": {"order_id": "o-1", "amount": "12.50", "currency": "EUR"},
            "idempotency_key": "charge:o-1",
        }
    ]
    assert (result.payment_id, result.status, result.amount) == ("pay_0001", "succeeded", "12.50")


def test_retried_charge_with_the_same_key_is_the_same_payment(
    payments: PaymentClient, payment_api: FakePaymentApi
) -> None:
    # Given a charge already made
    first = charge(payments)
    # When it is sent again with the same idempotency key
    second = charge(payments)
    # Then the provider returns the first payment, not a second one
    assert first.payment_id == second.payment_id


def test_refund_posts_the_payment_and_amount(payments: PaymentClient, payment_api: FakePaymentApi) -> None:
    # Given a healthy payment API
    # When a payment is refunded
    result = payments.refund("pay_0001", Decimal("5"), "refund:pay_0001:5")
    # Then the API got the refund and the result carries its refund id
    assert payment_api.requests[0]["body"] == {"payment_id": "pay_0001", "amount": "5.00"}
    assert (result.refund_id, result.payment_id) == ("re_0001", "pay_0001")


def test_circuit_opens_after_threshold_failures_and_then_fails_fast(
    payments: PaymentClient, payment_api: FakePaymentApi
) -> None:
    # Given THRESHOLD consecutive failures of the API
    fail_until_open(payments, payment_api)
    calls = payment_api.calls
    # When another charge is attempted
    with pytest.raises(CircuitOpenError) as raised:
        charge(payments)
    # Then it fails fast with a 503 and Retry-After, without touching the network
    assert payment_api.calls == calls == THRESHOLD
    assert raised.value.status == 503
    assert raised.value.headers() == {"Retry-After": str(int(BASE_OPEN))}
    assert payments.breaker.state().state is State.OPEN


def test_a_success_resets_the_run_of_failures(payments: PaymentClient, payment_api: FakePaymentApi) -> None:
    # Given THRESHOLD-1 failures, a success, then THRESHOLD-1 failures again
    for mode in ["fail"] * (THRESHOLD - 1) + ["approve"] + ["fail"] * (THRESHOLD - 1):
        payment_api.mode = mode
        if mode == "approve":
            charge(payments)
        else:
            with pytest.raises(PaymentApiError):
                charge(payments)
    # When the state is read
    state = payments.breaker.state()
    # Then the circuit is still closed: failures must be consecutive
    assert (state.state, state.failures) == (State.CLOSED, THRESHOLD - 1)


def test_declines_and_rejections_do_not_open_the_circuit(payments: PaymentClient, payment_api: FakePaymentApi) -> None:
    # Given an API that answers, but declines every payment
    payment_api.mode = "decline"
    # When more than THRESHOLD charges are declined
    for n in range(THRESHOLD + 1):
        with pytest.raises(PaymentDeclinedError, match="insufficient funds"):
            charge(payments, n)
    # Then the circuit stays closed: a decline is not an outage
    assert payments.breaker.state().state is State.CLOSED
    assert payment_api.calls == THRESHOLD + 1


def test_trial_call_after_the_open_period_closes_a_recovered_circuit(
    payments: PaymentClient, payment_api: FakePaymentApi, clock: Clock
) -> None:
    # Given an open circuit and an API that has recovered
    fail_until_open(payments, payment_api)
    payment_api.mode = "approve"
    # When the open period has passed and a charge is attempted
    clock.now += BASE_OPEN
    result = charge(payments)
    # Then the trial went through and closed the circuit, so further calls pass
    assert result.payment_id == "pay_0001"
    assert payments.breaker.state().state is State.CLOSED
    charge(payments, 2)
    assert payment_api.calls == THRESHOLD + 2


def test_failed_trial_reopens_with_longer_capped_waits(
    payments: PaymentClient, payment_api: FakePaymentApi, clock: Clock
) -> None:
    # Given an open circuit and an API that is still down
    fail_until_open(payments, payment_api)
    waits = []
    # When each open period ends with a failing trial, three times
    for _ in range(3):
        state = payments.breaker.state()
        clock.now = state.open_until - 0.001
        with pytest.raises(CircuitOpenError):
            charge(payments)  # still open: no network
        clock.now = state.open_until
        with pytest.raises(PaymentApiError):
            charge(payments)  # the one trial
        reopened = payments.breaker.state()
        waits.append(reopened.open_until - clock.now)
    # Then each trial hit the network once and the wait doubled up to the cap
    assert payment_api.calls == THRESHOLD + 3
    assert waits == [pytest.approx(2 * BASE_OPEN), pytest.approx(MAX_OPEN), pytest.approx(MAX_OPEN)]


def test_only_one_trial_runs_while_half_open(
    payments: PaymentClient, payment_api: FakePaymentApi, clock: Clock
) -> None:
    # Given an open circuit whose period has ended, and an API that holds the trial call
    fail_until_open(payments, payment_api)
    clock.now += BASE_OPEN
    payment_api.mode = "hold"
    payments.timeout = 5
    trial = threading.Thread(target=charge, args=(payments, 99))
    trial.start()
    while payment_api.calls < THRESHOLD + 1:  # the trial has reached the API
        threading.Event().wait(0.01)
    # When another charge arrives during the trial
    with pytest.raises(CircuitOpenError):
        charge(payments, 100)
    payment_api.release.set()
    trial.join(5)
    # Then it failed fast; only the trial reached the API, and its success closed the circuit
    assert payment_api.calls == THRESHOLD + 1
    assert payments.breaker.state().state is State.CLOSED


def test_a_hung_api_times_out_and_counts_as_a_failure(payments: PaymentClient, payment_api: FakePaymentApi) -> None:
    # Given an API that holds every call until released (so it is slower than any timeout, however loaded)
    payment_api.mode = "hold"
    payments.timeout = 0.5
    # When a charge is attempted
    with pytest.raises(PaymentApiError, match="unreachable"):
        charge(payments)
    payment_api.release.set()
    # Then the timeout counted towards opening the circuit
    assert payments.breaker.state().failures == 1


def test_unreachable_api_counts_as_a_failure(circuit_table: str, clock: Clock) -> None:
    # Given a client pointed at a port where nothing listens
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    breaker = CircuitBreaker(BREAKER_NAME, table_name=circuit_table, failure_threshold=1, clock=clock)
    payments = PaymentClient(dead_url, breaker=breaker, timeout=0.5)
    # When a charge is attempted
    with pytest.raises(PaymentApiError, match="unreachable"):
        charge(payments)
    # Then one failure was enough to open this breaker
    assert breaker.state().state is State.OPEN


@pytest.mark.parametrize(
    ("mode", "error", "counts"),
    [("throttle", ThrottleError, 1), ("garbage", PaymentApiError, 1), ("decline", PaymentDeclinedError, 0)],
)
def test_each_kind_of_answer_maps_to_its_error(
    payments: PaymentClient, payment_api: FakePaymentApi, mode: str, error: type[Exception], counts: int
) -> None:
    # Given an API answering in one particular way
    payment_api.mode = mode
    # When a charge is attempted
    with pytest.raises(error):
        charge(payments)
    # Then outages count towards the circuit and answers from the provider do not
    assert payments.breaker.state().failures == counts


def test_throttling_passes_the_providers_retry_after(payments: PaymentClient, payment_api: FakePaymentApi) -> None:
    # Given an API that throttles with Retry-After: 7
    payment_api.mode = "throttle"
    # When a charge is attempted
    with pytest.raises(ThrottleError) as raised:
        charge(payments)
    # Then the error tells the caller to wait 7 s
    assert raised.value.headers() == {"Retry-After": "7"}


def test_rejected_request_is_permanent_and_does_not_count(payments: PaymentClient, payment_api: FakePaymentApi) -> None:
    # Given an API that rejects the request itself (400)
    payment_api.mode = "reject"
    # When a charge is attempted
    with pytest.raises(PaymentRejectedError) as raised:
        charge(payments)
    # Then it is a permanent error carrying the provider's reason, and the circuit does not count it
    assert (raised.value.retryable, str(raised.value)) == (
        False,
        "payment API rejected the request (400): amount must be at least 0.50",
    )
    assert payments.breaker.state().failures == 0
