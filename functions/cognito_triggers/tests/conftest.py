"""Fixtures for cognito_triggers' tests: a moto users table, a Lambda context (tests.support)."""

from __future__ import annotations

import pytest

from shared import aws
from tests.support.aws_fixtures import FakeLambdaContext, create_table

USERS_TABLE = "orders-users-test"
ALLOWED = "example.com, Example.org"


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext(
        "orders-cognito-triggers", aws_request_id="0f2d6c1e-8a4b-4e2f-b7d9-3c5a1e9f0b2d", remaining_ms=5_000
    )


@pytest.fixture(autouse=True)
def _triggers_env(monkeypatch: pytest.MonkeyPatch, clean_shared_state: None) -> None:
    monkeypatch.setenv("USERS_TABLE", USERS_TABLE)
    monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", ALLOWED)


def create_users_table(client: object) -> None:
    create_table(client, USERS_TABLE)


@pytest.fixture
def users_table(moto_aws: None) -> str:
    create_users_table(aws.dynamodb())
    return USERS_TABLE
