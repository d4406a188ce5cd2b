"""GET /orders/{id} and GET /orders: one order, 404s, cursor pagination, limits, status filter, gzip."""

from __future__ import annotations

import time
import uuid

import pytest


def test_get_returns_the_stored_order(create, invoke, make_event, decode) -> None:
    order = create()

    response = invoke(make_event("GET", f"/orders/{order['order_id']}"))

    assert response["statusCode"] == 200
    assert decode(response) == order


@pytest.mark.parametrize("order_id", [str(uuid.uuid4()), "not-an-order-id"], ids=["unknown-uuid", "malformed"])
def test_get_unknown_order_answers_404(invoke, make_event, decode, order_id) -> None:
    response = invoke(make_event("GET", f"/orders/{order_id}"))

    assert response["statusCode"] == 404
    assert decode(response)["error"]["code"] == "not_found"


def test_list_pages_through_every_order_exactly_once(create, invoke, make_event, decode) -> None:
    # Given 7 orders
    created = {create()["order_id"] for _ in range(7)}

    # When the client follows next_cursor with pages of 3
    seen: list[str] = []
    sizes: list[int] = []
    query = {"limit": "3"}
    while True:
        page = decode(invoke(make_event("GET", "/orders", query=query)))
        seen += [order["order_id"] for order in page["items"]]
        sizes.append(page["count"])
        if page["next_cursor"] is None:
            break
        query = {"limit": "3", "cursor": page["next_cursor"]}

    # Then it saw every order once, in full pages
    assert sorted(seen) == sorted(created)
    assert sizes[:2] == [3, 3]


def test_list_by_status_uses_the_index_newest_first(create, system_move, invoke, make_event, decode) -> None:
    # Given three orders created a few milliseconds apart, the middle one confirmed
    first, second, third = [create() for _ in range(3) if not time.sleep(0.005)]
    system_move(second["order_id"], "CONFIRMED")

    # When PENDING orders are listed
    page = decode(invoke(make_event("GET", "/orders", query={"status": "PENDING"})))

    # Then only the pending ones come back, newest first
    assert [order["order_id"] for order in page["items"]] == [third["order_id"], first["order_id"]]


@pytest.mark.parametrize("limit", ["0", "101", "ten", "-1"])
def test_limit_out_of_bounds_answers_400_naming_limit(invoke, make_event, decode, limit) -> None:
    response = invoke(make_event("GET", "/orders", query={"limit": limit}))

    assert response["statusCode"] == 400
    assert list(decode(response)["error"]["details"]["fields"]) == ["query.limit"]


@pytest.mark.parametrize("cursor", ["garbage!", "eyJrIjoxfQ", "e30"], ids=["not-base64", "wrong-shape", "empty-object"])
def test_forged_cursor_answers_400_naming_cursor(invoke, make_event, decode, cursor) -> None:
    response = invoke(make_event("GET", "/orders", query={"cursor": cursor}))

    assert response["statusCode"] == 400
    assert list(decode(response)["error"]["details"]["fields"]) == ["query.cursor"]


def test_cursor_of_one_filter_is_refused_for_another(create, invoke, make_event, decode) -> None:
    # Given a cursor from the unfiltered listing
    create(), create()
    cursor = decode(invoke(make_event("GET", "/orders", query={"limit": "1"})))["next_cursor"]

    # When it is used with a status filter
    response = invoke(make_event("GET", "/orders", query={"status": "PENDING", "cursor": cursor}))

    # Then it is rejected rather than starting the index query at a table key
    assert cursor is not None
    assert response["statusCode"] == 400


def test_unknown_query_parameter_answers_400_naming_it(invoke, make_event, decode) -> None:
    response = invoke(make_event("GET", "/orders", query={"page": "2"}))

    assert response["statusCode"] == 400
    assert list(decode(response)["error"]["details"]["fields"]) == ["query.page"]


def test_large_list_is_gzipped_when_the_client_accepts_gzip(create, invoke, make_event, decode) -> None:
    # Given enough orders for a body over 1 KiB
    for _ in range(8):
        create()

    # When a gzip-accepting client lists them
    response = invoke(make_event("GET", "/orders", query={"limit": "8"}, headers={"accept-encoding": "gzip, br"}))

    # Then the body is gzip + base64 and decodes to the full page
    assert response["headers"]["Content-Encoding"] == "gzip"
    assert response["isBase64Encoded"] is True
    assert decode(response)["count"] == 8


def test_large_list_is_plain_when_the_client_does_not_accept_gzip(create, invoke, make_event, decode) -> None:
    for _ in range(8):
        create()
    event = make_event("GET", "/orders", query={"limit": "8"})
    del event["headers"]["accept-encoding"]

    response = invoke(event)

    assert "Content-Encoding" not in response["headers"]
    assert response["isBase64Encoded"] is False
    assert decode(response)["count"] == 8
