"""The saga's execution input is what order_events_router builds from orders_api's OrderCreated event
(``shared.contracts.OrderCreated`` → ``SagaInput``), read after a JSON round trip as Step Functions passes it."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.parser import event_parser
from order_events_router.routing import saga_input
from order_saga.handler import input_errors
from order_saga.models import SagaOrder, SagaState

from shared.contracts import OrderCreated
from shared.errors import ValidationError
from shared.orders import Order, OrderLine


@input_errors(SagaState)
@event_parser(model=SagaState)
def read_order(state: SagaState, context: object) -> SagaOrder:
    """What every forward task does first (order_saga.handler): the state parsed, the order taken from it."""
    return SagaOrder.of(state)


def parse_order(state: dict[str, object]) -> SagaOrder:
    return read_order(state, None)  # type: ignore[no-any-return]


def order(**fields: object) -> Order:
    lines = [OrderLine(sku="sku-red-mug", quantity=2, price="12.5"), OrderLine(sku="sku-tea", quantity=1, price="4.99")]
    return Order.new(order_id="ord-1001", customer_id="cust-42", items=lines, source="api", **fields)


@pytest.mark.parametrize(("currency", "total_cents"), [("USD", 2999), ("EUR", 2999)])
def test_the_routers_saga_input_is_what_the_saga_reads(currency: str, total_cents: int) -> None:
    # Given the OrderCreated detail orders_api publishes, and the input the router starts the saga with
    created = OrderCreated.of(order(currency=currency))
    state = json.loads(saga_input(created, "evt-1").model_dump_json())
    # When a saga task reads it (with the results of earlier steps beside it)
    parsed = parse_order(state | {"reservation": {"status": "RESERVED"}})
    # Then it has the order's id, customer, currency, cents of the decimal total and quantities per SKU
    assert (parsed.order_id, parsed.customer_id, parsed.currency) == ("ord-1001", "cust-42", currency)
    assert (parsed.total, parsed.total_cents) == ("29.99", total_cents)
    assert parsed.quantities == {"sku-red-mug": 2, "sku-tea": 1}


@pytest.mark.parametrize(("total", "cents"), [("0.01", 1), ("45.99", 4599), ("999999999.99", 99999999999)])
def test_money_becomes_exact_cents(total: str, cents: int) -> None:
    state = json.loads(saga_input(OrderCreated.of(order()), "evt-1").model_dump_json()) | {"total": total}
    assert parse_order(state).total_cents == cents


def test_the_old_saga_input_in_cents_is_rejected_naming_the_field() -> None:
    old = {"order_id": "o-1", "customer_id": "c", "items": [{"sku": "s", "quantity": 1}], "total_cents": 250}
    with pytest.raises(ValidationError) as raised:
        parse_order(old)
    assert {"input.total", "input.currency", "input.items.0.price"} <= set(raised.value.fields)
