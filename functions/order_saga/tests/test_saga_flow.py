"""The whole saga: the real ASL walked with the real task handlers on moto and the loopback payment API.

After each run the order, as ``GET /orders/{id}`` reads it, shows how far the saga got (SHIPPED) or why it was
cancelled.
"""

from __future__ import annotations

from typing import Any

import pytest
from order_saga import handler

from functions.order_saga.tests.asl_interpreter import Execution, Interpreter
from functions.order_saga.tests.conftest import ORDERS, cancel_reason, order_status, place_order, step_record, stock
from functions.order_saga.tests.test_asl import definition
from shared.order_store import OrderTable
from shared.orders import CUSTOMER_TRANSITIONS, OrderStatus


def run_saga(order: dict[str, Any], context: Any) -> Execution:
    tasks = {
        "reserve_inventory": handler.reserve_inventory,
        "release_inventory": handler.release_inventory,
        "charge_payment": handler.charge_payment,
        "refund_payment": handler.refund_payment,
        "create_shipment": handler.create_shipment,
        "cancel_shipment": handler.cancel_shipment,
        "order_saga_notify": handler.notify_customer,
    }
    bound = {key: (lambda event, fn=fn: fn(event, context)) for key, fn in tasks.items()}
    return Interpreter(definition(), bound).run(order)


def cancel_as_customer(order: dict[str, Any]) -> None:
    OrderTable(ORDERS).change_status(
        order["order_id"],
        OrderStatus.CANCELLED,
        transitions=CUSTOMER_TRANSITIONS,
        customer_id=order["customer_id"],
        reason="changed my mind",
    )


def test_saga_completes_an_order_end_to_end(saga_env: dict[str, Any], context: Any) -> None:
    order = place_order()
    execution = run_saga(order, context)
    assert execution.status == "SUCCEEDED", execution.cause
    assert stock(saga_env["dynamodb"], "SKU-1") == 3
    assert saga_env["payment"].charges_made() == 1
    assert step_record(saga_env["dynamodb"], order["order_id"], "SHIPMENT")["status"]["S"] == "CREATED"
    assert execution.output["fulfilment"]["notification"]["status"] == "SENT"
    assert order_status(order["order_id"]) is OrderStatus.SHIPPED


def test_failed_notification_undoes_shipment_payment_and_reservation(saga_env: dict[str, Any], context: Any) -> None:
    # Given the notifications topic is gone (a permanent error at the last step)
    saga_env["sns"].delete_topic(TopicArn=saga_env["topic"])
    order = place_order()
    # When the saga runs
    execution = run_saga(order, context)
    # Then every earlier step is compensated for real: stock back, money back, shipment cancelled, order cancelled
    assert execution.status == "FAILED"
    assert stock(saga_env["dynamodb"], "SKU-1") == 5
    assert stock(saga_env["dynamodb"], "SKU-2") == 3
    assert [request["path"] for request in saga_env["payment"].requests] == ["/charges", "/refunds"]
    assert saga_env["payment"].requests[1]["body"]["payment_id"] == "pay_0001"
    assert step_record(saga_env["dynamodb"], order["order_id"], "SHIPMENT")["status"]["S"] == "CANCELLED"
    assert step_record(saga_env["dynamodb"], order["order_id"], "PAYMENT")["status"]["S"] == "REFUNDED"
    assert order_status(order["order_id"]) is OrderStatus.CANCELLED
    assert cancel_reason(order["order_id"]) == f"fulfilment failed ({execution.error})"


def test_declined_payment_returns_the_stock_and_cancels_the_order(saga_env: dict[str, Any], context: Any) -> None:
    saga_env["payment"].mode = "decline"
    order = place_order()
    execution = run_saga(order, context)
    assert (execution.status, execution.error) == ("FAILED", "PaymentDeclined")
    assert stock(saga_env["dynamodb"], "SKU-1") == 5
    assert (order_status(order["order_id"]), cancel_reason(order["order_id"])) == (
        OrderStatus.CANCELLED,
        "payment declined",
    )


def test_out_of_stock_fails_the_saga_without_charging(saga_env: dict[str, Any], context: Any) -> None:
    order = place_order(lines=[{"sku": "SKU-2", "quantity": 9, "price": "1.00"}])
    execution = run_saga(order, context)
    assert (execution.status, execution.error) == ("FAILED", "OutOfStockError")
    assert saga_env["payment"].requests == []
    assert stock(saga_env["dynamodb"], "SKU-2") == 3
    assert order_status(order["order_id"]) is OrderStatus.CANCELLED
    assert cancel_reason(order["order_id"]) == "out of stock"


def test_an_order_cancelled_before_the_saga_takes_no_stock_and_no_money(saga_env: dict[str, Any], context: Any) -> None:
    # Given the customer cancelled the order before its saga ran
    order = place_order()
    cancel_as_customer(order)
    # When the saga runs
    execution = run_saga(order, context)
    # Then it stops, nothing is held or charged, and the customer's reason stays on the order
    assert (execution.status, execution.error) == ("FAILED", "StepCompensatedError")
    assert (stock(saga_env["dynamodb"], "SKU-1"), stock(saga_env["dynamodb"], "SKU-2")) == (5, 3)
    assert saga_env["payment"].requests == []
    assert (order_status(order["order_id"]), cancel_reason(order["order_id"])) == (
        OrderStatus.CANCELLED,
        "changed my mind",
    )


def test_an_order_cancelled_during_the_charge_is_refunded_and_not_shipped(
    saga_env: dict[str, Any], context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the customer cancels while the provider approves the charge (the last moment a customer may cancel)
    from shared.payments import PaymentClient

    order = place_order()
    real_charge = PaymentClient.charge

    def charge_while_the_customer_cancels(api: PaymentClient, *args: Any, **kwargs: Any) -> Any:
        cancel_as_customer(order)
        return real_charge(api, *args, **kwargs)

    monkeypatch.setattr(PaymentClient, "charge", charge_while_the_customer_cancels)
    # When the saga runs
    execution = run_saga(order, context)
    # Then nothing ships, the money goes back, the stock goes back and the order stays cancelled
    assert (execution.status, execution.error) == ("FAILED", "StepCompensatedError")
    assert [request["path"] for request in saga_env["payment"].requests] == ["/charges", "/refunds"]
    assert step_record(saga_env["dynamodb"], order["order_id"], "SHIPMENT")["status"]["S"] == "CANCELLED"
    assert (stock(saga_env["dynamodb"], "SKU-1"), stock(saga_env["dynamodb"], "SKU-2")) == (5, 3)
    assert (order_status(order["order_id"]), cancel_reason(order["order_id"])) == (
        OrderStatus.CANCELLED,
        "changed my mind",
    )
