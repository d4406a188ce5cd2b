"""Every route acts as the signed-in user (the token's ``sub``): another customer's order is invisible (404)."""

from __future__ import annotations

import pytest

from tests.support.aws_fixtures import FakeLambdaContext

JSON_HEADERS = {"content-type": "application/json"}
OWNER, INTRUDER = "c-1", "c-2"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("DELETE", "", None),
        ("PATCH", "/status", {"status": "CANCELLED"}),
    ],
    ids=["get", "delete", "cancel"],
)
def test_another_customer_gets_404_and_changes_nothing(
    create, invoke, make_event, decode, method, suffix, body
) -> None:
    # Given an order of one customer
    order = create(user=OWNER)
    path = f"/orders/{order['order_id']}"

    # When another signed-in customer reads, deletes or cancels it
    response = invoke(make_event(method, path + suffix, body=body, headers=JSON_HEADERS, user=INTRUDER))

    # Then it does not exist for them, and the owner still sees it unchanged
    assert response["statusCode"] == 404
    assert decode(response)["error"]["code"] == "not_found"
    assert decode(invoke(make_event("GET", path, user=OWNER))) == order


def test_list_shows_only_the_callers_orders(create, invoke, make_event, decode) -> None:
    mine = {create(user=OWNER)["order_id"] for _ in range(3)}
    theirs = {create(user=INTRUDER)["order_id"] for _ in range(2)}

    page = decode(invoke(make_event("GET", "/orders", user=OWNER)))

    assert {order["order_id"] for order in page["items"]} == mine
    assert not mine & theirs


def test_a_cursor_of_another_customer_is_refused(create, invoke, make_event, decode) -> None:
    for _ in range(3):
        create(user=INTRUDER)
    cursor = decode(invoke(make_event("GET", "/orders", query={"limit": "1"}, user=INTRUDER)))["next_cursor"]

    response = invoke(make_event("GET", "/orders", query={"cursor": cursor}, user=OWNER))

    assert response["statusCode"] == 400
    assert list(decode(response)["error"]["details"]["fields"]) == ["query.cursor"]


def test_order_for_someone_else_is_refused(invoke, make_event, decode, orders_aws, order_body) -> None:
    response = invoke(make_event("POST", "/orders", body={**order_body, "customer_id": INTRUDER}, headers=JSON_HEADERS))

    assert response["statusCode"] == 403
    assert list(decode(response)["error"]["details"]["fields"]) == ["body.customer_id"]
    assert orders_aws.dynamodb.scan(TableName="orders")["Count"] == 0


def test_created_order_belongs_to_the_token_user(create) -> None:
    assert create({"items": [{"sku": "s", "quantity": 1, "price": "1"}]}, user=INTRUDER)["customer_id"] == INTRUDER


def test_the_same_idempotency_key_of_two_customers_makes_two_orders(create) -> None:
    key = {"idempotency-key": "shared-key"}

    first = create(headers=key, user=OWNER)
    second = create(headers=key, user=INTRUDER)

    assert first["order_id"] != second["order_id"]
    assert (first["customer_id"], second["customer_id"]) == (OWNER, INTRUDER)


@pytest.mark.parametrize("claims", [None, {}, {"sub": ""}, {"sub": 7}, {"sub": "x" * 200}, {"sub": "../etc"}], ids=str)
@pytest.mark.parametrize(("method", "path"), [("GET", "/orders"), ("POST", "/orders"), ("GET", "/orders/o-1")])
def test_a_request_without_a_valid_user_is_401(orders_aws, make_event, decode, claims, method, path) -> None:
    from orders_api.handler import lambda_handler

    event = make_event(method, path, body={"items": []} if method == "POST" else None, headers=JSON_HEADERS)
    if claims is None:
        event["requestContext"].pop("authorizer")
    else:
        event["requestContext"]["authorizer"]["jwt"]["claims"] = claims

    response = lambda_handler(event, FakeLambdaContext("orders-dev-orders_api"))

    assert response["statusCode"] == 401
    assert decode(response)["error"]["code"] == "unauthorized"


def test_order_ids_of_every_entry_point_are_readable(orders_aws, invoke, make_event, decode) -> None:
    # Given an order stored with a non-UUID id, as the queue, bulk import and CSV may bring
    from shared.order_store import OrderTable
    from shared.orders import Order, OrderLine

    OrderTable("orders").insert(
        Order.new(order_id="q-0001", customer_id=OWNER, items=[OrderLine(sku="s", quantity=1, price="1")], source="csv")
    )

    # When its customer reads it
    response = invoke(make_event("GET", "/orders/q-0001", user=OWNER))

    # Then it is there
    assert response["statusCode"] == 200
    assert decode(response)["order_id"] == "q-0001"
