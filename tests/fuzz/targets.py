"""Every HTTP function the regional stack routes (terraform/stacks/regional/wiring.tf), as the fuzz suite drives it.

A :class:`Target` names the function's handler, the resources it needs (created under moto before the first
request) and its routes with a *valid* request for each, so the generated hostile requests start from what the
function accepts and stray from it one way at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from scripts.hcl_literal import parse as parse_hcl
from shared import aws
from tests.support.aws_fixtures import create_idempotency_table, create_orders_table, create_table

REPO = Path(__file__).resolve().parents[2]
WIRING = REPO / "terraform" / "stacks" / "regional" / "wiring.tf"

ALICE = "7d4e1a52-3c1f-4b8e-9a57-0c2b9f1e6d31"  # the signed-in user of most requests (a Cognito sub)
BOB = "0b5f2e7c-9a41-4d3e-8c2b-6f1a7e9d3c50"  # another signed-in user
SERVICE = "5r8t2k1m9q3v7w4x6y0z2a4b6c"  # a back-office app client (client-credentials token)
PAYMENTS_SCOPE = "orders/payments"

Auth = Literal["user", "service", "public"]


@dataclass(frozen=True)
class Route:
    """One route: ``template`` like ``/users/{user_id}/visits``; ``body`` a valid JSON body (None: no body)."""

    method: str
    template: str
    route_key: str
    body: Mapping[str, Any] | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    auth: Auth = "user"

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{(\w+)\}", self.template))


@dataclass(frozen=True)
class Target:
    name: str  # the function key in wiring.tf (== its folder here)
    module: str  # the handler module; its lambda_handler is invoked
    env: Mapping[str, str]
    setup: Callable[[], None]  # creates the resources under moto; targets sharing resources share the function
    routes: tuple[Route, ...]
    # An id the function accepts for each path parameter, to build valid-looking requests around.
    known_ids: Mapping[str, str] = field(default_factory=dict)


def _orders() -> None:
    client = aws.dynamodb()
    create_orders_table(client)
    create_idempotency_table(client)
    aws.events().create_event_bus(Name="orders-bus")


def _table(name: str) -> Callable[[], None]:
    return lambda: create_table(aws.dynamodb(), name)


ORDER_LINE = {"sku": "sku-1", "quantity": 2, "price": "9.99"}

TARGETS: tuple[Target, ...] = (
    Target(
        name="orders_api",
        module="orders_api.handler",
        env={"ORDERS_TABLE": "orders", "IDEMPOTENCY_TABLE": "idempotency", "EVENT_BUS_NAME": "orders-bus"},
        setup=_orders,
        routes=(
            Route("POST", "/orders", "ANY /orders", body={"items": [ORDER_LINE]}),
            Route("GET", "/orders", "ANY /orders", query={"limit": "10", "status": "PENDING"}),
            Route("GET", "/orders/{proxy}", "ANY /orders/{proxy+}"),
            Route("DELETE", "/orders/{proxy}", "ANY /orders/{proxy+}"),
            Route("PATCH", "/orders/{proxy}/status", "ANY /orders/{proxy+}", body={"status": "CANCELLED"}),
        ),
        known_ids={"proxy": "3f1c9a8e-2b7d-4c6e-9a1f-5d8e7c6b4a32"},
    ),
    Target(
        name="health",
        module="health.handler",
        env={"ORDERS_TABLE": "orders"},
        setup=_orders,  # the same resources as orders_api's (one setup per distinct function)
        routes=(Route("GET", "/health", "GET /health", auth="public"),),
    ),
    Target(
        name="user_visits",
        module="user_visits.handler",
        env={"VISITS_TABLE": "visits"},
        setup=_table("visits"),
        routes=(
            Route("POST", "/users/{user_id}/visits", "POST /users/{user_id}/visits"),
            Route("GET", "/users/{user_id}/visits", "GET /users/{user_id}/visits"),
        ),
        known_ids={"user_id": ALICE},
    ),
    Target(
        name="activity_recorder",
        module="activity_recorder.handler",
        env={"ACTIVITY_TABLE": "activity"},
        setup=_table("activity"),
        routes=(
            Route(
                "POST",
                "/users/{user_id}/activities",
                "POST /users/{user_id}/activities",
                body={"type": "cart_item_added", "data": {"sku": "sku-1", "quantity": 2}},
            ),
            Route("GET", "/users/{user_id}/state", "GET /users/{user_id}/state", query={"at": "2024-05-13T10:45:00Z"}),
        ),
        known_ids={"user_id": ALICE},
    ),
    Target(
        name="payment_gateway",
        module="payment_gateway.handler",
        # PAYMENT_API_URL is the payment sandbox the fixture serves on loopback.
        env={"CIRCUIT_TABLE": "circuit", "PAYMENT_TIMEOUT_SECONDS": "2"},
        setup=_table("circuit"),
        routes=(
            Route("POST", "/payments", "POST /payments", body={"order_id": "o-1", "amount": "12.50"}, auth="service"),
            Route(
                "POST",
                "/payments/{payment_id}/refunds",
                "POST /payments/{payment_id}/refunds",
                body={"amount": "1.00"},
                auth="service",
            ),
        ),
        known_ids={"payment_id": "pay_0001"},
    ),
    Target(
        name="upload_url",
        module="upload_url.handler",
        env={"UPLOADS_BUCKET": "uploads"},
        setup=lambda: aws.s3().create_bucket(Bucket="uploads"),
        routes=(Route("POST", "/uploads", "POST /uploads", body={"content_type": "text/csv", "size": 100}),),
    ),
)

BY_NAME = {target.name: target for target in TARGETS}


def wired_http_functions(wiring: str | None = None) -> dict[str, set[str]]:
    """Function key → its route keys, for every entry of wiring.tf with ``routes`` or ``public_routes``."""
    table = parse_hcl(WIRING.read_text() if wiring is None else wiring)["locals"]["wiring"]
    return {
        name: set(entry.get("routes") or ()) | set(entry.get("public_routes") or ())
        for name, entry in table.items()
        if entry.get("routes") or entry.get("public_routes")
    }
