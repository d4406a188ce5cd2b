"""shared.orders: the one definition of an order, its item layout and its rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.orders import (
    CUSTOMER_TRANSITIONS,
    ID_PATTERN,
    MAX_LINES,
    MAX_SKUS,
    TRANSITIONS,
    Order,
    OrderLine,
    OrderStatus,
    StoredOrderError,
    format_timestamp,
    from_cents,
    from_item,
    is_order_id,
    money,
    to_cents,
    to_item,
)


def an_order(**changes: object) -> Order:
    order = Order.new(
        order_id="o-1", customer_id="c-1", items=[OrderLine(sku="s", quantity=3, price="1.1")], source="api"
    )
    return order.model_copy(update=changes)


@given(st.from_regex(ID_PATTERN, fullmatch=True))
def test_every_id_the_pattern_allows_is_an_order_id(order_id: str) -> None:
    assert is_order_id(order_id)


@pytest.mark.parametrize("order_id", ["", "-a", "a#b", "a" * 65, "١٢", "ｏｒｄｅｒ", "a b", "ORDER#1"])
def test_ids_outside_the_rule_are_refused(order_id: str) -> None:
    assert not is_order_id(order_id)


@pytest.mark.parametrize(("given_price", "stored"), [("9.9", "9.90"), ("12", "12.00"), ("0", "0.00"), ("0.01", "0.01")])
def test_prices_are_stored_with_two_decimals(given_price: str, stored: str) -> None:
    assert OrderLine(sku="s", quantity=1, price=given_price).price == stored


@pytest.mark.parametrize("price", ["١٢", "１.００", "٣.١٤", "1.999", "-1", "1e3", " 1"])
def test_non_ascii_or_malformed_prices_are_refused(price: str) -> None:
    with pytest.raises(ValueError, match="price"):
        OrderLine(sku="s", quantity=1, price=price)


def test_total_is_the_exact_sum_of_the_lines() -> None:
    assert an_order().total == "3.30"


@given(st.integers(min_value=0, max_value=10**15))
def test_cents_round_trip(cents: int) -> None:
    assert to_cents(from_cents(cents)) == cents


def test_money_rounds_half_up_to_cents() -> None:
    assert (money(Decimal("0.005")), money(Decimal("2.344"))) == ("0.01", "2.34")


def test_timestamps_are_utc_milliseconds_and_sort_as_text() -> None:
    earlier = datetime(2026, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    later = datetime(2026, 1, 2, 0, 0, 0, 1000, tzinfo=UTC)

    assert format_timestamp(earlier) == "2026-01-02T01:30:00.000Z"
    assert format_timestamp(later) < format_timestamp(earlier)


def test_item_round_trips_and_carries_both_index_keys() -> None:
    order = an_order()
    item = to_item(order)

    assert from_item(item) == order
    assert (item["pk"], item["sk"], item["gsi1pk"], item["gsi2pk"]) == (
        "ORDER#o-1",
        "ORDER",
        "STATUS#PENDING",
        "CUSTOMER#c-1",
    )
    assert item["gsi1sk"] == item["gsi2sk"] == f"{order.created_at}#o-1"


def test_numbers_from_dynamodb_are_read_as_whole_quantities() -> None:
    item = to_item(an_order())
    item["items"] = [{**line, "quantity": Decimal(line["quantity"])} for line in item["items"]]

    assert from_item(item).items[0].quantity == 3


@pytest.mark.parametrize(
    "damage",
    [{"total": "9.99"}, {"total_cents": 330, "total": None}, {"items": []}, {"status": "LOST"}, {"created_at": "2026"}],
    ids=["wrong-total", "old-csv-shape", "no-lines", "unknown-status", "second-precision"],
)
def test_an_item_that_is_not_an_order_is_a_stored_order_error_not_a_client_error(damage: dict) -> None:
    item = {**to_item(an_order()), **damage}
    item = {name: value for name, value in item.items() if value is not None}

    with pytest.raises(StoredOrderError, match="ORDER#o-1"):
        from_item(item)


def test_a_csv_import_may_have_no_lines() -> None:
    order = an_order(source="csv", items=[], total="45.99")

    assert from_item(to_item(order)) == order


def test_customers_may_only_cancel_and_only_before_payment() -> None:
    targets = {target for targets in CUSTOMER_TRANSITIONS.values() for target in targets}

    assert targets == {OrderStatus.CANCELLED}
    assert set(CUSTOMER_TRANSITIONS) == {OrderStatus.PENDING, OrderStatus.CONFIRMED}
    assert all(CUSTOMER_TRANSITIONS[s] <= TRANSITIONS[s] for s in CUSTOMER_TRANSITIONS)


def test_an_order_may_have_100_lines_but_at_most_99_different_skus() -> None:
    lines = [OrderLine(sku=f"s{i}", quantity=1, price="1") for i in range(MAX_SKUS)]

    accepted = Order.new(order_id="o-1", customer_id="c", items=[*lines, lines[0]], source="api")
    with pytest.raises(ValueError, match=f"at most {MAX_SKUS} different SKUs"):
        Order.new(
            order_id="o-1", customer_id="c", items=[*lines, OrderLine(sku="new", quantity=1, price="1")], source="api"
        )

    assert len(accepted.items) == MAX_LINES
