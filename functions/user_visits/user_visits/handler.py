"""API Gateway HTTP API (payload 2.0): POST counts a visit, GET reads the count, for /users/{user_id}/visits."""

from __future__ import annotations

from typing import Any

from shared.http import make_resolver
from shared.middleware import api_handler
from user_visits.visits import VisitCount, record_visit, visit_count

app = make_resolver()


@app.post("/users/<user_id>/visits")
def count_visit(user_id: str) -> VisitCount:
    return record_visit(user_id)


@app.get("/users/<user_id>/visits")
def read_visits(user_id: str) -> VisitCount:
    return visit_count(user_id)


@api_handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
