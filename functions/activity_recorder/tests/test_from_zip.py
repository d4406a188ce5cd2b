"""activity_recorder from its built zip (with the common layer) against a real moto server on loopback."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scripts.lambda_sandbox import HandlerError
from tests.support.lambda_zips import load_event

from .conftest import ACTIVITY_TABLE, create_activity_table

pytestmark = pytest.mark.slow

ENV = {"ACTIVITY_TABLE": ACTIVITY_TABLE}


def api(fn: Any, name: str) -> tuple[int, dict[str, Any]]:
    out = fn.invoke("activity_recorder", load_event("activity_recorder", name), env=ENV)
    return out.result["statusCode"], json.loads(out.result["body"])


def test_sample_events_from_the_zip(built_function: Any, aws_endpoint: Any) -> None:
    # Given the activity table on the emulator and the built function
    create_activity_table(aws_endpoint.client("dynamodb"))
    fn = built_function("activity_recorder")
    # When the sample requests run in order, each in a fresh process
    signed_in = api(fn, "record_signed_in")
    added = api(fn, "record_cart_item_added")
    duplicate = api(fn, "record_cart_item_added")
    unknown = api(fn, "record_unknown_type")
    current = api(fn, "get_state")
    earlier = api(fn, "get_state_at")
    replayed = fn.invoke("activity_recorder_replay", load_event("activity_recorder", "replay"), env=ENV).result
    # Then each answers as documented, and the replay at 10:45:00 sees the sign-in but not the later cart add
    assert [signed_in[0], added[0], duplicate[0], unknown[0], current[0], earlier[0]] == [201, 201, 409, 400, 200, 200]
    assert current[1]["state"]["cart"] == {"sku-1": 2}
    assert current[1]["state"]["events_applied"] == 2
    assert earlier[1]["state"]["cart"] == {}
    assert earlier[1]["state"]["sign_ins"] == 1
    assert replayed == earlier[1]


def test_replay_with_bad_input_fails_naming_the_field_from_the_zip(built_function: Any, aws_endpoint: Any) -> None:
    # Given the built function
    # When the replay entry point gets an event without user_id
    with pytest.raises(HandlerError) as failed:
        built_function("activity_recorder").invoke("activity_recorder_replay", {"at": "2024-05-13T10:45:00Z"}, env=ENV)
    # Then the invocation fails with a validation error naming the field
    assert failed.value.payload["errorType"] == "ValidationError"
    assert failed.value.payload["errorMessage"] == "invalid user_id"
