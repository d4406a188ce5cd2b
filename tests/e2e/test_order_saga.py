"""An order's saga on the stack: POST /orders → OrderCreated → order_events_router → the saga (Step Functions) →
inventory, payment, shipment — each step visible to the customer in ``GET /orders/{id}``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer

from shared.contracts import OrderCreated
from shared.inventory import AVAILABLE, reservation_key, stock_item, stock_key
from shared.orders import Order, OrderLine, saga_step_key
from tests.e2e.harness import Stack, unique, wait_for
from tests.e2e.scenarios import put_order, stored_order

pytestmark = pytest.mark.e2e

SAGA_TIMEOUT_S = 90.0  # task retries back off 2 s × 2ⁿ; a healthy saga ends in seconds


def seed_stock(stack: Stack, stock: dict[str, int]) -> None:
    serialize = TypeSerializer().serialize
    for sku, available in stock.items():
        item = {name: serialize(value) for name, value in stock_item(sku, available).items()}
        stack.aws("dynamodb").put_item(TableName=stack.table("inventory"), Item=item)


def _get(stack: Stack, table: str, key: dict[str, str]) -> dict[str, Any] | None:
    item = (
        stack.aws("dynamodb")
        .get_item(TableName=stack.table(table), Key={k: {"S": v} for k, v in key.items()}, ConsistentRead=True)
        .get("Item")
    )
    return {k: next(iter(v.values())) for k, v in item.items()} if item else None


def available(stack: Stack, sku: str) -> int:
    return int((_get(stack, "inventory", stock_key(sku)) or {})[AVAILABLE])


def saga_execution(stack: Stack, order_id: str) -> dict[str, Any]:
    """The saga execution the router started for ``order_id`` (its name carries the id), once it has ended."""
    saga_arn = stack.outputs.get("order_saga_arn") or stack.env["ORDER_SAGA_ARN"]
    sfn = stack.aws("stepfunctions")

    def find() -> str | None:
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=saga_arn):
            for execution in page["executions"]:
                if order_id in execution["name"]:
                    return str(execution["executionArn"])
        return None

    execution_arn = wait_for(find, timeout_s=60, what=f"a saga execution for order {order_id} (started by the router)")

    def ended() -> dict[str, Any] | None:
        described = sfn.describe_execution(executionArn=execution_arn)
        return None if described["status"] == "RUNNING" else dict(described)

    return wait_for(ended, timeout_s=SAGA_TIMEOUT_S, what=f"saga {execution_arn} to end")


def describe_failure(execution: dict[str, Any]) -> str:
    return f"saga {execution['status']}: {execution.get('error')}: {execution.get('cause')}"


def test_an_order_placed_over_http_is_reserved_charged_and_shipped_as_its_customer_sees(stack: Stack) -> None:
    # Given stock for two SKUs
    skus = {unique("sku-a"): 10, unique("sku-b"): 5}
    seed_stock(stack, skus)
    wanted = dict(zip(skus, (3, 1), strict=True))

    # When the customer places an order through the API (which publishes OrderCreated)
    lines = [{"sku": sku, "quantity": quantity, "price": "2.50"} for sku, quantity in wanted.items()]
    created = stack.http("POST", "/orders", json_body={"items": lines})
    assert created.status == 201, f"POST /orders: {created}"
    order_id = created.json()["order_id"]

    # Then the customer sees the saga's steps in GET /orders/{id}, ending SHIPPED
    seen: list[str] = []

    def shipped() -> dict[str, Any] | None:
        answer = stack.http("GET", f"/orders/{order_id}")
        assert answer.status == 200, f"GET /orders/{order_id}: {answer}"
        status = answer.json()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        return answer.json() if status in ("SHIPPED", "CANCELLED") else None

    order = wait_for(shipped, timeout_s=SAGA_TIMEOUT_S, interval_s=0.2, what=f"order {order_id} shipped")
    assert order["status"] == "SHIPPED", f"order ended {order}; statuses seen: {seen}"
    order_of_progress = ["PENDING", "CONFIRMED", "PAID", "SHIPPED"]
    assert seen == sorted(seen, key=order_of_progress.index), f"statuses went backwards: {seen}"
    # And the saga succeeded: stock reserved, payment approved, shipment created
    execution = saga_execution(stack, order_id)
    assert execution["status"] == "SUCCEEDED", describe_failure(execution)
    assert {sku: available(stack, sku) for sku in skus} == {sku: skus[sku] - wanted[sku] for sku in skus}
    payment = _get(stack, "orders", saga_step_key(order_id, "PAYMENT"))
    assert (payment or {}).get("status") == "APPROVED", f"payment: {payment}"
    assert (payment or {}).get("charge_id"), f"payment without a charge id: {payment}"


def test_a_declined_payment_cancels_the_order_and_returns_the_stock(stack: Stack) -> None:
    # Given stock, and an order of a customer the payment provider declines (written as the API writes it)
    sku = unique("sku-c")
    seed_stock(stack, {sku: 4})
    order = Order.new(
        order_id=unique("ord"),
        customer_id=stack.declining_customer,
        items=[OrderLine(sku=sku, quantity=2, price="5.00")],
        source="api",
    )
    put_order(stack, order)

    # When its OrderCreated (shared.contracts) is published on the orders bus
    answer = stack.aws("events").put_events(
        Entries=[
            {
                "EventBusName": stack.env["EVENT_BUS_NAME"],
                "Source": "orders.api",
                "DetailType": "OrderCreated",
                "Detail": OrderCreated.of(order).model_dump_json(),
                "Time": datetime.now(UTC),
            }
        ]
    )
    assert answer["FailedEntryCount"] == 0, f"PutEvents refused the event: {answer['Entries']}"

    # Then the saga fails on the declined payment and compensates
    execution = saga_execution(stack, order.order_id)
    assert execution["status"] == "FAILED", describe_failure(execution)
    assert execution.get("error") == "PaymentDeclined", describe_failure(execution)
    # And the order is CANCELLED with the reason, the reservation released and the stock back where it was
    cancelled = stored_order(stack, order.order_id)
    assert cancelled is not None
    assert (cancelled.status, cancelled.cancel_reason) == ("CANCELLED", "payment declined")
    reservation = _get(stack, "inventory", reservation_key(order.order_id))
    assert (reservation or {}).get("status") == "RELEASED", f"reservation: {reservation}"
    assert available(stack, sku) == 4
