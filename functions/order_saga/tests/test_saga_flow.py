"""The whole saga: the real ASL walked with the real task handlers on moto and the loopback payment API."""

from __future__ import annotations

from typing import Any

from order_saga import handler

from functions.order_saga.tests.asl_interpreter import Execution, Interpreter
from functions.order_saga.tests.conftest import make_order, step_record, stock
from functions.order_saga.tests.test_asl import definition


def run_saga(order: dict[str, Any], context: Any) -> Execution:
    tasks = {
        "reserve_inventory": handler.reserve_inventory,
        "release_inventory": handler.release_inventory,
        "charge_payment": handler.charge_payment,
        "refund_payment": handler.refund_payment,
        "create_shipment": handler.create_shipment,
        "cancel_shipment": handler.cancel_shipment,
        "notify": handler.notify_customer,
    }
    bound = {key: (lambda event, fn=fn: fn(event, context)) for key, fn in tasks.items()}
    return Interpreter(definition(), bound).run(order)


def test_saga_completes_an_order_end_to_end(saga_env: dict[str, Any], context: Any) -> None:
    order = make_order()
    execution = run_saga(order, context)
    assert execution.status == "SUCCEEDED", execution.cause
    assert stock(saga_env["dynamodb"], "SKU-1") == 3
    assert saga_env["payment"].charges_made() == 1
    assert step_record(saga_env["dynamodb"], order["order_id"], "SHIPMENT")["status"]["S"] == "CREATED"
    assert execution.output["fulfilment"]["notification"]["status"] == "SENT"


def test_failed_notification_undoes_shipment_payment_and_reservation(saga_env: dict[str, Any], context: Any) -> None:
    # Given the notifications topic is gone (a permanent error at the last step)
    saga_env["sns"].delete_topic(TopicArn=saga_env["topic"])
    order = make_order()
    # When the saga runs
    execution = run_saga(order, context)
    # Then every earlier step is compensated for real: stock back, money back, shipment cancelled
    assert execution.status == "FAILED"
    assert stock(saga_env["dynamodb"], "SKU-1") == 5
    assert stock(saga_env["dynamodb"], "SKU-2") == 3
    assert [path for path, _, _ in saga_env["payment"].calls] == ["/charges", "/refunds"]
    assert saga_env["payment"].calls[1][2]["payment_id"] == "pay_1"
    assert step_record(saga_env["dynamodb"], order["order_id"], "SHIPMENT")["status"]["S"] == "CANCELLED"
    assert step_record(saga_env["dynamodb"], order["order_id"], "PAYMENT")["status"]["S"] == "REFUNDED"


def test_declined_payment_returns_the_stock(saga_env: dict[str, Any], context: Any) -> None:
    saga_env["payment"].mode = "decline"
    execution = run_saga(make_order(), context)
    assert (execution.status, execution.error) == ("FAILED", "PaymentDeclined")
    assert stock(saga_env["dynamodb"], "SKU-1") == 5


def test_out_of_stock_fails_the_saga_without_charging(saga_env: dict[str, Any], context: Any) -> None:
    execution = run_saga(make_order(items=[{"sku": "SKU-2", "quantity": 9}]), context)
    assert (execution.status, execution.error) == ("FAILED", "OutOfStockError")
    assert saga_env["payment"].calls == []
