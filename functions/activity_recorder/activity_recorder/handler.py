"""Entry points: the activity API (HTTP API payload 2.0) and ``replay`` (direct invocation)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from activity_recorder.domain import check_user_id, parse_action, parse_moment, timestamp
from activity_recorder.service import current_state, record_activity, state_at
from shared.errors import ForbiddenError, ValidationError
from shared.http import make_resolver
from shared.identity import caller_id
from shared.middleware import api_handler, event_handler
from shared.observability import logger

MAX_BODY_BYTES = 8192  # one action is a few hundred bytes


def _own_user(event: Mapping[str, Any], user_id: object) -> str:
    """The path's user, who must be the signed-in user (the JWT sub): 401 without one, 403 for another user."""
    user_id = check_user_id(user_id)
    if caller_id(event) != user_id:
        raise ForbiddenError("you may only record and read your own activity")
    return user_id


def _authorize(event: Mapping[str, Any]) -> str:
    """Before the input is read: the path's user (as API Gateway passes it) must be the caller."""
    return _own_user(event, (event.get("pathParameters") or {}).get("user_id"))


app = make_resolver(max_body_bytes=MAX_BODY_BYTES, authorize=_authorize)


@app.post("/users/<user_id>/activities", status_code=201)
def post_activity(user_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    user = _own_user(app.current_event.raw_event, user_id)
    action = parse_action(body)  # the action's own model, chosen by its type
    event, state = record_activity(user, action)
    logger.info("activity recorded", extra={"user_id": user, "event_id": event.event_id, "type": event.type})
    return {"event": event.public(), "state": state.public()}, 201


@app.get("/users/<user_id>/state")
def get_state(user_id: str, at: str | None = None) -> dict[str, Any]:
    user = _own_user(app.current_event.raw_event, user_id)
    if at is None:
        return {"as_of": None, "state": current_state(user).public()}
    moment = parse_moment(at, field_name="query.at")
    return {"as_of": timestamp(moment), "state": state_at(user, moment).public()}


@api_handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)


@event_handler(source="direct")
def replay(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """``{"user_id": "u-1", "at": "2024-05-13T10:45:12Z"}`` (``at`` optional: now) → the state at that time."""
    if not isinstance(event, dict):
        raise ValidationError(fields={"event": "must be an object with user_id and at"})
    user = check_user_id(event.get("user_id"), field_name="user_id")
    raw_at = event.get("at")
    moment = datetime.now(UTC) if raw_at is None else parse_moment(raw_at, field_name="at")
    return {"as_of": timestamp(moment), "state": state_at(user, moment).public()}
