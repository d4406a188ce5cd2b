"""shared.order_store against moto: conditional changes scoped to a customer, and pages that survive a bad item."""

from __future__ import annotations

import boto3
import pytest

from shared.errors import ConflictError, NotFoundError
from shared.order_store import OrderTable
from shared.orders import Order, OrderLine, OrderStatus, customer_index_key, order_key
from tests.support.aws_fixtures import create_orders_table


@pytest.fixture
def table(moto_aws: None) -> OrderTable:
    create_orders_table(boto3.client("dynamodb", region_name="us-east-1"))
    return OrderTable("orders")


def an_order(order_id: str, customer_id: str = "c-1") -> Order:
    return Order.new(
        order_id=order_id, customer_id=customer_id, items=[OrderLine(sku="s", quantity=1, price="1")], source="api"
    )


def test_a_page_skips_an_item_that_is_not_an_order_and_keeps_the_rest(table: OrderTable) -> None:
    # Given two orders of a customer and, between them, an item in the old CSV shape (no items, total_cents)
    for order_id in ("o-1", "o-3"):
        assert table.insert(an_order(order_id))
    legacy = {**order_key("o-2"), **customer_index_key("c-1", created_at="2026-01-01T00:00:00Z", order_id="o-2")}
    boto3.resource("dynamodb", region_name="us-east-1").Table("orders").put_item(
        Item={**legacy, "order_id": "o-2", "customer_id": "c-1", "status": "PENDING", "total_cents": 100}
    )

    # When the customer's orders are paged
    orders, _ = table.page_for_customer("c-1", limit=10, start_key=None)

    # Then the readable orders come back; the bad item does not take the page down
    assert sorted(order.order_id for order in orders) == ["o-1", "o-3"]


def test_a_scoped_change_of_another_customers_order_is_not_found(table: OrderTable) -> None:
    table.insert(an_order("o-1", customer_id="c-1"))

    with pytest.raises(NotFoundError):
        table.change_status("o-1", OrderStatus.CANCELLED, customer_id="c-2")
    with pytest.raises(NotFoundError):
        table.delete("o-1", customer_id="c-2")
    assert table.load("o-1", customer_id="c-2") is None
    unchanged = table.load("o-1", customer_id="c-1")
    assert unchanged is not None
    assert unchanged.status is OrderStatus.PENDING


def test_advance_is_idempotent_and_refuses_a_cancelled_order(table: OrderTable) -> None:
    table.insert(an_order("o-1"))
    table.insert(an_order("o-2"))
    table.change_status("o-2", OrderStatus.CANCELLED)

    assert table.advance("o-1", OrderStatus.PAID).status is OrderStatus.PAID
    assert table.advance("o-1", OrderStatus.CONFIRMED).status is OrderStatus.PAID  # a retried earlier step
    with pytest.raises(ConflictError):
        table.advance("o-2", OrderStatus.CONFIRMED)
