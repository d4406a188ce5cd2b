"""The payment provider's sandbox the local stack serves: the one payment contract, over real HTTP on loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts.local.payment_sandbox import DECLINING_PREFIX, PaymentSandbox, PaymentSandboxError
from scripts.local.stack import REPO
from tests.support.aws_fixtures import create_table

CHARGE = {"order_id": "o-1", "amount": "12.50", "currency": "USD", "customer_id": "c-1"}


@pytest.fixture
def sandbox() -> Iterator[PaymentSandbox]:
    with PaymentSandbox().start("127.0.0.1", 0) as running:
        yield running


def call(
    sandbox: PaymentSandbox, path: str, body: object = None, *, key: str = "", method: str = "POST", raw: bytes = b""
) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else raw
    headers = {"Content-Type": "application/json", **({"Idempotency-Key": key} if key else {})}
    request = urllib.request.Request(sandbox.url + path, data=data or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def charged(sandbox: PaymentSandbox, **overrides: str) -> str:
    status, answer = call(sandbox, "/charges", CHARGE | overrides)
    assert status == 201, answer
    return str(answer["payment_id"])


# -- charges ------------------------------------------------------------------------------------------------------


def test_a_charge_is_approved_with_a_payment_id(sandbox: PaymentSandbox) -> None:
    status, answer = call(sandbox, "/charges", CHARGE, key="k-approve")

    assert status == 201
    assert answer["status"] == "succeeded"
    assert answer["payment_id"].startswith("pay_")
    assert sandbox.payments[answer["payment_id"]].amount == Decimal("12.50")


@pytest.mark.parametrize("field", ["customer_id", "order_id"])
def test_a_charge_from_a_declining_id_is_declined_with_402(sandbox: PaymentSandbox, field: str) -> None:
    # Given a charge whose customer (or order) id carries the sandbox's magic prefix
    status, answer = call(sandbox, "/charges", CHARGE | {field: DECLINING_PREFIX + "e2e"}, key=f"k-{field}")

    # Then the provider declines it as the contract says: 402 with an error code, no payment made
    assert status == 402
    assert answer == {"error": {"code": "card_declined", "message": "the card was declined"}}
    assert sandbox.payments == {}


def test_a_repeated_idempotency_key_gets_the_first_answer(sandbox: PaymentSandbox) -> None:
    first = call(sandbox, "/charges", CHARGE, key="k-same")
    replay = call(sandbox, "/charges", CHARGE | {"amount": "99.00"}, key="k-same")
    other = call(sandbox, "/charges", CHARGE, key="k-other")

    assert replay == first
    assert other[1]["payment_id"] != first[1]["payment_id"]
    assert len(sandbox.payments) == 2  # the replay charged nothing


# -- refunds ------------------------------------------------------------------------------------------------------


def test_a_refund_of_a_payment_succeeds_once_per_key(sandbox: PaymentSandbox) -> None:
    payment_id = charged(sandbox)

    status, answer = call(sandbox, "/refunds", {"payment_id": payment_id, "amount": "12.50"}, key="r-1")
    replay = call(sandbox, "/refunds", {"payment_id": payment_id, "amount": "12.50"}, key="r-1")

    assert status == 201
    assert answer["status"] == "succeeded"
    assert answer["refund_id"].startswith("re_")
    assert replay == (status, answer)
    assert sandbox.payments[payment_id].refunded == Decimal("12.50")


def test_a_refund_beyond_what_is_left_is_a_400_naming_amount(sandbox: PaymentSandbox) -> None:
    payment_id = charged(sandbox)
    assert call(sandbox, "/refunds", {"payment_id": payment_id, "amount": "10.00"}, key="r-a")[0] == 201

    status, answer = call(sandbox, "/refunds", {"payment_id": payment_id, "amount": "2.51"}, key="r-b")

    assert status == 400
    assert answer["error"]["message"].startswith("amount: 2.51 exceeds the 2.50 USD left")


def test_a_refund_of_an_unknown_payment_is_a_404(sandbox: PaymentSandbox) -> None:
    status, answer = call(sandbox, "/refunds", {"payment_id": "pay_nope", "amount": "1.00"})

    assert status == 404
    assert answer["error"]["code"] == "no_such_payment"


# -- bad requests -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("POST", "/charges/pay_1/refunds", 404), ("POST", "/", 404), ("GET", "/charges", 405)],
)
def test_an_unknown_route_or_method_is_a_4xx(sandbox: PaymentSandbox, method: str, path: str, status: int) -> None:
    answer = call(sandbox, path, CHARGE if method == "POST" else None, method=method)

    assert answer[0] == status
    assert path in answer[1]["error"]["message"]


@pytest.mark.parametrize("raw", [b"{not json", b'["a list"]'])
def test_a_body_that_is_not_a_json_object_is_a_400(sandbox: PaymentSandbox, raw: bytes) -> None:
    status, answer = call(sandbox, "/charges", raw=raw)

    assert status == 400
    assert answer["error"]["code"] == "bad_request"
    assert sandbox.payments == {}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"order_id": ""}, "order_id:"),
        ({"amount": 12.5}, "amount:"),
        ({"amount": "12.505"}, "amount:"),
        ({"amount": "-1.00"}, "amount:"),
        ({"amount": "NaN"}, "amount:"),
        ({"currency": "usd"}, "currency:"),
        ({"customer_id": 7}, "customer_id:"),
    ],
)
def test_a_bad_charge_field_is_a_400_naming_it(sandbox: PaymentSandbox, change: dict[str, Any], named: str) -> None:
    status, answer = call(sandbox, "/charges", CHARGE | change, key="k-bad")

    assert status == 400
    assert answer["error"]["message"].startswith(named)
    # And the rejection is not remembered: the corrected request under the same key is charged
    assert call(sandbox, "/charges", CHARGE, key="k-bad")[0] == 201


def test_a_busy_port_is_a_one_line_error(sandbox: PaymentSandbox) -> None:
    port = int(sandbox.url.rsplit(":", 1)[1])

    with pytest.raises(PaymentSandboxError, match=f"cannot serve the payment sandbox on 127.0.0.1:{port}"):
        PaymentSandbox().start("127.0.0.1", port)


# -- both functions' clients speak this one contract ------------------------------------------------------------------


@pytest.fixture
def circuit_table(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIRCUIT_TABLE", "circuit")
    create_table(boto3.client("dynamodb", region_name="us-east-1"), "circuit")


def test_the_payment_client_is_declined_by_a_declining_customer_through_the_sandbox(
    sandbox: PaymentSandbox, circuit_table: None
) -> None:
    from shared.circuit_breaker import CircuitBreaker
    from shared.payments import BREAKER_NAME, PaymentClient, PaymentDeclinedError

    client = PaymentClient(sandbox.url, breaker=CircuitBreaker(BREAKER_NAME), timeout=5)

    approved = client.charge("o-saga", Decimal("45.99"), "saga-1", currency="EUR", customer_id="c-1")
    with pytest.raises(PaymentDeclinedError) as declined:
        client.charge("o-saga", Decimal("45.99"), "saga-2", currency="EUR", customer_id=DECLINING_PREFIX + "x")
    refund = client.refund(approved.payment_id, Decimal("45.99"), "saga-3")

    assert sandbox.payments[approved.payment_id].amount == Decimal("45.99")
    assert declined.value.reason == "card_declined"
    assert refund.refund_id.startswith("re_")
    assert sandbox.payments[approved.payment_id].refunded == Decimal("45.99")


def test_payment_gateway_charges_is_declined_and_refunds_through_the_sandbox(
    sandbox: PaymentSandbox, circuit_table: None
) -> None:
    from shared.circuit_breaker import CircuitBreaker
    from shared.payments import BREAKER_NAME, PaymentClient, PaymentDeclinedError

    client = PaymentClient(sandbox.url, breaker=CircuitBreaker(BREAKER_NAME), timeout=5)

    payment = client.charge("o-gw", Decimal("20.00"), "gw-1", currency="EUR")
    refund = client.refund(payment.payment_id, Decimal("5.00"), "gw-2")
    with pytest.raises(PaymentDeclinedError, match="the card was declined"):
        client.charge(DECLINING_PREFIX + "o-gw", Decimal("20.00"), "gw-3")

    assert sandbox.payments[payment.payment_id].amount == Decimal("20.00")
    assert refund.refund_id.startswith("re_")
    assert sandbox.payments[payment.payment_id].refunded == Decimal("5.00")


# -- the local stack serves it ------------------------------------------------------------------------------------


def _cli(local_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scripts.local", "--local-dir", str(local_dir), *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow
def test_the_local_stack_serves_the_sandbox_until_down(tmp_path: Path) -> None:
    # Given a stack started without build or Terraform, on free ports
    up = ["up", "--detach", "--no-build", "--no-terraform", "--emulator-port", "0", "--api-port", "0", "--wait", "60"]
    started = _cli(tmp_path, *up)
    try:
        assert started.returncode == 0, started.stderr
        url = json.loads((tmp_path / "stack.json").read_text())["payment_api_url"]
        # Then stack.json names the sandbox's URL, `up` prints it, and it charges
        assert url.startswith("http://127.0.0.1:"), url
        assert f"payment API (sandbox): {url}" in started.stdout
        request = urllib.request.Request(url + "/charges", data=json.dumps(CHARGE).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 201
    finally:
        stopped = _cli(tmp_path, "down")
    # And after `down` nothing listens there any more
    assert stopped.returncode == 0, stopped.stderr
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect((host, int(port)))
