"""Fixtures for activity_recorder's tests: a moto activity table, API events, a Lambda context (tests.support)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from shared import aws
from tests.support.aws_fixtures import FakeLambdaContext, create_table
from tests.support.lambda_zips import load_event

ACTIVITY_TABLE = "orders-activity-test"
USER = "7d4e1a52-3c1f-4b8e-9a57-0c2b9f1e6d31"  # the sub in the sample events' JWT claims


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext(
        "orders-activity-recorder", aws_request_id="9e3b2a1c-4d5f-4a6b-8c7d-0e1f2a3b4c5d", remaining_ms=10_000
    )


@pytest.fixture(autouse=True)
def _activity_env(monkeypatch: pytest.MonkeyPatch, clean_shared_state: None) -> None:
    monkeypatch.setenv("ACTIVITY_TABLE", ACTIVITY_TABLE)


def create_activity_table(client: Any) -> None:
    create_table(client, ACTIVITY_TABLE)


@pytest.fixture
def activity_table(moto_aws: None) -> str:
    create_activity_table(aws.dynamodb())
    return ACTIVITY_TABLE


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
