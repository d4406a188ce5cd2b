"""Fixtures for payment_gateway's tests: a real payment API on loopback, a moto circuit table (tests.support)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shared import aws
from tests.support.aws_fixtures import FakeLambdaContext, create_table
from tests.support.payment_provider import FakePaymentApi, running_payment_api

CIRCUIT_TABLE = "orders-circuit-test"


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext(
        "orders-payment-gateway", aws_request_id="2c4e6a8b-1d3f-4b5a-9c7e-8f0a1b2c3d4e", remaining_ms=10_000
    )


@pytest.fixture
def payment_api() -> Iterator[FakePaymentApi]:
    with running_payment_api() as api:
        yield api


@pytest.fixture(autouse=True)
def _gateway_env(monkeypatch: pytest.MonkeyPatch, clean_shared_state: None) -> None:
    monkeypatch.setenv("CIRCUIT_TABLE", CIRCUIT_TABLE)


def create_circuit_table(client: Any) -> None:
    create_table(client, CIRCUIT_TABLE)


@pytest.fixture
def circuit_table(moto_aws: None) -> str:
    create_circuit_table(aws.dynamodb())
    return CIRCUIT_TABLE
