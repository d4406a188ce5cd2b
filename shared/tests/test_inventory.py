"""shared.inventory: the inventory table's keys and the stock item a seed writes."""

from __future__ import annotations

import pytest

from shared.inventory import AVAILABLE, ReservationStatus, reservation_key, stock_item, stock_key


def test_stock_item_is_the_stock_key_with_the_available_units() -> None:
    # Given a SKU and a quantity, When a seed builds its item
    item = stock_item("sku-red-mug", 12)
    # Then it is the stock row the saga reserves from
    assert item == {**stock_key("sku-red-mug"), AVAILABLE: 12}
    assert item["pk"] != reservation_key("sku-red-mug")["pk"]


def test_stock_and_reservation_keys_never_collide() -> None:
    # A SKU and an order may share an id; their rows must not.
    assert stock_key("x-1") != reservation_key("x-1")


@pytest.mark.parametrize("available", [0, 1, 10**9])
def test_any_whole_number_from_zero_is_stock(available: int) -> None:
    assert stock_item("s", available)[AVAILABLE] == available


@pytest.mark.parametrize(
    ("sku", "available", "named"),
    [
        ("", 1, "sku"),
        ("bad sku", 1, "sku"),
        ("x" * 65, 1, "sku"),
        ("s", -1, "available"),
        ("s", 1.5, "available"),
        ("s", True, "available"),
    ],
)
def test_a_bad_sku_or_quantity_is_refused_naming_it(sku: str, available: object, named: str) -> None:
    with pytest.raises(ValueError, match=f"^{named}"):
        stock_item(sku, available)  # type: ignore[arg-type]


def test_reservation_statuses_are_the_stored_strings() -> None:
    assert [status.value for status in ReservationStatus] == ["RESERVED", "RELEASED"]
