"""API Gateway HTTP API (payload 2.0) entry point for /orders: parse → service → response."""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.event_handler import Response

from orders_api import service
from orders_api.models import CreateOrderRequest, ListOrdersQuery, Order, OrderPage, StatusChangeRequest, parse_input
from shared.errors import MethodNotAllowedError, NotFoundError
from shared.http import json_body, make_resolver
from shared.identity import caller_id
from shared.middleware import api_handler

MAX_BODY_BYTES = 16_384  # an order of 100 lines is ~8 KiB; anything bigger is not an order
JSON = "application/json"

app = make_resolver()

# Which methods each path supports, for 405 + Allow (API Gateway routes ANY /orders and ANY /orders/{proxy+} here).
ROUTES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"/orders"), ("GET", "POST")),
    (re.compile(r"/orders/[^/]+"), ("GET", "DELETE")),
    (re.compile(r"/orders/[^/]+/status"), ("PATCH",)),
)


def _caller() -> str:
    """Every route acts as the signed-in user (the JWT authorizer's ``sub``), nothing more."""
    return caller_id(app.current_event.raw_event)


@app.post("/orders")
def create_order() -> Response[Order]:
    event = app.current_event
    customer = _caller()
    request = parse_input(CreateOrderRequest, json_body(event.raw_event, max_bytes=MAX_BODY_BYTES), where="body")
    order = service.create_order(
        request,
        customer_id=customer,
        idempotency_key=event.headers.get("idempotency-key"),
        lambda_context=app.lambda_context,
    )
    return Response(201, JSON, order, headers={"Location": f"/orders/{order.order_id}"})


@app.get("/orders")
def list_orders() -> OrderPage:
    customer = _caller()
    query = parse_input(ListOrdersQuery, app.current_event.query_string_parameters, where="query")
    return service.list_orders(query, customer_id=customer)


@app.get("/orders/<order_id>")
def get_order(order_id: str) -> Order:
    return service.get_order(order_id, customer_id=_caller())


@app.delete("/orders/<order_id>")
def delete_order(order_id: str) -> Response[str]:
    service.delete_order(order_id, customer_id=_caller())
    return Response(204, None, "")


@app.patch("/orders/<order_id>/status")
def change_status(order_id: str) -> Order:
    customer = _caller()
    body = json_body(app.current_event.raw_event, max_bytes=MAX_BODY_BYTES)
    status = parse_input(StatusChangeRequest, body, where="body").status
    return service.change_status(order_id, status, customer_id=customer)


@app.not_found
def no_route(_: Exception) -> Response[Any]:
    method, path = app.current_event.http_method, app.current_event.path
    for pattern, allowed in ROUTES:
        if pattern.fullmatch(path) and method not in allowed:
            raise MethodNotAllowedError(f"{method} is not allowed on {path}", allowed=allowed)
    raise NotFoundError(f"no route for {method} {path}")


@api_handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
