"""Both routes act as the token's user (JWT sub): another user's log is 403, no usable sub is 401."""

from __future__ import annotations

import json
from typing import Any

import pytest
from activity_recorder.handler import lambda_handler

from .conftest import USER


def call(event: dict[str, Any], context: Any) -> tuple[int, dict[str, Any]]:
    response = lambda_handler(event, context)
    return response["statusCode"], json.loads(response["body"])


def with_jwt(event: dict[str, Any], jwt: object) -> dict[str, Any]:
    """The event with other authorizer output (``None``: no authorizer at all)."""
    if jwt is None:
        del event["requestContext"]["authorizer"]
    else:
        event["requestContext"]["authorizer"] = {"jwt": jwt}
    return event


@pytest.fixture
def routes(post_event: Any, state_event: Any) -> dict[str, Any]:
    """Each route's event for a given path user, sent with the samples' token (USER)."""
    return {
        "post": lambda user_id: post_event({"type": "signed_in"}, user_id=user_id),
        "get": lambda user_id: state_event(user_id=user_id),
    }


@pytest.mark.parametrize("route", ["post", "get"])
def test_another_user_gets_403_on_every_route_and_nothing_is_written(
    activity_table: str, lambda_context: Any, routes: dict[str, Any], route: str
) -> None:
    # Given bob has a log
    bob_event = with_jwt(routes["post"]("bob"), {"claims": {"sub": "bob"}, "scopes": None})
    assert call(bob_event, lambda_context)[0] == 201
    # When USER records into or reads bob's log
    status, body = call(routes[route]("bob"), lambda_context)
    # Then it is refused, and bob's log still holds his one event
    assert (status, body["error"]["code"]) == (403, "forbidden")
    bob_reads = with_jwt(routes["get"]("bob"), {"claims": {"sub": "bob"}, "scopes": None})
    assert call(bob_reads, lambda_context)[1]["state"]["events_applied"] == 1


@pytest.mark.parametrize(
    "jwt",
    [None, {"claims": None}, {"claims": {}}, {"claims": {"sub": ""}}, {"claims": {"sub": ["x"]}}, "jwt"],
    ids=["no-authorizer", "null-claims", "no-sub", "empty-sub", "list-sub", "odd-jwt"],
)
@pytest.mark.parametrize("route", ["post", "get"])
def test_no_or_odd_claims_are_401(
    activity_table: str, lambda_context: Any, routes: dict[str, Any], route: str, jwt: object
) -> None:
    # Given a request on USER's own path without a usable sub claim
    # When it reaches the route
    status, body = call(with_jwt(routes[route](USER), jwt), lambda_context)
    # Then it is a 401 JSON error, never an anonymous write or a 500
    assert (status, body["error"]["code"]) == (401, "unauthorized")


def test_another_users_path_is_403_before_the_body_is_read(
    activity_table: str, lambda_context: Any, post_event: Any
) -> None:
    # Given a post into bob's log whose body is not even JSON
    event = post_event({"type": "signed_in"}, user_id="bob")
    event["body"] = "{not json"
    # When USER sends it, Then the answer is about whose log it is, not about the body
    status, body = call(event, lambda_context)
    assert (status, body["error"]["code"]) == (403, "forbidden")
