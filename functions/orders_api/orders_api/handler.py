"""API Gateway HTTP API (payload 2.0) entry point for /orders: typed request → service → response.

Powertools validates what each route declares (the body model, ``Query()`` model, path ids) and answers 400s,
404s and 405s (``Allow`` from these routes) through shared.http; lists and orders are gzipped when accepted.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response

from orders_api import service
from orders_api.models import CreateOrderRequest, ListOrdersQuery, Order, OrderPage, StatusChangeRequest
from shared.http import Query, make_resolver
from shared.identity import caller_id
from shared.middleware import api_handler

MAX_BODY_BYTES = 16_384  # an order of 100 lines is ~8 KiB; anything bigger is not an order
JSON = "application/json"

app = make_resolver(max_body_bytes=MAX_BODY_BYTES, authorize=caller_id)


def _caller() -> str:
    """Every route acts as the signed-in user (the JWT authorizer's ``sub``), nothing more."""
    return caller_id(app.current_event.raw_event)


@app.post("/orders", status_code=201)
def create_order(request: CreateOrderRequest) -> Response[Order]:
    order = service.create_order(
        request,
        customer_id=_caller(),
        idempotency_key=app.current_event.headers.get("idempotency-key"),
        lambda_context=app.lambda_context,
    )
    return Response(201, JSON, order, headers={"Location": f"/orders/{order.order_id}"})


@app.get("/orders", compress=True)
def list_orders(query: Annotated[ListOrdersQuery, Query()]) -> OrderPage:
    return service.list_orders(query, customer_id=_caller())


@app.get("/orders/<order_id>", compress=True)
def get_order(order_id: str) -> Order:
    return service.get_order(order_id, customer_id=_caller())


@app.delete("/orders/<order_id>")
def delete_order(order_id: str) -> Response[str]:
    service.delete_order(order_id, customer_id=_caller())
    return Response(204, None, "")


@app.patch("/orders/<order_id>/status")
def change_status(order_id: str, change: StatusChangeRequest) -> Order:
    return service.change_status(order_id, change.status, customer_id=_caller())


@api_handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
