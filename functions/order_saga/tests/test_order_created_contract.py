"""The saga's execution input is what order_events_router passes on: orders_api's OrderCreated detail."""

from __future__ import annotations

from order_saga.models import SagaOrder
from orders_api.events import order_created_detail
from orders_api.models import Order, OrderLine, OrderStatus


def test_order_created_detail_from_orders_api_is_a_valid_saga_input() -> None:
    # Given an order as orders_api publishes it (total as a decimal string, no address, no currency)
    order = Order(
        order_id="ord-1001",
        customer_id="cust-42",
        status=OrderStatus.PENDING,
        items=[
            OrderLine(sku="sku-red-mug", quantity=2, price="12.50"),
            OrderLine(sku="sku-tea", quantity=1, price="4.99"),
        ],
        total="29.99",
        created_at="2024-05-24T16:34:39.871Z",
        updated_at="2024-05-24T16:34:39.871Z",
    )
    # When the router passes the detail on (plus the event id) as the execution input
    saga_input = {**order_created_detail(order), "source_event_id": "e-1"}
    # Then the saga reads it: cents from the decimal total, default currency, quantities per SKU
    parsed = SagaOrder.model_validate(saga_input)
    assert parsed.total_cents == 2999
    assert parsed.currency == "USD"
    assert parsed.shipping_address is None
    assert parsed.quantities() == {"sku-red-mug": 2, "sku-tea": 1}


def test_explicit_total_cents_wins_over_the_decimal_total() -> None:
    parsed = SagaOrder.model_validate(
        {
            "order_id": "o-1",
            "customer_id": "c",
            "items": [{"sku": "s", "quantity": 1}],
            "total": "1.00",
            "total_cents": 250,
        }
    )
    assert parsed.total_cents == 250
