"""POST /payments and refunds through the API: status codes and bodies for every outcome."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from payment_gateway.handler import lambda_handler

from tests.support.lambda_zips import load_event
from tests.support.payment_provider import FakePaymentApi


@pytest.fixture
def api_env(circuit_table: str, payment_api: FakePaymentApi, monkeypatch: pytest.MonkeyPatch) -> FakePaymentApi:
    monkeypatch.setenv("PAYMENT_API_URL", payment_api.url)
    monkeypatch.setenv("PAYMENT_FAILURE_THRESHOLD", "2")
    monkeypatch.setenv("PAYMENT_OPEN_SECONDS", "30")
    monkeypatch.setenv("PAYMENT_TIMEOUT_SECONDS", "5")  # never reached by a healthy local API, however loaded
    return payment_api


def call(event: dict[str, Any], context: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = lambda_handler(event, context)
    return response["statusCode"], json.loads(response["body"]), response["headers"]


def charge_event(body: object, **headers: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("payment_gateway", "create_payment"))
    event["body"] = json.dumps(body)
    event["headers"].update(headers)
    return event


def test_sample_charge_is_201_with_the_payment(api_env: FakePaymentApi, lambda_context: Any) -> None:
    # Given a healthy payment API
    # When the sample charge is posted
    status, body, _ = call(load_event("payment_gateway", "create_payment"), lambda_context)
    # Then it is 201 with the provider's payment id, and the client's idempotency key went to the provider
    assert status == 201
    assert body == {
        "payment_id": "pay_0001",
        "status": "succeeded",
        "order_id": "o-20240513-0042",
        "amount": "59.97",
        "currency": "USD",
    }
    assert api_env.requests[0]["idempotency_key"] == "charge-o-20240513-0042-1"


def test_charge_without_a_key_uses_one_per_order(api_env: FakePaymentApi, lambda_context: Any) -> None:
    # Given a charge request without an Idempotency-Key, sent twice
    event = load_event("payment_gateway", "create_payment")
    del event["headers"]["idempotency-key"]
    # When both are posted
    first, second = call(copy.deepcopy(event), lambda_context)[1], call(event, lambda_context)[1]
    # Then the order can only be charged once
    assert api_env.requests[0]["idempotency_key"] == "charge:o-20240513-0042"
    assert first["payment_id"] == second["payment_id"]


def test_sample_refund_is_201_with_the_refund(api_env: FakePaymentApi, lambda_context: Any) -> None:
    # Given a healthy payment API
    # When the sample refund is posted
    status, body, _ = call(load_event("payment_gateway", "create_refund"), lambda_context)
    # Then it is 201 with the refund
    assert status == 201
    assert body == {"refund_id": "re_0001", "status": "succeeded", "payment_id": "pay_0001", "amount": "19.99"}


def test_declined_charge_is_402(api_env: FakePaymentApi, lambda_context: Any) -> None:
    # Given an API that declines
    api_env.mode = "decline"
    # When the sample charge is posted
    status, body, _ = call(load_event("payment_gateway", "create_payment"), lambda_context)
    # Then it is 402 with the provider's reason
    assert (status, body["error"]["code"]) == (402, "payment_declined")
    assert body["error"]["message"] == "payment declined: insufficient funds"


def test_failing_api_is_503_then_the_open_circuit_answers_503_without_calling(
    api_env: FakePaymentApi, lambda_context: Any
) -> None:
    # Given an API that fails every call, and a threshold of 2
    api_env.mode = "fail"
    # When three charges are posted
    answers = [call(load_event("payment_gateway", "create_payment"), lambda_context) for _ in range(3)]
    # Then the first two reach the API and fail, the third fails fast on the open circuit with Retry-After
    assert [a[0] for a in answers] == [503, 503, 503]
    assert [a[1]["error"]["code"] for a in answers] == ["payment_unavailable", "payment_unavailable", "circuit_open"]
    assert answers[2][2]["Retry-After"] == "30"
    assert api_env.calls == 2


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"order_id": "o-1", "amount": "-5"}, ["body.amount"]),
        ({"order_id": "o-1", "amount": "0"}, ["body.amount"]),
        ({"order_id": "o-1", "amount": "1.999"}, ["body.amount"]),
        ({"order_id": "o-1", "amount": 12.5}, ["body.amount"]),
        ({"amount": "1.00"}, ["body.order_id"]),
        ({"order_id": "o-1", "amount": "1.00", "currency": "usd"}, ["body.currency"]),
        ({"order_id": "o 1", "amount": "1.00", "card": "4242"}, ["body.order_id", "body.card"]),
    ],
)
def test_bad_charge_is_400_naming_each_field(
    api_env: FakePaymentApi, lambda_context: Any, body: dict[str, Any], fields: list[str]
) -> None:
    # Given a charge with bad fields
    # When it is posted
    status, answer, _ = call(charge_event(body), lambda_context)
    # Then the 400 names each of them and the API was never called
    assert status == 400
    assert sorted(answer["error"]["details"]["fields"]) == sorted(fields)
    assert api_env.calls == 0


def test_sample_bad_amount_is_400(api_env: FakePaymentApi, lambda_context: Any) -> None:
    # Given the sample charge with a negative amount and a lower-case currency
    # When it is posted
    status, body, _ = call(load_event("payment_gateway", "create_payment_bad_amount"), lambda_context)
    # Then both fields are named
    assert status == 400
    assert sorted(body["error"]["details"]["fields"]) == ["body.amount", "body.currency"]


def test_refund_with_a_bad_payment_id_is_400(api_env: FakePaymentApi, lambda_context: Any) -> None:
    # Given a refund path with an invalid payment id
    event = load_event("payment_gateway", "create_refund")
    event["pathParameters"] = {"payment_id": "pay 1"}
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/payments/pay 1/refunds"
    # When it is posted
    status, body, _ = call(event, lambda_context)
    # Then the 400 names the path parameter
    assert status == 400
    assert list(body["error"]["details"]["fields"]) == ["path.payment_id"]


def test_missing_payment_url_is_a_500_whose_log_names_it(
    circuit_table: str, lambda_context: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a deployment without PAYMENT_API_URL
    # When a charge is posted
    status, body, _ = call(load_event("payment_gateway", "create_payment"), lambda_context)
    # Then the client gets a bare 500 and the log names the variable
    assert (status, body["error"]["message"]) == (500, "internal error")
    assert "missing PAYMENT_API_URL" in caplog.text


CUSTOMER_CLAIMS = {
    "client_id": "6q3l0s5kbu9vq2c8e0f3gh1ij2",
    "scope": "aws.cognito.signin.user.admin",
    "sub": "7d4e1a52-3c1f-4b8e-9a57-0c2b9f1e6d31",
    "token_use": "access",
    "username": "7d4e1a52-3c1f-4b8e-9a57-0c2b9f1e6d31",
}


def as_caller(sample: str, jwt: object) -> dict[str, Any]:
    """A sample request sent with other authorizer output (``None``: no authorizer at all)."""
    event = load_event("payment_gateway", sample)
    if jwt is None:
        del event["requestContext"]["authorizer"]
    else:
        event["requestContext"]["authorizer"] = {"jwt": jwt}
    return event


@pytest.mark.parametrize("sample", ["create_payment", "create_refund"])
def test_a_customer_token_is_403_on_every_route_and_the_provider_is_never_called(
    api_env: FakePaymentApi, lambda_context: Any, sample: str
) -> None:
    # Given a signed-in customer's token (no orders/payments scope)
    event = as_caller(sample, {"claims": CUSTOMER_CLAIMS, "scopes": None})
    # When it asks for a charge or a refund
    status, body, _ = call(event, lambda_context)
    # Then it is refused before the provider hears of it
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert "orders/payments scope" in body["error"]["message"]
    assert api_env.calls == 0


@pytest.mark.parametrize(
    "jwt",
    [
        None,
        {"claims": None},
        {"claims": {"scope": "orders/payments"}},
        {"claims": {"sub": ["x"], "scope": "orders/payments"}},
    ],
    ids=["no-authorizer", "null-claims", "no-sub", "list-sub"],
)
@pytest.mark.parametrize("sample", ["create_payment", "create_refund"])
def test_no_or_odd_claims_are_401(api_env: FakePaymentApi, lambda_context: Any, sample: str, jwt: object) -> None:
    # Given a request without a usable caller, even one claiming the scope
    # When it reaches a route
    status, body, _ = call(as_caller(sample, jwt), lambda_context)
    # Then it is a 401 JSON error and nothing is charged
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    assert api_env.calls == 0


@pytest.mark.parametrize("amount", ["١٢", "１.００", "٣.١٤", "1２"])
def test_amounts_in_non_ascii_digits_are_400(api_env: FakePaymentApi, lambda_context: Any, amount: str) -> None:
    # Given amounts written with Arabic-Indic or full-width digits (which \d and Decimal() both accept)
    # When they are posted
    status, body, _ = call(charge_event({"order_id": "o-1", "amount": amount}), lambda_context)
    # Then they are refused naming the amount
    assert (status, list(body["error"]["details"]["fields"])) == (400, ["body.amount"])
    assert api_env.calls == 0


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "line\nbreak", "€"])
def test_an_idempotency_key_unfit_for_a_header_is_400(api_env: FakePaymentApi, lambda_context: Any, key: str) -> None:
    # Given an Idempotency-Key that cannot travel on as an HTTP header
    event = charge_event({"order_id": "o-1", "amount": "1.00"}, **{"idempotency-key": key})
    # When it is posted
    status, body, _ = call(event, lambda_context)
    # Then the 400 names the header instead of the provider call failing
    assert (status, list(body["error"]["details"]["fields"])) == (400, ["header.idempotency-key"])
    assert api_env.calls == 0
