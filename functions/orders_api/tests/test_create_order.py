"""POST /orders: the created order, what is stored and published, idempotent retries, and every bad input."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from shared.orders import OrderStatus, customer_index_key, order_key, status_index_key

JSON_HEADERS = {"content-type": "application/json"}


def test_create_answers_201_with_the_pending_order_and_its_decimal_total(invoke, make_event, decode) -> None:
    # Given two lines whose float sum would not be exact
    body = {
        "customer_id": "c-1",
        "items": [{"sku": "a", "quantity": 3, "price": "0.10"}, {"sku": "b", "quantity": 1, "price": "9.99"}],
    }

    # When the order is posted
    response = invoke(make_event("POST", "/orders", body=body, headers=JSON_HEADERS))

    # Then it is created PENDING with the exact total as a string, and its location
    order = decode(response)
    assert response["statusCode"] == 201
    assert uuid.UUID(order["order_id"]).version == 4
    assert order["status"] == "PENDING"
    assert order["total"] == "10.29"
    assert order["items"] == body["items"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", order["created_at"])
    assert response["headers"]["Location"] == f"/orders/{order['order_id']}"


def test_created_order_is_stored_under_its_keys_and_status_index(create, orders_aws) -> None:
    # Given a created order
    order = create()

    # When its item is read straight from the table
    key = {name: {"S": value} for name, value in order_key(order["order_id"]).items()}
    item = orders_aws.dynamodb.get_item(TableName="orders", Key=key)["Item"]

    # Then it is the order in shared.orders' layout: the status index (cleanup) and the customer index (GET /orders)
    index_keys = {
        **status_index_key(OrderStatus.PENDING, created_at=order["created_at"], order_id=order["order_id"]),
        **customer_index_key("c-1", created_at=order["created_at"], order_id=order["order_id"]),
    }
    assert {name: item[name]["S"] for name in index_keys} == index_keys
    assert item["total"] == {"S": "19.98"}


def test_create_publishes_order_created_to_the_bus(create, orders_aws) -> None:
    # When an order is created
    order = create()

    # Then exactly one OrderCreated with the order's facts reached the bus
    published = orders_aws.published()
    assert [(event["source"], event["detail-type"]) for event in published] == [("orders.api", "OrderCreated")]
    detail = published[0]["detail"]
    assert detail["order_id"] == order["order_id"]
    assert detail["total"] == "19.98"
    assert detail["items"] == [{"sku": "sku-1", "quantity": 2, "price": "9.99"}]


def test_retry_with_the_same_idempotency_key_returns_the_first_order(create, orders_aws) -> None:
    # Given an order created with an idempotency key
    first = create(headers={"Idempotency-Key": "checkout-42"})

    # When the client retries the same request with the same key
    second = create(headers={"Idempotency-Key": "checkout-42"})

    # Then it gets the first order back, and nothing was created or published twice
    assert second == first
    assert orders_aws.dynamodb.scan(TableName="orders")["Count"] == 1
    assert len(orders_aws.published()) == 1


def test_different_idempotency_keys_create_different_orders(create) -> None:
    first = create(headers={"Idempotency-Key": "k-1"})
    second = create(headers={"Idempotency-Key": "k-2"})

    assert first["order_id"] != second["order_id"]


def test_reusing_an_idempotency_key_with_another_body_is_refused(
    create, invoke, make_event, decode, order_body
) -> None:
    # Given a key already used for one order
    create(headers={"Idempotency-Key": "checkout-7"})
    order_body["items"][0]["quantity"] = 5

    # When the key comes back with a different body
    response = invoke(
        make_event("POST", "/orders", body=order_body, headers={**JSON_HEADERS, "idempotency-key": "checkout-7"})
    )

    # Then the request is refused as unprocessable, not silently answered with the other order
    assert response["statusCode"] == 422
    assert decode(response)["error"]["code"] == "idempotency_key_reused"


def test_publish_failure_answers_503_and_leaves_no_order(invoke, make_event, decode, orders_aws, order_body) -> None:
    # Given the event bus is gone
    orders_aws.events.remove_targets(Rule="capture", EventBusName="orders-bus", Ids=["queue"])
    orders_aws.events.delete_rule(Name="capture", EventBusName="orders-bus")
    orders_aws.events.delete_event_bus(Name="orders-bus")

    # When an order is posted
    response = invoke(make_event("POST", "/orders", body=order_body, headers=JSON_HEADERS))

    # Then the client is told to retry and no order exists without its OrderCreated
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "1"
    assert decode(response)["error"]["code"] == "service_unavailable"
    assert orders_aws.dynamodb.scan(TableName="orders")["Count"] == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"customer_id": "c-1"}, {"body.items"}),
        ({"customer_id": "c-1", "items": []}, {"body.items"}),
        (
            {"customer_id": 7, "items": [{"sku": "s", "quantity": "2", "price": 9.99}]},
            {"body.customer_id", "body.items.0.quantity", "body.items.0.price"},
        ),
        (
            {"customer_id": "c-1", "items": [{"sku": "s", "quantity": 0, "price": "-1.00"}]},
            {"body.items.0.quantity", "body.items.0.price"},
        ),
        ({"customer_id": "c-1", "items": [{"sku": "s", "quantity": 1, "price": "1.999"}]}, {"body.items.0.price"}),
        ({"items": [{"sku": "s", "quantity": 1, "price": "١٢"}]}, {"body.items.0.price"}),
        ({"items": [{"sku": "s", "quantity": 1, "price": "１.００"}]}, {"body.items.0.price"}),
        ({"items": [{"sku": "s", "quantity": 1, "price": "٣.١٤"}]}, {"body.items.0.price"}),
        ({"items": [{"sku": "ｓｋｕ", "quantity": 1, "price": "1"}]}, {"body.items.0.sku"}),
        ({"customer_id": "c-1", "items": [{"sku": "s", "quantity": 1.5, "price": "1"}]}, {"body.items.0.quantity"}),
        ({"customer_id": "c-1", "items": [{"sku": "s", "quantity": 1, "price": "1"}], "coupon": "X"}, {"body.coupon"}),
    ],
    ids=[
        "no-items",
        "empty-items",
        "wrong-types",
        "out-of-range",
        "sub-cent-price",
        "arabic-indic-digits",
        "fullwidth-digits",
        "extended-arabic-digits",
        "fullwidth-sku",
        "fractional-qty",
        "unknown-field",
    ],
)
def test_invalid_order_answers_400_naming_each_bad_field(invoke, make_event, decode, orders_aws, body, fields) -> None:
    # When an invalid order is posted
    response = invoke(make_event("POST", "/orders", body=body, headers=JSON_HEADERS))

    # Then it is a 400 that names exactly the bad fields, and nothing was stored
    error = decode(response)["error"]
    assert response["statusCode"] == 400
    assert error["code"] == "validation_error"
    assert set(error["details"]["fields"]) == fields
    assert orders_aws.dynamodb.scan(TableName="orders")["Count"] == 0


def test_malformed_json_answers_400_naming_the_body(invoke, make_event, decode) -> None:
    response = invoke(make_event("POST", "/orders", body='{"customer_id": "c-1", "items": [', headers=JSON_HEADERS))

    assert response["statusCode"] == 400
    assert decode(response)["error"]["details"]["fields"] == {"body": "invalid JSON"}


def test_json_that_is_not_an_object_answers_400(invoke, make_event, decode) -> None:
    response = invoke(make_event("POST", "/orders", body="[1, 2]", headers=JSON_HEADERS))

    assert response["statusCode"] == 400
    assert decode(response)["error"]["details"]["fields"] == {"body": "must be an object"}


def test_missing_body_answers_400(invoke, make_event, decode) -> None:
    event = make_event("POST", "/orders", headers=JSON_HEADERS)

    response = invoke(event)

    assert response["statusCode"] == 400
    assert decode(response)["error"]["details"]["fields"] == {"body": "required"}


def test_body_over_the_limit_answers_413(invoke, make_event, decode, order_body) -> None:
    # Given a body padded past 16 KiB
    order_body["customer_id"] = "c-" + "x" * 17_000

    response = invoke(make_event("POST", "/orders", body=order_body, headers=JSON_HEADERS))

    assert response["statusCode"] == 413
    assert decode(response)["error"]["code"] == "payload_too_large"


def test_non_json_content_type_answers_415(invoke, make_event, decode, order_body) -> None:
    response = invoke(
        make_event("POST", "/orders", body=json.dumps(order_body), headers={"content-type": "text/plain"})
    )

    assert response["statusCode"] == 415
    assert "text/plain" in decode(response)["error"]["message"]


def test_too_long_idempotency_key_answers_400_naming_the_header(invoke, make_event, decode, order_body) -> None:
    response = invoke(
        make_event("POST", "/orders", body=order_body, headers={**JSON_HEADERS, "idempotency-key": "k" * 300})
    )

    assert response["statusCode"] == 400
    assert list(decode(response)["error"]["details"]["fields"]) == ["headers.idempotency-key"]


def test_missing_configuration_is_a_500_whose_log_names_the_variable(
    invoke, make_event, decode, order_body, monkeypatch, caplog
) -> None:
    # Given Terraform forgot the bus name
    monkeypatch.delenv("EVENT_BUS_NAME")

    response = invoke(make_event("POST", "/orders", body=order_body, headers=JSON_HEADERS))

    # Then the client sees only an internal error, and the log says what is missing
    assert response["statusCode"] == 500
    assert decode(response)["error"]["message"] == "internal error"
    assert "missing EVENT_BUS_NAME" in caplog.text
