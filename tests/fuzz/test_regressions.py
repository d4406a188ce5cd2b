"""The corpus of inputs that once made a function answer 500 or accept what it must refuse.

Each case is replayed on every route it applies to, through the function's real handler, and must get the
exact client error it deserves, as well as pass the fuzz suite's checks (below 500, JSON, nothing internal).
Add an input here whenever the fuzz suite (or anyone) finds a new one.
"""

from __future__ import annotations

import base64
import importlib
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.fuzz.checks import assert_safe_answer
from tests.fuzz.events import http_event
from tests.fuzz.targets import ALICE, BY_NAME, ORDER_LINE, Route


@dataclass(frozen=True)
class Case:
    id: str
    target: str
    method: str
    template: str
    status: int
    fields: dict[str, str] = field(default_factory=dict)  # error.details.fields expected (keys, or key → value)
    body: str | None = None
    query: dict[str, str] | None = None
    raw_path: str | None = None  # instead of the template's path


def deep(depth: int) -> str:
    """JSON nested ``depth`` levels: 999-7,000 deep under the size limit once raised RecursionError in json_body."""
    return '{"items": ' + "[" * depth + "]" * depth + "}"


def number(digits: int) -> str:
    """A ``digits``-digit number: 5,000 once raised ValueError "Exceeds the limit (4300 digits)" in json_body."""
    return '{"items": ' + "9" * digits + "}"


# Each input as found, and the deepest / longest variant that fits the 4 KiB limit of the smallest bodies
# (a body over a function's limit is a 413 before it is parsed, which is right too).
HOSTILE_BODIES = {
    "depth-999": (deep(999), "nested too deeply"),
    "depth-2000": (deep(2000), "nested too deeply"),
    "depth-7000": (deep(7000), "nested too deeply"),
    "digits-4000": (number(4000), "number too long"),
    "digits-5000": (number(5000), "number too long"),
}
BODY_ROUTES = (
    ("orders_api", "POST", "/orders"),
    ("orders_api", "PATCH", "/orders/{proxy}/status"),
    ("activity_recorder", "POST", "/users/{user_id}/activities"),
    ("payment_gateway", "POST", "/payments"),
    ("payment_gateway", "POST", "/payments/{payment_id}/refunds"),
    ("upload_url", "POST", "/uploads"),
)


def body_limit(target: str) -> int:
    handler = importlib.import_module(BY_NAME[target].module)
    return int(getattr(handler, "MAX_BODY_BYTES", None) or handler.MAX_REQUEST_BYTES)


def hostile_body_case(name: str, target: str, method: str, template: str) -> Case:
    body, problem = HOSTILE_BODIES[name]
    if len(body) > body_limit(target):
        return Case(f"{name}-{target}-{method}-{template}", target, method, template, 413, {}, body)
    return Case(f"{name}-{target}-{method}-{template}", target, method, template, 400, {"body": problem}, body)


CORPUS: list[Case] = [
    *(hostile_body_case(name, *route) for name in HOSTILE_BODIES for route in BODY_ROUTES),
    # A cursor that is base64 of "[" * 1500 once made GET /orders answer 500 (decode_cursor).
    Case(
        "cursor-base64-of-1500-brackets",
        "orders_api",
        "GET",
        "/orders",
        400,
        {"query.cursor": "not a cursor returned by this API for this query"},
        query={"cursor": base64.urlsafe_b64encode(b"[" * 1500).decode()},
    ),
    # Prices and amounts in non-ASCII digits were accepted and stored as sent (\d matches any Unicode digit).
    *(
        Case(
            f"price-{price}",
            "orders_api",
            "POST",
            "/orders",
            400,
            {"body.items.0.price": ""},
            json.dumps({"items": [{**ORDER_LINE, "price": price}]}),
        )
        for price in ("١٢", "１.００", "٣.١٤")
    ),
    *(
        Case(
            f"amount-{amount}",
            "payment_gateway",
            "POST",
            "/payments",
            400,
            {"body.amount": ""},
            json.dumps({"order_id": "o-1", "amount": amount}),
        )
        for amount in ("١٢", "１.００", "٣.١٤")
    ),
    # A 404 echoing a path with a lone surrogate could not be encoded for gzip (json_dumps kept it raw).
    Case("lone-surrogate-in-path", "health", "GET", "/health", 404, raw_path="/health/\ud800" * 200),
]


def route_of(case: Case) -> Route:
    for route in BY_NAME[case.target].routes:
        if (route.method, route.template) == (case.method, case.template):
            return route
    raise LookupError(f"{case.target} has no route {case.method} {case.template}")


def event_of(case: Case) -> dict[str, Any]:
    route = route_of(case)
    ids = {param: BY_NAME[case.target].known_ids[param] for param in route.params}
    if "user_id" in ids:
        ids["user_id"] = ALICE  # the caller's own path, so only the input is wrong
    event = http_event(route, path_values=ids, body=case.body, query=case.query)
    if case.raw_path is not None:
        event["rawPath"] = event["requestContext"]["http"]["path"] = case.raw_path
    return event


@pytest.mark.parametrize(
    ("function_under_test", "case"),
    [pytest.param(case.target, case, id=case.id) for case in CORPUS],
    indirect=["function_under_test"],
)
def test_input_that_once_failed_gets_the_client_error_it_deserves(function_under_test, case: Case) -> None:
    # Given an input from the corpus, sent by a signed-in caller on their own resources
    event = event_of(case)
    # When the function answers it
    status, body = assert_safe_answer(function_under_test(event), event)
    # Then it is the expected 4xx, naming the field at fault
    assert status == case.status, body
    fields = body["error"].get("details", {}).get("fields", {})
    assert set(fields) == set(case.fields), body
    for name, message in case.fields.items():
        if message:
            assert fields[name] == message, body
