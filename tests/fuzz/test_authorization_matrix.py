"""The authorization matrix: every non-public route of every routed HTTP function, asked by a second signed-in
user about the first user's resources, and asked with no user at all.

The owner (ALICE) first creates what the route reads or changes, then BOB asks for it: a 404 (the resource
does not exist for BOB, so ids do not leak) or a 403 (a collection named by another user's id in the path), and
ALICE's resource is unchanged. Without a usable caller every route answers 401. The routes come from the fuzz
targets, which a test keeps equal to ``wiring.tf``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.fuzz.events import MISSING, http_event, user_jwt
from tests.fuzz.targets import ALICE, BOB, BY_NAME, TARGETS, Route
from tests.support.aws_fixtures import FakeLambdaContext

CASES = [
    pytest.param(target.name, route, id=f"{target.name}:{route.method} {route.template}")
    for target in TARGETS
    for route in target.routes
    if route.auth != "public"
]


def call(name: str, event: dict[str, Any]) -> dict[str, Any]:
    handler = importlib.import_module(BY_NAME[name].module).lambda_handler
    response: dict[str, Any] = handler(event, FakeLambdaContext(f"orders-authz-{name}", remaining_ms=10_000))
    return response


def body_of(response: dict[str, Any]) -> Any:
    if response.get("isBase64Encoded"):
        import base64
        import gzip

        return json.loads(gzip.decompress(base64.b64decode(response["body"])))
    return json.loads(response["body"]) if response.get("body") else None


def as_user(name: str, route: Route, user: str, path_values: dict[str, str] | None = None) -> dict[str, Any]:
    body = json.dumps(route.body) if route.body is not None else None
    event = http_event(route, path_values=path_values or {}, body=body, jwt=user_jwt(user), query=dict(route.query))
    return call(name, event)


def owned_by_alice(name: str) -> tuple[dict[str, str], Callable[[], Any]]:
    """Path values naming ALICE's resource for ``name``'s routes, and how ALICE reads it back (to compare)."""
    if name == "orders_api":
        create = next(r for r in BY_NAME[name].routes if r.method == "POST")
        created = body_of(as_user(name, create, ALICE))
        order_id = created["order_id"]
        read = next(r for r in BY_NAME[name].routes if r.method == "GET" and "{proxy}" in r.template)
        return {"proxy": order_id}, lambda: body_of(as_user(name, read, ALICE, {"proxy": order_id}))
    if name in ("user_visits", "activity_recorder"):
        record = next(r for r in BY_NAME[name].routes if r.method == "POST")
        assert as_user(name, record, ALICE, {"user_id": ALICE})["statusCode"] < 300
        read = next(r for r in BY_NAME[name].routes if r.method == "GET")
        return {"user_id": ALICE}, lambda: body_of(as_user(name, read, ALICE, {"user_id": ALICE}))
    return dict(BY_NAME[name].known_ids), lambda: None


@pytest.mark.parametrize(("name", "route"), CASES)
def test_a_second_user_cannot_reach_the_first_users_resources(fuzz_stack: None, name: str, route: Route) -> None:
    # Given a resource of ALICE's (an order, her visits, her activity log)
    path_values, alices_view = owned_by_alice(name)
    before = alices_view()

    # When BOB, signed in, asks for it on this route
    response = as_user(name, route, BOB, path_values)

    # Then it is refused without telling BOB anything about it, and ALICE's resource is as it was
    answer = body_of(response)
    if name == "upload_url":  # no resource in the path: BOB's upload can only ever land in BOB's own folder
        assert response["statusCode"] == 200, response
        assert answer["key"].startswith(f"uploads/{BOB}/")
    elif name == "orders_api" and not route.params and route.method == "POST":  # a new order of BOB's own
        assert response["statusCode"] == 201, response
        assert answer["customer_id"] == BOB
    elif name == "orders_api" and not route.params:  # BOB's list: none of ALICE's orders in it
        assert response["statusCode"] == 200, response
        assert path_values["proxy"] not in {order["order_id"] for order in answer["items"]}
    else:
        assert response["statusCode"] in (403, 404), f"{name} {route.method} {route.template}: {response}"
        assert "error" in body_of(response)
    assert alices_view() == before


@pytest.mark.parametrize(("name", "route"), CASES)
def test_a_request_without_a_user_is_401(fuzz_stack: None, name: str, route: Route) -> None:
    body = json.dumps(route.body) if route.body is not None else None
    event = http_event(route, path_values=dict(BY_NAME[name].known_ids), body=body, jwt=MISSING)

    response = call(name, event)

    assert response["statusCode"] == 401, f"{name} {route.method} {route.template}: {response}"
