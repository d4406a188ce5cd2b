"""Fixtures for payment_gateway's tests: a real payment API on loopback, a moto circuit table, clean caches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws

from shared import aws
from shared.idempotency import reset_idempotency
from shared.settings import reset_settings

from .payment_api import FakePaymentApi, running_payment_api

CIRCUIT_TABLE = "orders-circuit-test"


@dataclass
class FakeLambdaContext:
    function_name: str = "orders-payment-gateway"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:orders-payment-gateway"
    aws_request_id: str = "2c4e6a8b-1d3f-4b5a-9c7e-8f0a1b2c3d4e"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def payment_api() -> Iterator[FakePaymentApi]:
    with running_payment_api() as api:
        yield api


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CIRCUIT_TABLE", CIRCUIT_TABLE)
    for reset in (aws.reset_clients, reset_settings, reset_idempotency):
        reset()
    yield
    for reset in (aws.reset_clients, reset_settings, reset_idempotency):
        reset()


def create_circuit_table(client: Any) -> None:
    client.create_table(
        TableName=CIRCUIT_TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture
def circuit_table() -> Iterator[str]:
    with mock_aws():
        create_circuit_table(aws.dynamodb())
        yield CIRCUIT_TABLE
