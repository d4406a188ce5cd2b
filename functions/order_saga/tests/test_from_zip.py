"""The saga tasks run from the built zip + common layer, on every sample event, against a moto server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from functions.order_saga.tests.conftest import ORDERS, create_tables, insert_order, new_order, put_stock, stock
from scripts.lambda_sandbox import HandlerError
from shared.orders import order_key
from tests.support.lambda_zips import AwsEndpoint, BuiltFunction, load_event
from tests.support.payment_provider import FakePaymentApi, running_payment_api

SAMPLE = load_event("order_saga", "reserve_inventory")  # every sample carries the same order

pytestmark = pytest.mark.slow


@pytest.fixture
def payment() -> Iterator[FakePaymentApi]:
    with running_payment_api() as provider:
        yield provider


@pytest.fixture
def saga(
    built_function: Callable[[str], BuiltFunction], aws_endpoint: AwsEndpoint, payment: FakePaymentApi
) -> Callable[[str, Any], Any]:
    dynamodb = aws_endpoint.client("dynamodb")
    create_tables(dynamodb)
    put_stock(dynamodb, "SKU-1", 5)
    put_stock(dynamodb, "SKU-2", 3)
    # The order orders_api stored before publishing the OrderCreated event the samples' input comes from
    insert_order(
        dynamodb,
        new_order(
            order_id=SAMPLE["order_id"],
            customer_id=SAMPLE["customer_id"],
            lines=SAMPLE["items"],
            currency=SAMPLE["currency"],
            now=SAMPLE["created_at"],
        ),
    )
    topic = aws_endpoint.client("sns").create_topic(Name="notifications")["TopicArn"]
    env = {
        "ORDERS_TABLE": ORDERS,
        "INVENTORY_TABLE": "inventory",
        "CIRCUIT_TABLE": "circuit",
        "PAYMENT_API_URL": payment.url,
        "NOTIFICATIONS_TOPIC_ARN": topic,
    }
    function = built_function("order_saga")
    return lambda key, event: function.invoke(key, event, env=env).result


def order_item(dynamodb: Any) -> dict[str, str]:
    key = {name: {"S": value} for name, value in order_key(SAMPLE["order_id"]).items()}
    item = dynamodb.get_item(TableName=ORDERS, Key=key, ConsistentRead=True)["Item"]
    return {name: value["S"] for name, value in item.items() if "S" in value}


def test_sample_events_drive_the_saga_forward_and_back(
    saga: Callable[[str, Any], Any], aws_endpoint: AwsEndpoint
) -> None:
    dynamodb = aws_endpoint.client("dynamodb")
    # Forward: reserve, charge, ship, notify — each answers its documented result and moves the order on
    assert saga("reserve_inventory", load_event("order_saga", "reserve_inventory"))["status"] == "RESERVED"
    assert stock(dynamodb, "SKU-1") == 3
    assert order_item(dynamodb)["status"] == "CONFIRMED"
    charged = saga("charge_payment", load_event("order_saga", "charge_payment"))
    assert (charged["status"], charged["charge_id"]) == ("APPROVED", "pay_0001")
    assert order_item(dynamodb)["status"] == "PAID"
    assert saga("create_shipment", load_event("order_saga", "create_shipment"))["shipment_id"] == "SHP-o-20261123-0001"
    assert order_item(dynamodb)["status"] == "SHIPPED"
    assert saga("order_saga_notify", load_event("order_saga", "notify"))["status"] == "SENT"
    # Back: the compensations undo each step; the last one cancels the order with the sample's $.error as reason
    assert saga("cancel_shipment", load_event("order_saga", "cancel_shipment"))["status"] == "CANCELLED"
    refunded = saga("refund_payment", load_event("order_saga", "refund_payment"))
    assert (refunded["status"], refunded["refund_id"]) == ("REFUNDED", "re_0001")
    assert saga("release_inventory", load_event("order_saga", "release_inventory"))["status"] == "RELEASED"
    assert (stock(dynamodb, "SKU-1"), stock(dynamodb, "SKU-2")) == (5, 3)
    cancelled = order_item(dynamodb)
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("CANCELLED", "payment declined")


def test_out_of_stock_reaches_step_functions_by_its_class_name(saga: Callable[[str, Any], Any]) -> None:
    event = SAMPLE | {"items": [{"sku": "SKU-2", "quantity": 4, "price": "1.00"}]}
    with pytest.raises(HandlerError) as raised:
        saga("reserve_inventory", event)
    assert raised.value.payload["errorType"] == "OutOfStockError"


def test_invalid_input_is_a_validation_error_naming_the_field(saga: Callable[[str, Any], Any]) -> None:
    event = load_event("order_saga", "charge_payment") | {"total": "-1"}
    with pytest.raises(HandlerError) as raised:
        saga("charge_payment", event)
    assert raised.value.payload["errorType"] == "ValidationError"
    assert "input.total" in str(raised.value.payload["errorMessage"])
