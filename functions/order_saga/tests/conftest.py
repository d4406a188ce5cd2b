"""Fixtures for the saga: moto tables + topic, a real payment HTTP server on loopback, order factories."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from functions.order_saga.tests.payment_server import PaymentProvider, serve
from shared.observability import metrics
from tests.support.aws_fixtures import FakeLambdaContext, create_orders_table, create_table

ORDERS, INVENTORY, CIRCUIT = "orders", "inventory", "circuit"


def create_tables(dynamodb: Any) -> None:
    create_orders_table(dynamodb, ORDERS)
    for name in (INVENTORY, CIRCUIT):
        create_table(dynamodb, name)


def put_stock(dynamodb: Any, sku: str, available: int) -> None:
    dynamodb.put_item(
        TableName=INVENTORY,
        Item={"pk": {"S": f"SKU#{sku}"}, "sk": {"S": "STOCK"}, "available": {"N": str(available)}},
    )


def stock(dynamodb: Any, sku: str) -> int:
    item = dynamodb.get_item(TableName=INVENTORY, Key={"pk": {"S": f"SKU#{sku}"}, "sk": {"S": "STOCK"}})["Item"]
    return int(item["available"]["N"])


def step_record(dynamodb: Any, order_id: str, step: str) -> dict[str, Any] | None:
    key = {"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": f"SAGA#{step}"}}
    return dynamodb.get_item(TableName=ORDERS, Key=key, ConsistentRead=True).get("Item")


def make_order(**overrides: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "order_id": f"o-{uuid.uuid4().hex[:12]}",
        "customer_id": "c-42",
        "customer_email": "ada@example.com",
        "items": [{"sku": "SKU-1", "quantity": 2}, {"sku": "SKU-2", "quantity": 1}],
        "total_cents": 4599,
        "currency": "EUR",
        "shipping_address": {
            "name": "Ada Lovelace",
            "line1": "12 St James's Square",
            "city": "London",
            "postal_code": "SW1Y 4JH",
            "country": "GB",
        },
    }
    return order | overrides


@pytest.fixture
def context() -> FakeLambdaContext:
    return FakeLambdaContext("order-saga-task", aws_request_id="00000000-0000-0000-0000-000000000000")


@pytest.fixture
def payment_api() -> Iterator[PaymentProvider]:
    with serve(PaymentProvider()) as provider:
        yield provider


@pytest.fixture
def saga_env(monkeypatch: pytest.MonkeyPatch, payment_api: PaymentProvider, moto_aws: None) -> dict[str, Any]:
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
        "PAYMENT_API_TIMEOUT_SECONDS": "2",
        "NOTIFICATIONS_TOPIC_ARN": topic,
        "POWERTOOLS_SERVICE_NAME": "order_saga",
        "POWERTOOLS_METRICS_NAMESPACE": "orders",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # The process-wide Metrics read the namespace when shared.observability was first imported.
    monkeypatch.setattr(metrics, "namespace", "orders")
    return {"dynamodb": dynamodb, "sns": sns, "topic": topic, "payment": payment_api, "env": env}
