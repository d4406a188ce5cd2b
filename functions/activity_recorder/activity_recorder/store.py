"""The DynamoDB adapter for ``ACTIVITY_TABLE`` (keys ``pk``/``sk``). One partition per user:

* ``sk = "event#<occurred_at>#<event_id>"`` — an immutable event, written once with ``attribute_not_exists``;
* ``sk = "eventid#<event_id>"`` — a guard that makes an event id unique whatever its timestamp.

Both are written in one transaction that touches only the new event's own keys, so concurrent appends of
different events never contend: an append never waits for, or loses a race to, another writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from activity_recorder.domain import ActivityEvent, event_position
from shared import aws
from shared.dynamo import query_items
from shared.errors import ConflictError, RetryableError
from shared.settings import EnvSettings, load_settings

__all__ = [
    "ActivitySettings",
    "DuplicateEventError",
    "append",
    "load_events",
]

EVENT_PREFIX = "event#"
GUARD_PREFIX = "eventid#"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class ActivitySettings(EnvSettings):
    activity_table: str


class DuplicateEventError(ConflictError):
    """The event id (or the same event) is already in the log: events are never overwritten."""

    code = "duplicate_event"


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


def _wire(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items()}


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


def append(event: ActivityEvent) -> None:
    """Write the event and its id guard atomically, each only if new.

    Raises DuplicateEventError when the event (or its id) exists, RetryableError when the same event id is
    being written by another request at this very moment (DynamoDB's TransactionConflict; a retry settles it).
    """
    table = _table_name()
    guard = {"pk": _pk(event.user_id), "sk": GUARD_PREFIX + event.event_id, "position": event.position}
    new_only = "attribute_not_exists(pk)"
    try:
        aws.dynamodb().transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": _wire(_event_item(event)), "ConditionExpression": new_only}},
                {"Put": {"TableName": table, "Item": _wire(guard), "ConditionExpression": new_only}},
            ]
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
        if "ConditionalCheckFailed" in reasons:
            raise DuplicateEventError(f"event {event.event_id} is already recorded") from None
        if "TransactionConflict" in reasons:
            in_flight = f"event {event.event_id} is being recorded by another request"
            raise RetryableError(in_flight, retry_after=1) from None
        raise
