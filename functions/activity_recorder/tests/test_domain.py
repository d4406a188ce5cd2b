"""The fold: pure, order-independent, and each activity type changes exactly what it should."""

from __future__ import annotations

import itertools

from activity_recorder.domain import RECENTLY_VIEWED, ActivityEvent, UserState, apply, fold

USER = "u-1"


def event(n: int, kind: str, **data: object) -> ActivityEvent:
    at = f"2024-05-13T10:{n:02d}:00.000000Z"
    return ActivityEvent(USER, f"00000000-0000-4000-8000-{n:012d}", kind, dict(data), at, at)


def test_fold_does_not_depend_on_arrival_order() -> None:
    # Given a history of adds, a removal and an order
    history = [
        event(1, "cart_item_added", sku="a", quantity=2),
        event(2, "cart_item_removed", sku="a", quantity=1),
        event(3, "order_placed", order_id="o-1"),
        event(4, "cart_item_added", sku="b", quantity=1),
    ]
    # When it is folded in every possible arrival order
    results = {repr(fold(USER, order)) for order in itertools.permutations(history)}
    # Then every order gives the one state of the log order
    assert len(results) == 1
    assert fold(USER, history).cart == {"b": 1}


def test_removing_more_than_is_in_the_cart_drops_the_line() -> None:
    # Given a cart with 2 of sku a
    state = apply(UserState(USER), event(1, "cart_item_added", sku="a", quantity=2))
    # When 5 are removed
    state = apply(state, event(2, "cart_item_removed", sku="a", quantity=5))
    # Then the line is gone, not negative
    assert state.cart == {}


def test_order_placed_empties_the_cart_and_counts_the_order() -> None:
    # Given a cart with items
    state = apply(UserState(USER), event(1, "cart_item_added", sku="a", quantity=2))
    # When an order is placed
    state = apply(state, event(2, "order_placed", order_id="o-7"))
    # Then the cart is empty and the order counted
    assert (state.cart, state.orders_placed, state.last_order_id) == ({}, 1, "o-7")


def test_recently_viewed_is_newest_first_unique_and_bounded() -> None:
    # Given more distinct views than the projection keeps, then a repeat of an old one
    views = [event(n, "product_viewed", sku=f"s{n}") for n in range(1, RECENTLY_VIEWED + 3)]
    views.append(event(RECENTLY_VIEWED + 3, "product_viewed", sku="s5"))
    # When they are folded
    state = fold(USER, views)
    # Then the repeat moved to the front, without a duplicate, and the list is capped
    assert state.recently_viewed[0] == "s5"
    assert state.recently_viewed.count("s5") == 1
    assert len(state.recently_viewed) == RECENTLY_VIEWED


def test_sign_in_counts_and_tracks_position() -> None:
    # Given an empty state
    # When the user signs in
    state = apply(UserState(USER), event(3, "signed_in"))
    # Then the count, time and log position advance
    assert (state.sign_ins, state.last_sign_in_at, state.events_applied) == (1, "2024-05-13T10:03:00.000000Z", 1)
    assert state.position == "2024-05-13T10:03:00.000000Z#00000000-0000-4000-8000-000000000003"
