"""The DynamoDB adapter for ``ACTIVITY_TABLE`` (keys ``pk``/``sk``). One partition per user:

* ``sk = "event#<occurred_at>#<event_id>"`` — an immutable event, written once with ``attribute_not_exists``;
* ``sk = "eventid#<event_id>"`` — a guard that makes an event id unique whatever its timestamp;
* ``sk = "state"`` — the projection, versioned by ``events_applied`` (optimistic concurrency).

The three are written in one transaction, so the projection never misses or double-counts an event.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from activity_recorder.domain import ActivityEvent, UserState, event_position
from shared import aws
from shared.dynamo import query_items
from shared.errors import ConflictError
from shared.settings import EnvSettings, load_settings

__all__ = [
    "ActivitySettings",
    "DuplicateEventError",
    "ProjectionChangedError",
    "append",
    "load_events",
    "load_projection",
]

EVENT_PREFIX = "event#"
GUARD_PREFIX = "eventid#"
STATE_KEY = "state"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class ActivitySettings(EnvSettings):
    activity_table: str


class DuplicateEventError(ConflictError):
    """The event id (or the same event) is already in the log: events are never overwritten."""

    code = "duplicate_event"


class ProjectionChangedError(Exception):
    """Another invocation advanced the projection since it was read; re-read and try again."""


def _table_name() -> str:
    return load_settings(ActivitySettings).activity_table


def _pk(user_id: str) -> str:
    return f"user#{user_id}"


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the domain uses int."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _event_item(event: ActivityEvent) -> dict[str, Any]:
    return {
        "pk": _pk(event.user_id),
        "sk": EVENT_PREFIX + event.position,
        "entity": "activity_event",
        "user_id": event.user_id,
        "event_id": event.event_id,
        "type": event.type,
        "data": event.data,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
    }


def _event(item: dict[str, Any]) -> ActivityEvent:
    return ActivityEvent(
        user_id=str(item["user_id"]),
        event_id=str(item["event_id"]),
        type=str(item["type"]),
        data=_plain(item.get("data") or {}),
        occurred_at=str(item["occurred_at"]),
        recorded_at=str(item["recorded_at"]),
    )


def _state_item(state: UserState) -> dict[str, Any]:
    return {
        "pk": _pk(state.user_id),
        "sk": STATE_KEY,
        "entity": "activity_projection",
        "user_id": state.user_id,
        "events_applied": state.events_applied,
        "position": state.position,
        "last_event_at": state.last_event_at,
        "sign_ins": state.sign_ins,
        "last_sign_in_at": state.last_sign_in_at,
        "recently_viewed": list(state.recently_viewed),
        "cart": state.cart,
        "orders_placed": state.orders_placed,
        "last_order_id": state.last_order_id,
    }


def _state(item: dict[str, Any]) -> UserState:
    plain = _plain(item)
    return UserState(
        user_id=plain["user_id"],
        events_applied=plain["events_applied"],
        position=plain["position"],
        last_event_at=plain.get("last_event_at"),
        sign_ins=plain.get("sign_ins", 0),
        last_sign_in_at=plain.get("last_sign_in_at"),
        recently_viewed=tuple(plain.get("recently_viewed", ())),
        cart=dict(plain.get("cart", {})),
        orders_placed=plain.get("orders_placed", 0),
        last_order_id=plain.get("last_order_id"),
    )


def _wire(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items()}


def load_projection(user_id: str) -> UserState | None:
    """The projection as stored (strongly consistent), or None before the user's first event."""
    found = aws.dynamodb().get_item(
        TableName=_table_name(), Key=_wire({"pk": _pk(user_id), "sk": STATE_KEY}), ConsistentRead=True
    )
    item = found.get("Item")
    return None if item is None else _state({k: _deserializer.deserialize(v) for k, v in item.items()})


def load_events(user_id: str, *, until: str | None = None) -> Iterator[ActivityEvent]:
    """The user's events in log order; ``until`` (a timestamp) keeps only events that occurred at or before it."""
    partition = Key("pk").eq(_pk(user_id))
    if until is None:
        key = partition & Key("sk").begins_with(EVENT_PREFIX)
    else:
        # "~" sorts after every event id character, so events at exactly ``until`` are included.
        key = partition & Key("sk").between(EVENT_PREFIX, EVENT_PREFIX + event_position(until, "~"))
    for item in query_items(_table_name(), KeyConditionExpression=key, ConsistentRead=True):
        yield _event(item)


def append(event: ActivityEvent, new_state: UserState, *, expected_events_applied: int) -> None:
    """Write the event, its id guard and the new projection atomically.

    Raises DuplicateEventError when the event (or its id) exists, ProjectionChangedError when the projection
    is no longer at ``expected_events_applied``.
    """
    table = _table_name()
    guard = {"pk": _pk(event.user_id), "sk": GUARD_PREFIX + event.event_id, "position": event.position}
    new_only = "attribute_not_exists(pk)"
    try:
        aws.dynamodb().transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": _wire(_event_item(event)), "ConditionExpression": new_only}},
                {"Put": {"TableName": table, "Item": _wire(guard), "ConditionExpression": new_only}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": _wire(_state_item(new_state)),
                        # events_applied is the projection's version: unchanged since we read it (or still absent)
                        "ConditionExpression": "attribute_not_exists(pk) OR events_applied = :seen",
                        "ExpressionAttributeValues": {":seen": {"N": str(expected_events_applied)}},
                    }
                },
            ]
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]  # type: ignore[attr-defined]
        if "ConditionalCheckFailed" in reasons[:2]:
            raise DuplicateEventError(f"event {event.event_id} is already recorded") from None
        if len(reasons) == 3 and reasons[2] == "ConditionalCheckFailed":
            raise ProjectionChangedError(event.user_id) from None
        raise
