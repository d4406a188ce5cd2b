"""API Gateway HTTP API (payload 2.0): POST counts a visit, GET reads the count, for /users/{user_id}/visits.

A caller counts and reads only their own visits: the path's user must be the token's ``sub`` (403 otherwise,
as activity_recorder answers: user ids are not secrets, so saying "not yours" leaks nothing).
"""

from __future__ import annotations

from typing import Any

from shared.errors import ForbiddenError
from shared.http import make_resolver
from shared.identity import caller_id
from shared.middleware import api_handler
from user_visits.visits import VisitCount, record_visit, valid_user_id, visit_count

app = make_resolver(authorize=caller_id)


def _own_visits(user_id: str) -> str:
    """The path's user when it is the caller: 401 without a caller, 400 for a bad id, 403 for someone else."""
    caller = caller_id(app.current_event.raw_event)
    if valid_user_id(user_id) != caller:
        raise ForbiddenError("you may only count and read your own visits")
    return user_id


@app.post("/users/<user_id>/visits")
def count_visit(user_id: str) -> VisitCount:
    return record_visit(_own_visits(user_id))


@app.get("/users/<user_id>/visits")
def read_visits(user_id: str) -> VisitCount:
    return visit_count(_own_visits(user_id))


@api_handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
