"""Fixtures for the saga: moto tables + topic, the tests' payment provider on loopback (tests.support), order factories.

An order is what orders_api creates: a ``shared.orders.Order`` in the orders table, and as the saga's execution
input the ``shared.contracts.SagaInput`` order_events_router builds from its OrderCreated event.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer

from shared import inventory
from shared.contracts import OrderCreated, SagaInput
from shared.observability import metrics
from shared.order_store import OrderTable
from shared.orders import Order, OrderLine, OrderStatus, saga_step_key, to_item
from tests.support.aws_fixtures import FakeLambdaContext, create_orders_table, create_table
from tests.support.payment_provider import FakePaymentApi, running_payment_api

ORDERS, INVENTORY, CIRCUIT = "orders", "inventory", "circuit"


def create_tables(dynamodb: Any) -> None:
    create_orders_table(dynamodb, ORDERS)
    for name in (INVENTORY, CIRCUIT):
        create_table(dynamodb, name)


_TYPED = TypeSerializer()


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _TYPED.serialize(value) for name, value in values.items()}


def put_stock(dynamodb: Any, sku: str, available: int) -> None:
    dynamodb.put_item(TableName=INVENTORY, Item=_typed(inventory.stock_item(sku, available)))


def stock(dynamodb: Any, sku: str) -> int:
    item = dynamodb.get_item(TableName=INVENTORY, Key=_typed(inventory.stock_key(sku)), ConsistentRead=True)["Item"]
    return int(item[inventory.AVAILABLE]["N"])


def step_record(dynamodb: Any, order_id: str, step: str) -> dict[str, Any] | None:
    key = _typed(saga_step_key(order_id, step))
    return dynamodb.get_item(TableName=ORDERS, Key=key, ConsistentRead=True).get("Item")


LINES = [{"sku": "SKU-1", "quantity": 2, "price": "15.00"}, {"sku": "SKU-2", "quantity": 1, "price": "15.99"}]


def new_order(*, lines: list[dict[str, Any]] | None = None, **fields: Any) -> Order:
    """A PENDING order for 2 × SKU-1 and 1 × SKU-2 (45.99 EUR) as orders_api creates it."""
    items = [OrderLine(**line) for line in (lines or LINES)]
    fields = {"order_id": f"o-{uuid.uuid4().hex[:12]}", "customer_id": "c-42", "currency": "EUR"} | fields
    return Order.new(items=items, source="api", **fields)


def saga_input(order: Order) -> dict[str, Any]:
    """The execution input order_events_router starts the saga with for ``order``'s OrderCreated event."""
    created = OrderCreated.of(order).model_dump()
    return SagaInput(**created, source_event_id=f"evt-{order.order_id}").model_dump(mode="json")


def insert_order(dynamodb: Any, order: Order) -> None:
    """Write ``order`` through the low-level client (a moto server that shared's clients do not point at)."""
    dynamodb.put_item(TableName=ORDERS, Item=_typed(to_item(order)))


def place_order(*, lines: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    """Insert a new order in the orders table (moto) and return its saga input."""
    order = new_order(lines=lines, **fields)
    assert OrderTable(ORDERS).insert(order)
    return saga_input(order)


def order_status(order_id: str) -> OrderStatus:
    order = OrderTable(ORDERS).load(order_id)
    assert order is not None, f"order {order_id} is gone"
    return order.status


def cancel_reason(order_id: str) -> str | None:
    order = OrderTable(ORDERS).load(order_id)
    assert order is not None, f"order {order_id} is gone"
    return order.cancel_reason


@pytest.fixture
def context() -> FakeLambdaContext:
    return FakeLambdaContext("order-saga-task", aws_request_id="00000000-0000-0000-0000-000000000000")


@pytest.fixture
def payment_api() -> Iterator[FakePaymentApi]:
    with running_payment_api() as provider:
        yield provider


@pytest.fixture
def saga_env(monkeypatch: pytest.MonkeyPatch, payment_api: FakePaymentApi, moto_aws: None) -> dict[str, Any]:
    """moto with the saga's tables, stock for SKU-1 (5) and SKU-2 (3), a topic, and every task's variables."""
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    create_tables(dynamodb)
    put_stock(dynamodb, "SKU-1", 5)
    put_stock(dynamodb, "SKU-2", 3)
    sns = boto3.client("sns", region_name="us-east-1")
    topic = sns.create_topic(Name="notifications")["TopicArn"]
    env = {
        "ORDERS_TABLE": ORDERS,
        "INVENTORY_TABLE": INVENTORY,
        "CIRCUIT_TABLE": CIRCUIT,
        "PAYMENT_API_URL": payment_api.url,
        "PAYMENT_TIMEOUT_SECONDS": "2",
        "NOTIFICATIONS_TOPIC_ARN": topic,
        "POWERTOOLS_SERVICE_NAME": "order_saga",
        "POWERTOOLS_METRICS_NAMESPACE": "orders",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # The process-wide Metrics read the namespace when shared.observability was first imported.
    monkeypatch.setattr(metrics, "namespace", "orders")
    return {"dynamodb": dynamodb, "sns": sns, "topic": topic, "payment": payment_api, "env": env}
