"""Routing edges: 405 with Allow, 404 for unknown paths, and no CORS of the function's own (the API's)."""

from __future__ import annotations

import uuid

import pytest


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/orders", "GET, POST"),
        ("POST", "/orders/5b1f0d1e-7c1a-4f7e-9d3a-2f4c1b2a9e10", "GET, DELETE"),
        ("GET", "/orders/x/status", "PATCH"),
    ],
)
def test_wrong_method_answers_405_with_allow(invoke, make_event, decode, method, path, allow) -> None:
    response = invoke(make_event(method, path))

    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == allow
    assert decode(response)["error"]["code"] == "method_not_allowed"


def test_unknown_path_answers_404(invoke, make_event, decode) -> None:
    response = invoke(make_event("GET", "/orders/x/items"))

    assert response["statusCode"] == 404
    assert decode(response)["error"]["code"] == "not_found"


@pytest.mark.parametrize("missing", [False, True], ids=["found", "not-found"])
def test_the_function_sends_no_cors_headers_the_http_api_owns_cors(create, invoke, make_event, missing) -> None:
    # Given a cross-origin request (the HTTP API's cors_configuration answers preflights and adds the headers)
    order_id = str(uuid.uuid4()) if missing else create()["order_id"]

    response = invoke(make_event("GET", f"/orders/{order_id}", headers={"origin": "https://shop.example.com"}))

    # Then the function adds none of its own, so API Gateway's answer is the only one
    assert response["statusCode"] == (404 if missing else 200)
    assert not [name for name in response["headers"] if name.lower().startswith("access-control-")]
