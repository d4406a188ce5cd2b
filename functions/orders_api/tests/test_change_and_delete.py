"""PATCH /orders/{id}/status (a customer may only cancel, before payment) and DELETE /orders/{id} (not shipped)."""

from __future__ import annotations

import uuid

import pytest

from shared.orders import OrderStatus, order_key, status_partition

JSON_HEADERS = {"content-type": "application/json"}


@pytest.fixture
def move(invoke, make_event):
    def patch(order_id: str, status: object, user: str = "c-1") -> dict:
        return invoke(
            make_event("PATCH", f"/orders/{order_id}/status", body={"status": status}, headers=JSON_HEADERS, user=user)
        )

    return patch


@pytest.mark.parametrize("before", [(), ("CONFIRMED",)], ids=["pending", "confirmed"])
def test_customer_cancels_an_order_that_is_not_paid_yet(create, move, system_move, decode, before) -> None:
    order = create()
    for status in before:
        system_move(order["order_id"], status)

    response = move(order["order_id"], "CANCELLED")

    assert response["statusCode"] == 200
    assert decode(response)["status"] == "CANCELLED"


def test_cancel_moves_the_order_in_the_status_index(create, move, orders_aws) -> None:
    order = create()

    move(order["order_id"], "CANCELLED")

    item = orders_aws.dynamodb.get_item(
        TableName="orders", Key={name: {"S": value} for name, value in order_key(order["order_id"]).items()}
    )["Item"]
    assert item["gsi1pk"] == {"S": status_partition(OrderStatus.CANCELLED)}
    assert item["updated_at"]["S"] >= order["created_at"]


@pytest.mark.parametrize("target", ["CONFIRMED", "PAID", "SHIPPED", "DELIVERED", "PENDING"])
def test_customer_cannot_set_a_status_the_order_process_owns(create, move, invoke, make_event, decode, target) -> None:
    # Given a pending order
    order = create()

    # When its customer asks for a status only the saga may set
    response = move(order["order_id"], target)

    # Then it is refused naming the field, and the order is unchanged
    assert response["statusCode"] == 403
    assert list(decode(response)["error"]["details"]["fields"]) == ["body.status"]
    assert decode(invoke(make_event("GET", f"/orders/{order['order_id']}")))["status"] == "PENDING"


@pytest.mark.parametrize("path", [("PAID",), ("CONFIRMED", "PAID", "SHIPPED"), ("CANCELLED",)])
def test_cancel_after_payment_answers_409_and_changes_nothing(
    create, move, system_move, invoke, make_event, decode, path
) -> None:
    # Given an order the order process moved on
    order = create()
    for status in path:
        system_move(order["order_id"], status)
    before = decode(invoke(make_event("GET", f"/orders/{order['order_id']}")))

    # When the customer asks to cancel
    response = move(order["order_id"], "CANCELLED")

    # Then it is a conflict naming both statuses, and the order is unchanged
    assert response["statusCode"] == 409
    assert decode(response)["error"]["details"] == {"status": path[-1], "requested": "CANCELLED"}
    assert decode(invoke(make_event("GET", f"/orders/{order['order_id']}"))) == before


def test_unknown_status_value_answers_400_naming_the_field(create, move, decode) -> None:
    response = move(create()["order_id"], "LOST")

    assert response["statusCode"] == 400
    assert list(decode(response)["error"]["details"]["fields"]) == ["body.status"]


def test_status_change_of_unknown_order_answers_404(move) -> None:
    assert move(str(uuid.uuid4()), "CANCELLED")["statusCode"] == 404


def test_delete_removes_a_pending_order(create, invoke, make_event) -> None:
    order = create()

    response = invoke(make_event("DELETE", f"/orders/{order['order_id']}"))

    assert response["statusCode"] == 204
    assert response["body"] == ""
    assert invoke(make_event("GET", f"/orders/{order['order_id']}"))["statusCode"] == 404


def test_delete_of_a_shipped_order_answers_409_and_keeps_it(create, system_move, invoke, make_event, decode) -> None:
    order = create()
    for status in ("PAID", "SHIPPED"):
        system_move(order["order_id"], status)

    response = invoke(make_event("DELETE", f"/orders/{order['order_id']}"))

    assert response["statusCode"] == 409
    assert "SHIPPED" in decode(response)["error"]["message"]
    assert invoke(make_event("GET", f"/orders/{order['order_id']}"))["statusCode"] == 200


def test_delete_of_unknown_order_answers_404(invoke, make_event) -> None:
    assert invoke(make_event("DELETE", f"/orders/{uuid.uuid4()}"))["statusCode"] == 404
