"""Fixtures for activity_recorder's tests: a moto activity table, API events, a Lambda context, clean caches."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws

from shared import aws
from shared.idempotency import reset_idempotency
from shared.settings import reset_settings
from tests.support.lambda_zips import load_event

ACTIVITY_TABLE = "orders-activity-test"
USER = "7d4e1a52-3c1f-4b8e-9a57-0c2b9f1e6d31"  # the sub in the sample events' JWT claims


@dataclass
class FakeLambdaContext:
    function_name: str = "orders-activity-recorder"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:orders-activity-recorder"
    aws_request_id: str = "9e3b2a1c-4d5f-4a6b-8c7d-0e1f2a3b4c5d"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ACTIVITY_TABLE", ACTIVITY_TABLE)
    for reset in (aws.reset_clients, reset_settings, reset_idempotency):
        reset()
    yield
    for reset in (aws.reset_clients, reset_settings, reset_idempotency):
        reset()


def create_activity_table(client: Any) -> None:
    client.create_table(
        TableName=ACTIVITY_TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture
def activity_table() -> Iterator[str]:
    with mock_aws():
        create_activity_table(aws.dynamodb())
        yield ACTIVITY_TABLE


@pytest.fixture
def post_event() -> Callable[..., dict[str, Any]]:
    """The sample POST /users/{user_id}/activities event with another body (and optionally another user)."""

    def make(body: object, *, user_id: str = USER) -> dict[str, Any]:
        event = copy.deepcopy(load_event("activity_recorder", "record_cart_item_added"))
        event["body"] = body if isinstance(body, str) else json.dumps(body)
        event["pathParameters"] = {"user_id": user_id}
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/users/{user_id}/activities"
        return event

    return make


@pytest.fixture
def state_event() -> Callable[..., dict[str, Any]]:
    """The sample GET /users/{user_id}/state event, optionally with ``?at=``."""

    def make(*, at: str | None = None, user_id: str = USER) -> dict[str, Any]:
        event = copy.deepcopy(load_event("activity_recorder", "get_state"))
        event["pathParameters"] = {"user_id": user_id}
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/users/{user_id}/state"
        if at is not None:
            event["queryStringParameters"] = {"at": at}
            event["rawQueryString"] = f"at={at}"
        return event

    return make
