"""The saga tasks run from the built zip + common layer, on every sample event, against a moto server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from functions.order_saga.tests.conftest import ORDERS, create_tables, put_stock, stock
from functions.order_saga.tests.payment_server import PaymentProvider, serve
from scripts.lambda_runtime import HandlerError
from tests.support.lambda_zips import AwsEndpoint, BuiltFunction, load_event

pytestmark = pytest.mark.slow


@pytest.fixture
def payment() -> Iterator[PaymentProvider]:
    with serve(PaymentProvider()) as provider:
        yield provider


@pytest.fixture
def saga(
    built_function: Callable[[str], BuiltFunction], aws_endpoint: AwsEndpoint, payment: PaymentProvider
) -> Callable[[str, Any], Any]:
    dynamodb = aws_endpoint.client("dynamodb")
    create_tables(dynamodb)
    put_stock(dynamodb, "SKU-1", 5)
    put_stock(dynamodb, "SKU-2", 3)
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


def test_sample_events_drive_the_saga_forward_and_back(
    saga: Callable[[str, Any], Any], aws_endpoint: AwsEndpoint
) -> None:
    dynamodb = aws_endpoint.client("dynamodb")
    # Forward: reserve, charge, ship, notify — each answers its documented result
    assert saga("reserve_inventory", load_event("order_saga", "reserve_inventory"))["status"] == "RESERVED"
    assert stock(dynamodb, "SKU-1") == 3
    charged = saga("charge_payment", load_event("order_saga", "charge_payment"))
    assert (charged["status"], charged["charge_id"]) == ("APPROVED", "pay_1")
    assert saga("create_shipment", load_event("order_saga", "create_shipment"))["shipment_id"] == "SHP-o-20261123-0001"
    assert saga("notify", load_event("order_saga", "notify"))["status"] == "SENT"
    # Back: the compensations undo each step
    assert saga("cancel_shipment", load_event("order_saga", "cancel_shipment"))["status"] == "CANCELLED"
    refunded = saga("refund_payment", load_event("order_saga", "refund_payment"))
    assert (refunded["status"], refunded["refund_id"]) == ("REFUNDED", "re_1")
    assert saga("release_inventory", load_event("order_saga", "release_inventory"))["status"] == "RELEASED"
    assert (stock(dynamodb, "SKU-1"), stock(dynamodb, "SKU-2")) == (5, 3)


def test_out_of_stock_reaches_step_functions_by_its_class_name(saga: Callable[[str, Any], Any]) -> None:
    event = load_event("order_saga", "reserve_inventory") | {"items": [{"sku": "SKU-2", "quantity": 4}]}
    with pytest.raises(HandlerError) as raised:
        saga("reserve_inventory", event)
    assert raised.value.payload["errorType"] == "OutOfStockError"


def test_invalid_input_is_a_validation_error_naming_the_field(saga: Callable[[str, Any], Any]) -> None:
    event = load_event("order_saga", "charge_payment") | {"total_cents": -1}
    with pytest.raises(HandlerError) as raised:
        saga("charge_payment", event)
    assert raised.value.payload["errorType"] == "ValidationError"
    assert "input.total_cents" in str(raised.value.payload["errorMessage"])
