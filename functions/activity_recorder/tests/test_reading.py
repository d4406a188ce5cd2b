"""Reading: the projection (GET state), a replay at a time (GET state?at=, and the replay entry point)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from activity_recorder.handler import lambda_handler, replay

from shared.errors import ValidationError
from tests.support.lambda_zips import load_event

from .conftest import USER


def call(event: dict[str, Any], context: Any) -> tuple[int, dict[str, Any]]:
    response = lambda_handler(event, context)
    return response["statusCode"], json.loads(response["body"])


@pytest.fixture
def history(activity_table: str, lambda_context: Any) -> None:
    """The two sample actions: signed in at 10:44:02, 2 x sku-1 added at 10:45:10."""
    for name in ("record_signed_in", "record_cart_item_added"):
        status, _ = call(load_event("activity_recorder", name), lambda_context)
        assert status == 201


def test_get_state_returns_the_projection(history: None, lambda_context: Any) -> None:
    # Given the sample history
    # When the current state is read
    status, body = call(load_event("activity_recorder", "get_state"), lambda_context)
    # Then it is the projection of both events
    assert status == 200
    assert body == {
        "as_of": None,
        "state": {
            "user_id": USER,
            "events_applied": 2,
            "last_event_at": "2024-05-13T10:45:10.000000Z",
            "sign_ins": 1,
            "last_sign_in_at": "2024-05-13T10:44:02.000000Z",
            "recently_viewed": [],
            "cart": {"sku-1": 2},
            "orders_placed": 0,
            "last_order_id": None,
        },
    }


def test_get_state_at_a_time_replays_only_earlier_events(history: None, lambda_context: Any) -> None:
    # Given the sample history
    # When the state at 10:45:00 is read (between the sign-in and the cart add)
    status, body = call(load_event("activity_recorder", "get_state_at"), lambda_context)
    # Then only the sign-in counts
    assert status == 200
    assert body["as_of"] == "2024-05-13T10:45:00.000000Z"
    assert (body["state"]["events_applied"], body["state"]["sign_ins"], body["state"]["cart"]) == (1, 1, {})


def test_get_state_of_a_user_without_activity_is_404(activity_table: str, lambda_context: Any) -> None:
    # Given no activity at all
    # When the state is read
    status, body = call(load_event("activity_recorder", "get_state"), lambda_context)
    # Then it is a 404
    assert (status, body["error"]["code"]) == (404, "not_found")


def test_get_state_with_a_bad_time_is_400_naming_the_query(
    activity_table: str, lambda_context: Any, state_event: Any
) -> None:
    # Given a time without a timezone
    # When the state at that time is read
    status, body = call(state_event(at="2024-05-13T10:45:00"), lambda_context)
    # Then the 400 names the query parameter
    assert status == 400
    assert list(body["error"]["details"]["fields"]) == ["query.at"]


def test_replay_entry_point_rebuilds_the_state_at_a_time(history: None, lambda_context: Any) -> None:
    # Given the sample history
    # When the replay entry point runs the sample event (at 10:45:00)
    result = replay(load_event("activity_recorder", "replay"), lambda_context)
    # Then it returns the state from the events before that time
    assert result["as_of"] == "2024-05-13T10:45:00.000000Z"
    assert (result["state"]["events_applied"], result["state"]["sign_ins"]) == (1, 1)


def test_replay_without_a_time_equals_the_projection(history: None, lambda_context: Any) -> None:
    # Given the sample history
    # When the replay runs without "at" (now)
    result = replay({"user_id": USER}, lambda_context)
    # Then it equals the projection the API serves
    _, current = call(load_event("activity_recorder", "get_state"), lambda_context)
    assert result["state"] == current["state"]


@pytest.mark.parametrize(
    ("event", "field"),
    [({"at": "2024-05-13T10:45:00Z"}, "user_id"), ({"user_id": USER, "at": "noon"}, "at"), ([], "event")],
)
def test_replay_with_bad_input_names_the_field(
    activity_table: str, lambda_context: Any, event: Any, field: str
) -> None:
    # Given a replay request with a missing or malformed field
    # When the replay runs
    with pytest.raises(ValidationError) as raised:
        replay(event, lambda_context)
    # Then the error names that field
    assert list(raised.value.fields) == [field]
