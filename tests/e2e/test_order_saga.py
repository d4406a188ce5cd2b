"""OrderCreated → order_events_router → the order saga (Step Functions) → inventory, payment, shipment."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.harness import Stack, unique, wait_for

pytestmark = pytest.mark.e2e

SAGA_TIMEOUT_S = 90.0  # task retries back off 2 s × 2ⁿ; a healthy saga ends in seconds


def seed_stock(stack: Stack, stock: dict[str, int]) -> None:
    table = stack.table("inventory")
    for sku, available in stock.items():
        stack.aws("dynamodb").put_item(
            TableName=table, Item={"pk": {"S": f"SKU#{sku}"}, "sk": {"S": "STOCK"}, "available": {"N": str(available)}}
        )


def available(stack: Stack, sku: str) -> int:
    item = stack.aws("dynamodb").get_item(
        TableName=stack.table("inventory"), Key={"pk": {"S": f"SKU#{sku}"}, "sk": {"S": "STOCK"}}, ConsistentRead=True
    )["Item"]
    return int(item["available"]["N"])


def record(stack: Stack, table: str, order_id: str, sk: str) -> dict[str, Any] | None:
    item = (
        stack.aws("dynamodb")
        .get_item(
            TableName=stack.table(table), Key={"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": sk}}, ConsistentRead=True
        )
        .get("Item")
    )
    return {k: next(iter(v.values())) for k, v in item.items()} if item else None


def publish_order_created(stack: Stack, detail: dict[str, Any]) -> None:
    """What orders_api publishes for a new order (source ``orders.api``), carrying the saga's input contract."""
    answer = stack.aws("events").put_events(
        Entries=[
            {
                "EventBusName": stack.env["EVENT_BUS_NAME"],
                "Source": "orders.api",
                "DetailType": "OrderCreated",
                "Detail": json.dumps(detail),
                "Time": datetime.now(UTC),
            }
        ]
    )
    assert answer["FailedEntryCount"] == 0, f"PutEvents refused the event: {answer['Entries']}"


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


def saga_order(order_id: str, customer_id: str, items: dict[str, int]) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "customer_id": customer_id,
        "customer_email": "buyer@example.com",
        "status": "PENDING",
        "items": [{"sku": sku, "quantity": quantity, "price": "5.00"} for sku, quantity in items.items()],
        "total": f"{5 * sum(items.values())}.00",
        "total_cents": 500 * sum(items.values()),
        "currency": "EUR",
        "shipping_address": {
            "name": "E2E Buyer",
            "line1": "1 Test St",
            "city": "Lisbon",
            "postal_code": "1000-001",
            "country": "PT",
        },
        "created_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def describe_failure(execution: dict[str, Any]) -> str:
    return f"saga {execution['status']}: {execution.get('error')}: {execution.get('cause')}"


def test_order_created_runs_the_saga_to_completion(stack: Stack) -> None:
    # Given stock for two SKUs
    skus = {unique("sku-a"): 10, unique("sku-b"): 5}
    seed_stock(stack, skus)
    order_id = unique("ord")
    wanted = dict(zip(skus, (3, 1), strict=True))

    # When the order's OrderCreated event is published on the orders bus
    publish_order_created(stack, saga_order(order_id, "cust-e2e", wanted))

    # Then the saga the router starts succeeds
    execution = saga_execution(stack, order_id)
    assert execution["status"] == "SUCCEEDED", describe_failure(execution)
    # And the inventory is reserved: the reservation record and the stock decremented by the quantities
    reservation = record(stack, "inventory", order_id, "RESERVATION")
    assert (reservation or {}).get("status") == "RESERVED", f"reservation: {reservation}"
    assert {sku: available(stack, sku) for sku in skus} == {sku: skus[sku] - wanted[sku] for sku in skus}
    # And the payment is charged
    payment = record(stack, "orders", order_id, "SAGA#PAYMENT")
    assert (payment or {}).get("status") == "APPROVED", f"payment: {payment}"
    assert (payment or {}).get("charge_id"), f"payment without a charge id: {payment}"
    # And the shipment is created
    shipment = record(stack, "orders", order_id, "SAGA#SHIPMENT")
    assert (shipment or {}).get("status") == "CREATED", f"shipment: {shipment}"


def test_declined_payment_runs_the_compensations(stack: Stack) -> None:
    # Given stock, and an order from a customer the payment provider declines
    sku = unique("sku-c")
    seed_stock(stack, {sku: 4})
    order_id = unique("ord")

    # When the order's OrderCreated event is published
    publish_order_created(stack, saga_order(order_id, stack.declining_customer, {sku: 2}))

    # Then the saga fails on the declined payment
    execution = saga_execution(stack, order_id)
    assert execution["status"] == "FAILED", describe_failure(execution)
    assert execution.get("error") == "PaymentDeclined", describe_failure(execution)
    # And the reserved inventory was released: stock back to where it was
    reservation = record(stack, "inventory", order_id, "RESERVATION")
    assert (reservation or {}).get("status") == "RELEASED", f"reservation: {reservation}"
    assert available(stack, sku) == 4
    # And nothing was shipped
    shipment = record(stack, "orders", order_id, "SAGA#SHIPMENT")
    assert shipment is None or shipment["status"] != "CREATED", f"shipment: {shipment}"


def test_an_order_placed_over_http_completes_its_saga(stack: Stack) -> None:
    # Given stock for the SKU, When an order is placed through the API (which publishes OrderCreated)
    sku = unique("sku-h")
    seed_stock(stack, {sku: 3})
    response = stack.http(
        "POST",
        "/orders",
        json_body={"customer_id": "cust-e2e", "items": [{"sku": sku, "quantity": 1, "price": "2.50"}]},
    )
    assert response.status == 201, f"POST /orders: {response}"
    order_id = response.json()["order_id"]

    # Then the router starts its saga, and the saga completes: the API's event carries what the saga needs
    execution = saga_execution(stack, order_id)
    assert execution["status"] == "SUCCEEDED", describe_failure(execution)
    assert available(stack, sku) == 2
