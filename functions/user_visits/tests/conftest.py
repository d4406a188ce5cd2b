"""Fixtures for user_visits: a moto-backed visits table, a Lambda context and the sample events."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.aws_fixtures import FakeLambdaContext, create_table

REGION = "eu-west-1"
EVENTS = Path(__file__).resolve().parents[1] / "events"


def create_visits_table(client: Any) -> None:
    create_table(client, "visits")


@pytest.fixture
def visits_table(monkeypatch: pytest.MonkeyPatch, moto_aws: None) -> Any:
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("VISITS_TABLE", "visits")
    client = boto3.client("dynamodb", region_name=REGION)
    create_visits_table(client)
    return client


@pytest.fixture
def visits_table_factory() -> Callable[[Any], None]:
    return create_visits_table


SIGNED_IN = object()  # as_user default: the path's own user is signed in


def sample_event(name: str, user_id: str | None = None, *, as_user: object = SIGNED_IN) -> dict[str, Any]:
    """A sample event, optionally for another path user, sent by ``as_user`` (default: that user; None: nobody)."""
    event = json.loads((EVENTS / f"{name}.json").read_text())
    if user_id is not None:
        path = f"/users/{user_id}/visits"
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["pathParameters"] = {"user_id": user_id}
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    caller = event["pathParameters"]["user_id"] if as_user is SIGNED_IN else as_user
    if caller is None:
        del event["requestContext"]["authorizer"]
    else:
        claims["sub"] = claims["username"] = caller
    return event


@pytest.fixture
def call(visits_table: Any) -> Callable[..., tuple[int, dict[str, Any]]]:
    """Invoke the handler with a sample event (optionally for another user, as another caller) → (status, body)."""
    from user_visits.handler import lambda_handler

    def invoke(name: str, user_id: str | None = None, *, as_user: object = SIGNED_IN) -> tuple[int, dict[str, Any]]:
        context = FakeLambdaContext("orders-dev-user_visits", memory_limit_in_mb=128, region=REGION, remaining_ms=3_000)
        response = lambda_handler(sample_event(name, user_id, as_user=as_user), context)
        return response["statusCode"], json.loads(response["body"])

    return invoke
