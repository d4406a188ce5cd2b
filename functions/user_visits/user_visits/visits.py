"""Visit counting: one item per user, changed only by atomic UpdateItem (ADD), so no concurrent visit is lost.

Item: pk ``USER#<user_id>``, sk ``VISITS``; ``visits`` (number), ``first_visit``, ``last_visit``,
``previous_visit`` (ISO 8601 UTC; the last visit before this one, null on the first).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared import aws
from shared.errors import NotFoundError, ValidationError
from user_visits.settings import settings

SORT_KEY = "VISITS"
_USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}")


class VisitCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str
    visits: int
    first_visit: str
    last_visit: str
    previous_visit: str | None


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def valid_user_id(user_id: str) -> str:
    if not _USER_ID.fullmatch(user_id):
        raise ValidationError(fields={"path.user_id": "must be 1-128 letters, digits or . _ @ : - (not first)"})
    return user_id


def _key(user_id: str) -> dict[str, str]:
    return {"pk": f"USER#{user_id}", "sk": SORT_KEY}


def _as_count(item: Mapping[str, Any]) -> VisitCount:
    return VisitCount(
        user_id=str(item["pk"]).removeprefix("USER#"),
        visits=int(item["visits"]),
        first_visit=item["first_visit"],
        last_visit=item["last_visit"],
        previous_visit=item.get("previous_visit"),
    )


def record_visit(user_id: str, *, now: str | None = None) -> VisitCount:
    """Count one visit; DynamoDB applies the increment atomically, so the returned count is this visit's own."""
    table = aws.dynamodb_table(settings().visits_table)
    at = now or utc_now()
    response = table.update_item(
        Key=_key(valid_user_id(user_id)),
        # Right-hand sides read the item as it was, so previous_visit gets the old last_visit.
        UpdateExpression=(
            "ADD visits :one "
            "SET previous_visit = if_not_exists(last_visit, :none), last_visit = :at, "
            "first_visit = if_not_exists(first_visit, :at)"
        ),
        ExpressionAttributeValues={":one": 1, ":at": at, ":none": None},
        ReturnValues="ALL_NEW",
    )
    return _as_count(response["Attributes"])


def visit_count(user_id: str) -> VisitCount:
    """The current count without counting a visit; 404 for a user never seen."""
    table = aws.dynamodb_table(settings().visits_table)
    item = table.get_item(Key=_key(valid_user_id(user_id)), ConsistentRead=True).get("Item")
    if item is None:
        raise NotFoundError(f"no visits recorded for user {user_id}")
    return _as_count(item)
