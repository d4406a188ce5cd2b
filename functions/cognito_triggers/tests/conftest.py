"""Fixtures for cognito_triggers' tests: a moto users table, a Lambda context, clean shared caches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from moto import mock_aws

from shared import aws
from shared.idempotency import reset_idempotency
from shared.settings import reset_settings

USERS_TABLE = "orders-users-test"
ALLOWED = "example.com, Example.org"


@dataclass
class FakeLambdaContext:
    function_name: str = "orders-cognito-triggers"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:orders-cognito-triggers"
    aws_request_id: str = "0f2d6c1e-8a4b-4e2f-b7d9-3c5a1e9f0b2d"

    def get_remaining_time_in_millis(self) -> int:
        return 5_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("USERS_TABLE", USERS_TABLE)
    monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", ALLOWED)
    for reset in (aws.reset_clients, reset_settings, reset_idempotency):
        reset()
    yield
    for reset in (aws.reset_clients, reset_settings, reset_idempotency):
        reset()


def create_users_table(client: object) -> None:
    client.create_table(  # type: ignore[attr-defined]
        TableName=USERS_TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture
def users_table() -> Iterator[str]:
    with mock_aws():
        create_users_table(aws.dynamodb())
        yield USERS_TABLE
