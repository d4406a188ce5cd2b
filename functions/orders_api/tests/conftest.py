"""Fixtures for orders_api: moto-backed tables and bus, a Lambda context, and HTTP API event factories."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from shared.observability import metrics
from tests.support.aws_fixtures import FakeLambdaContext, create_idempotency_table, create_orders_table

EVENTS = Path(__file__).resolve().parents[1] / "events"
REGION = "eu-west-1"


def capture_bus_events(events: Any, sqs: Any, bus: str) -> str:
    """A rule sending every orders.api event on ``bus`` to a new queue; returns the queue URL."""
    queue_url = sqs.create_queue(QueueName="captured-order-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="capture", EventBusName=bus, EventPattern=json.dumps({"source": ["orders.api"]}))
    events.put_targets(Rule="capture", EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue_arn}])
    return queue_url


@dataclass
class OrdersAws:
    dynamodb: Any
    events: Any
    sqs: Any
    queue_url: str

    def published(self) -> list[dict[str, Any]]:
        """Every event that reached the bus so far (drained from the capture queue)."""
        found: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return found
            for message in batch:
                found.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def orders_aws(monkeypatch: pytest.MonkeyPatch, moto_aws: None) -> OrdersAws:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("ORDERS_TABLE", "orders")
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "idempotency")
    monkeypatch.setenv("EVENT_BUS_NAME", "orders-bus")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "orders_api")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "orders")
    # shared's Metrics is built once per process, at import, maybe before this fixture set the namespace
    monkeypatch.setattr(metrics, "namespace", "orders")
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    create_orders_table(dynamodb)
    create_idempotency_table(dynamodb)
    events = boto3.client("events", region_name=REGION)
    events.create_event_bus(Name="orders-bus")
    sqs = boto3.client("sqs", region_name=REGION)
    return OrdersAws(dynamodb, events, sqs, capture_bus_events(events, sqs, "orders-bus"))


CUSTOMER = "c-1"  # the sub of the sample events' token
OTHER_CUSTOMER = "c-2"


def load_sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def http_event(
    method: str,
    path: str,
    *,
    body: object = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    user: str | None = CUSTOMER,
) -> dict[str, Any]:
    """A payload 2.0 event like the samples (same headers and context), for any method, path and body.

    ``user`` is the signed-in user (the JWT ``sub`` claim the authorizer passes); None: no authorizer context.
    """
    event = load_sample("create_order")
    if user is None:
        event["requestContext"].pop("authorizer")
    else:
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = user
    event["routeKey"] = "ANY /orders" if path == "/orders" else "ANY /orders/{proxy+}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["routeKey"] = event["routeKey"]
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    event["headers"].pop("idempotency-key")
    event["headers"].pop("content-length")
    if path != "/orders":
        event["pathParameters"] = {"proxy": path.removeprefix("/orders/")}
    if query:
        event["queryStringParameters"] = query
        event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    if body is None:
        event.pop("body")
        event["headers"].pop("content-type")
    else:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    event["headers"].update(headers or {})
    return event


Invoke = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def invoke(orders_aws: OrdersAws) -> Invoke:
    from orders_api.handler import lambda_handler

    def call(event: dict[str, Any]) -> dict[str, Any]:
        return lambda_handler(event, FakeLambdaContext("orders-dev-orders_api", region=REGION, remaining_ms=10_000))

    return call


def body_of(response: dict[str, Any]) -> Any:
    """The decoded JSON body of a response (gunzipped when the function compressed it)."""
    raw = response["body"]
    if response.get("isBase64Encoded"):
        raw = gzip.decompress(base64.b64decode(raw)).decode()
    return json.loads(raw) if raw else None


ORDER_BODY = {"items": [{"sku": "sku-1", "quantity": 2, "price": "9.99"}]}


@pytest.fixture
def make_event() -> Callable[..., dict[str, Any]]:
    return http_event


@pytest.fixture
def decode() -> Callable[[dict[str, Any]], Any]:
    return body_of


@pytest.fixture
def order_body() -> dict[str, Any]:
    return json.loads(json.dumps(ORDER_BODY))


@pytest.fixture
def create(invoke: Invoke) -> Callable[..., dict[str, Any]]:
    """POST an order and return the created order (asserting the 201)."""

    def post(body: object = ORDER_BODY, headers: dict[str, str] | None = None, user: str = CUSTOMER) -> dict[str, Any]:
        response = invoke(
            http_event(
                "POST", "/orders", body=body, headers={"content-type": "application/json", **(headers or {})}, user=user
            )
        )
        assert response["statusCode"] == 201, response["body"]
        return body_of(response)

    return post


@pytest.fixture
def system_move(orders_aws: OrdersAws) -> Callable[[str, str], dict[str, Any]]:
    """Move an order as the order process does (the saga, the queue), not as a customer may."""
    from shared.order_store import OrderTable
    from shared.orders import OrderStatus

    def move(order_id: str, status: str) -> dict[str, Any]:
        return OrderTable("orders").change_status(order_id, OrderStatus(status)).model_dump(mode="json")

    return move


@pytest.fixture
def sample() -> Callable[[str], dict[str, Any]]:
    """A sample event from events/<name>.json."""
    return load_sample


@pytest.fixture
def orders_tables() -> Callable[[Any], None]:
    """Creates the orders and idempotency tables with a given DynamoDB client."""

    def create_both(client: Any) -> None:
        create_orders_table(client)
        create_idempotency_table(client)

    return create_both
