"""The built zip + common layer, in a fresh Lambda-like process against a moto server, on every sample event."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer

from shared.orders import Order, OrderLine, OrderStatus, to_item
from tests.support.lambda_zips import load_event

pytestmark = pytest.mark.slow

SEEDED_ID = "6f1c2b9e-3a57-4d0e-9b8a-2c4e5f6a7b8c"  # the order the sample events address
ENV = {"ORDERS_TABLE": "orders", "IDEMPOTENCY_TABLE": "idempotency", "EVENT_BUS_NAME": "orders-bus"}


@pytest.fixture
def deployed(built_function, aws_endpoint, orders_tables):
    dynamodb = aws_endpoint.client("dynamodb")
    orders_tables(dynamodb)
    aws_endpoint.client("events").create_event_bus(Name="orders-bus")
    seeded = Order(
        order_id=SEEDED_ID,
        customer_id="c-1",
        status=OrderStatus.PENDING,
        items=[OrderLine(sku="sku-1", quantity=2, price="9.99")],
        total="19.98",
        created_at="2024-04-30T13:30:00.000Z",
        updated_at="2024-04-30T13:30:00.000Z",
    )
    serialize = TypeSerializer().serialize
    dynamodb.put_item(TableName="orders", Item={name: serialize(value) for name, value in to_item(seeded).items()})
    return built_function("orders_api")


def run(deployed, name: str) -> dict[str, Any]:
    return deployed.invoke("orders_api", load_event("orders_api", name), env=ENV).result


def gunzipped(response: dict[str, Any]) -> Any:
    """The JSON body of a read (the samples accept gzip, and GET routes compress)."""
    assert (response["headers"]["Content-Encoding"], response["isBase64Encoded"]) == ("gzip", True)
    return json.loads(gzip.decompress(base64.b64decode(response["body"])))


def test_create_order_sample_answers_201_and_a_retry_returns_the_same_order(deployed) -> None:
    first = run(deployed, "create_order")
    retry = run(deployed, "create_order")  # same Idempotency-Key, new process

    body = json.loads(first["body"])
    assert first["statusCode"] == 201
    assert (body["status"], body["total"]) == ("PENDING", "24.98")
    assert json.loads(retry["body"])["order_id"] == body["order_id"]


def test_get_order_sample_answers_the_seeded_order(deployed) -> None:
    response = run(deployed, "get_order")

    assert response["statusCode"] == 200
    assert gunzipped(response)["order_id"] == SEEDED_ID


def test_list_orders_sample_answers_a_page(deployed) -> None:
    response = run(deployed, "list_orders")

    body = gunzipped(response)
    assert response["statusCode"] == 200
    assert [order["order_id"] for order in body["items"]] == [SEEDED_ID]
    assert body["next_cursor"] is None


def test_change_status_sample_cancels_the_order(deployed) -> None:
    response = run(deployed, "change_status")

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "CANCELLED"


def test_delete_order_sample_answers_204_then_the_order_is_gone(deployed) -> None:
    assert run(deployed, "delete_order")["statusCode"] == 204
    assert run(deployed, "get_order")["statusCode"] == 404
