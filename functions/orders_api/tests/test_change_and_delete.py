"""PATCH /orders/{id}/status (allowed transitions only) and DELETE /orders/{id} (only when not shipped)."""

from __future__ import annotations

import uuid

import pytest

JSON_HEADERS = {"content-type": "application/json"}


@pytest.fixture
def move(invoke, make_event):
    def patch(order_id: str, status: object) -> dict:
        return invoke(make_event("PATCH", f"/orders/{order_id}/status", body={"status": status}, headers=JSON_HEADERS))

    return patch


def test_order_walks_the_happy_path_to_delivered(create, move, decode) -> None:
    order = create()

    statuses = [
        decode(move(order["order_id"], status))["status"] for status in ("CONFIRMED", "PAID", "SHIPPED", "DELIVERED")
    ]

    assert statuses == ["CONFIRMED", "PAID", "SHIPPED", "DELIVERED"]


def test_status_change_moves_the_order_in_the_status_index(create, move, orders_aws) -> None:
    order = create()

    move(order["order_id"], "PAID")

    item = orders_aws.dynamodb.get_item(
        TableName="orders", Key={"pk": {"S": f"ORDER#{order['order_id']}"}, "sk": {"S": "ORDER"}}
    )["Item"]
    assert item["gsi1pk"] == {"S": "STATUS#PAID"}
    assert item["updated_at"]["S"] > order["created_at"]


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ((), "SHIPPED"),
        ((), "DELIVERED"),
        ((), "PENDING"),
        (("CANCELLED",), "CONFIRMED"),
        (("PAID", "SHIPPED"), "CANCELLED"),
    ],
    ids=[
        "pending-to-shipped",
        "pending-to-delivered",
        "pending-to-pending",
        "cancelled-is-final",
        "shipped-not-cancellable",
    ],
)
def test_illegal_transition_answers_409_and_changes_nothing(
    create, move, invoke, make_event, decode, path, illegal
) -> None:
    # Given an order moved along a legal path
    order = create()
    for status in path:
        assert move(order["order_id"], status)["statusCode"] == 200
    before = decode(invoke(make_event("GET", f"/orders/{order['order_id']}")))

    # When an illegal move is requested
    response = move(order["order_id"], illegal)

    # Then it is a conflict naming both statuses, and the order is unchanged
    assert response["statusCode"] == 409
    assert decode(response)["error"]["details"] == {"status": before["status"], "requested": illegal}
    assert decode(invoke(make_event("GET", f"/orders/{order['order_id']}"))) == before


def test_unknown_status_value_answers_400_naming_the_field(create, move, decode) -> None:
    response = move(create()["order_id"], "LOST")

    assert response["statusCode"] == 400
    assert list(decode(response)["error"]["details"]["fields"]) == ["body.status"]


def test_status_change_of_unknown_order_answers_404(move) -> None:
    assert move(str(uuid.uuid4()), "PAID")["statusCode"] == 404


def test_delete_removes_a_pending_order(create, invoke, make_event) -> None:
    order = create()

    response = invoke(make_event("DELETE", f"/orders/{order['order_id']}"))

    assert response["statusCode"] == 204
    assert response["body"] == ""
    assert invoke(make_event("GET", f"/orders/{order['order_id']}"))["statusCode"] == 404


def test_delete_of_a_shipped_order_answers_409_and_keeps_it(create, move, invoke, make_event, decode) -> None:
    order = create()
    for status in ("PAID", "SHIPPED"):
        move(order["order_id"], status)

    response = invoke(make_event("DELETE", f"/orders/{order['order_id']}"))

    assert response["statusCode"] == 409
    assert "SHIPPED" in decode(response)["error"]["message"]
    assert invoke(make_event("GET", f"/orders/{order['order_id']}"))["statusCode"] == 200


def test_delete_of_unknown_order_answers_404(invoke, make_event) -> None:
    assert invoke(make_event("DELETE", f"/orders/{uuid.uuid4()}"))["statusCode"] == 404
