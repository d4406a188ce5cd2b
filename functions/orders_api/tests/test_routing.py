"""Routing edges: 405 with Allow, 404 for unknown paths, CORS preflight and CORS on responses."""

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


def test_cors_preflight_answers_204_with_the_allowed_methods_and_headers(invoke, sample) -> None:
    # Given the browser's preflight for a POST with an idempotency key
    response = invoke(sample("cors_preflight"))

    # Then it may send it
    headers = response["headers"]
    assert response["statusCode"] == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"].split(",")
    assert "Idempotency-Key" in headers["Access-Control-Allow-Headers"].split(",")


def test_cross_origin_response_carries_cors_headers(create, invoke, make_event) -> None:
    order = create()

    response = invoke(make_event("GET", f"/orders/{order['order_id']}", headers={"origin": "https://shop.example.com"}))

    assert response["headers"]["Access-Control-Allow-Origin"] == "*"


def test_cross_origin_error_response_carries_cors_headers(invoke, make_event) -> None:
    response = invoke(make_event("GET", f"/orders/{uuid.uuid4()}", headers={"origin": "https://shop.example.com"}))

    assert response["statusCode"] == 404
    assert response["headers"]["Access-Control-Allow-Origin"] == "*"
