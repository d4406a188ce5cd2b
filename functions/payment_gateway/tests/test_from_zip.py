"""payment_gateway from its built zip (with the common layer): moto server for the circuit, a real local API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.lambda_zips import load_event
from tests.support.payment_provider import FakePaymentApi

from .conftest import CIRCUIT_TABLE, create_circuit_table

pytestmark = pytest.mark.slow


def env(api: FakePaymentApi) -> dict[str, str]:
    return {
        "CIRCUIT_TABLE": CIRCUIT_TABLE,
        "PAYMENT_API_URL": api.url,
        "PAYMENT_FAILURE_THRESHOLD": "2",
        "PAYMENT_OPEN_SECONDS": "60",
        "PAYMENT_TIMEOUT_SECONDS": "5",  # never reached by a healthy local API, however loaded
    }


def invoke(fn: Any, name: str, api: FakePaymentApi) -> tuple[int, dict[str, Any]]:
    out = fn.invoke("payment_gateway", load_event("payment_gateway", name), env=env(api))
    return out.result["statusCode"], json.loads(out.result["body"])


def test_sample_requests_from_the_zip(built_function: Any, aws_endpoint: Any, payment_api: FakePaymentApi) -> None:
    # Given the circuit table on the emulator, a healthy payment API and the built function
    create_circuit_table(aws_endpoint.client("dynamodb"))
    fn = built_function("payment_gateway")
    # When the three sample requests run
    charged = invoke(fn, "create_payment", payment_api)
    refunded = invoke(fn, "create_refund", payment_api)
    bad = invoke(fn, "create_payment_bad_amount", payment_api)
    # Then the charge and refund are 201 with the provider's ids, and the bad one is 400 naming its fields
    assert charged == (
        201,
        {
            "payment_id": "pay_0001",
            "status": "succeeded",
            "order_id": "o-20240513-0042",
            "amount": "59.97",
            "currency": "USD",
        },
    )
    assert refunded[0] == 201
    assert refunded[1]["refund_id"] == "re_0001"
    assert bad[0] == 400
    assert sorted(bad[1]["error"]["details"]["fields"]) == ["body.amount", "body.currency"]
    assert payment_api.calls == 2


def test_circuit_state_is_shared_across_invocations_from_the_zip(
    built_function: Any, aws_endpoint: Any, payment_api: FakePaymentApi
) -> None:
    # Given a failing payment API and a threshold of 2
    create_circuit_table(aws_endpoint.client("dynamodb"))
    fn = built_function("payment_gateway")
    payment_api.mode = "fail"
    # When three separate invocations (fresh processes) try to charge
    answers = [invoke(fn, "create_payment", payment_api) for _ in range(3)]
    # Then the third fails fast on the circuit the first two opened, without calling the API
    assert [(status, body["error"]["code"]) for status, body in answers] == [
        (503, "payment_unavailable"),
        (503, "payment_unavailable"),
        (503, "circuit_open"),
    ]
    assert payment_api.calls == 2
    item = aws_endpoint.client("dynamodb").get_item(
        TableName=CIRCUIT_TABLE, Key={"pk": {"S": "circuit#payment-api"}, "sk": {"S": "state"}}
    )["Item"]
    assert item["state"]["S"] == "OPEN"
