"""Each task handler on moto, with a real payment HTTP server on loopback: behaviour, idempotency, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from order_saga import handler
from order_saga.errors import OrderNotVisibleError, OutOfStockError, StepCompensatedError

from functions.order_saga.tests.conftest import (
    ORDERS,
    cancel_reason,
    order_status,
    place_order,
    step_record,
    stock,
)
from shared.circuit_breaker import CircuitOpenError
from shared.contracts import OrderConfirmed
from shared.errors import (
    ConflictError,
    NonRetryableError,
    RetryableError,
    ServiceUnavailableError,
    ThrottleError,
    ValidationError,
)
from shared.order_store import OrderTable
from shared.orders import CUSTOMER_TRANSITIONS, OrderStatus
from shared.payments import PaymentUnavailableError


def line(sku: str, quantity: int) -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity, "price": "1.00"}


def cancel_as_customer(order: dict[str, Any], reason: str = "changed my mind") -> None:
    """What orders_api does for the customer's PATCH status=CANCELLED."""
    OrderTable(ORDERS).change_status(
        order["order_id"],
        OrderStatus.CANCELLED,
        transitions=CUSTOMER_TRANSITIONS,
        customer_id=order["customer_id"],
        reason=reason,
    )


def paid(order: dict[str, Any]) -> dict[str, Any]:
    """The order as it is when fulfilment starts: reserved and charged (status PAID)."""
    OrderTable(ORDERS).advance(order["order_id"], OrderStatus.PAID)
    return order


# ---- reserve / release -------------------------------------------------------------------------------------------


def test_reserve_decrements_each_sku_and_records_the_reservation(saga_env: dict[str, Any], context: Any) -> None:
    # Given an order for 2 × SKU-1 (stock 5) and 1 × SKU-2 (stock 3)
    order = place_order()
    # When the reservation task runs
    result = handler.reserve_inventory(order, context)
    # Then stock drops by exactly the ordered quantities, the result lists them and the order is CONFIRMED
    assert result == {"order_id": order["order_id"], "status": "RESERVED", "items": {"SKU-1": 2, "SKU-2": 1}}
    assert (stock(saga_env["dynamodb"], "SKU-1"), stock(saga_env["dynamodb"], "SKU-2")) == (3, 2)
    assert order_status(order["order_id"]) is OrderStatus.CONFIRMED


def test_retried_reserve_does_not_reserve_twice(saga_env: dict[str, Any], context: Any) -> None:
    # Given an order that was already reserved
    order = place_order()
    handler.reserve_inventory(order, context)
    # When Step Functions retries the task
    again = handler.reserve_inventory(order, context)
    # Then it returns the same reservation and stock is decremented once only
    assert again == {"order_id": order["order_id"], "status": "RESERVED", "items": {"SKU-1": 2, "SKU-2": 1}}
    assert stock(saga_env["dynamodb"], "SKU-1") == 3
    assert order_status(order["order_id"]) is OrderStatus.CONFIRMED


def test_same_sku_listed_twice_is_reserved_as_the_sum(saga_env: dict[str, Any], context: Any) -> None:
    order = place_order(lines=[line("SKU-1", 1), line("SKU-1", 3)])
    result = handler.reserve_inventory(order, context)
    assert result["items"] == {"SKU-1": 4}
    assert stock(saga_env["dynamodb"], "SKU-1") == 1


def test_out_of_stock_changes_nothing_and_names_the_sku(saga_env: dict[str, Any], context: Any) -> None:
    # Given SKU-2 has only 3 left and the order wants 4 (SKU-1 would be fine)
    order = place_order(lines=[line("SKU-1", 1), line("SKU-2", 4)])
    # When reserving
    with pytest.raises(OutOfStockError) as raised:
        handler.reserve_inventory(order, context)
    # Then no stock moved (all or nothing), nothing was recorded, and the error says which SKU is short
    assert raised.value.details == {"skus": ["SKU-2"]}
    assert (stock(saga_env["dynamodb"], "SKU-1"), stock(saga_env["dynamodb"], "SKU-2")) == (5, 3)
    assert not OutOfStockError.retryable
    assert order_status(order["order_id"]) is OrderStatus.PENDING


def test_reserving_a_cancelled_order_stops_and_the_release_gives_the_stock_back(
    saga_env: dict[str, Any], context: Any
) -> None:
    # Given an order the customer cancelled before the saga reserved it
    order = place_order()
    cancel_as_customer(order, "found it cheaper")
    # When the reservation task runs, it stops the saga (after reserving: the ASL catches it into the release)
    with pytest.raises(StepCompensatedError, match="CANCELLED"):
        handler.reserve_inventory(order, context)
    # And the release runs
    released = handler.release_inventory(order | {"error": {"Error": "StepCompensatedError"}}, context)
    # Then the stock is back, and the order stays cancelled with the customer's reason
    assert released["status"] == "RELEASED"
    assert (stock(saga_env["dynamodb"], "SKU-1"), stock(saga_env["dynamodb"], "SKU-2")) == (5, 3)
    assert (order_status(order["order_id"]), cancel_reason(order["order_id"])) == (
        OrderStatus.CANCELLED,
        "found it cheaper",
    )


def test_unknown_sku_is_out_of_stock(saga_env: dict[str, Any], context: Any) -> None:
    order = place_order(lines=[line("NOPE", 1)])
    with pytest.raises(OutOfStockError, match="NOPE"):
        handler.reserve_inventory(order, context)


def test_stock_never_goes_below_zero(saga_env: dict[str, Any], context: Any) -> None:
    # Given two orders that each want 3 of SKU-2 (stock 3)
    first = place_order(lines=[line("SKU-2", 3)])
    second = place_order(lines=[line("SKU-2", 3)])
    handler.reserve_inventory(first, context)
    # When the second reserves, it is refused and stock stays at zero
    with pytest.raises(OutOfStockError):
        handler.reserve_inventory(second, context)
    assert stock(saga_env["dynamodb"], "SKU-2") == 0


def test_release_returns_the_stock_once(saga_env: dict[str, Any], context: Any) -> None:
    # Given a reserved order
    order = place_order()
    handler.reserve_inventory(order, context)
    # When the release runs twice (a retried compensation)
    first = handler.release_inventory(order, context)
    second = handler.release_inventory(order, context)
    # Then the stock is back exactly once, and the order is cancelled
    assert first["status"] == second["status"] == "RELEASED"
    assert (stock(saga_env["dynamodb"], "SKU-1"), stock(saga_env["dynamodb"], "SKU-2")) == (5, 3)
    assert order_status(order["order_id"]) is OrderStatus.CANCELLED


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ({"Error": "OutOfStockError", "Cause": "{}"}, "out of stock"),
        ({"Error": "PaymentDeclined", "Cause": "The payment provider declined the charge."}, "payment declined"),
        ({"Error": "States.Timeout"}, "fulfilment failed (States.Timeout)"),
        (None, "fulfilment failed"),
        ("not an error object", "fulfilment failed"),
    ],
)
def test_release_cancels_the_order_with_the_reason_of_the_failure(
    saga_env: dict[str, Any], context: Any, error: object, reason: str
) -> None:
    # Given a reserved order, and the error that started the compensation in the state's $.error
    order = place_order()
    handler.reserve_inventory(order, context)
    state = order if error is None else order | {"error": error}
    # When the release (the last compensation) runs
    handler.release_inventory(state, context)
    # Then GET /orders/{id} shows it cancelled, saying why
    assert (order_status(order["order_id"]), cancel_reason(order["order_id"])) == (OrderStatus.CANCELLED, reason)


def test_release_of_a_deleted_order_still_gives_the_stock_back(saga_env: dict[str, Any], context: Any) -> None:
    # Given a reserved order that the customer then deleted
    order = place_order()
    handler.reserve_inventory(order, context)
    OrderTable(ORDERS).delete(order["order_id"], customer_id=order["customer_id"])
    # When the release runs
    released = handler.release_inventory(order, context)
    # Then the stock is back (there is no order left to mark)
    assert released["status"] == "RELEASED"
    assert stock(saga_env["dynamodb"], "SKU-1") == 5
    assert OrderTable(ORDERS).load(order["order_id"]) is None


def test_release_of_a_delivered_order_returns_the_stock_and_fails_for_manual_repair(
    saga_env: dict[str, Any], context: Any
) -> None:
    # Given a reserved order that someone marked DELIVERED while the saga was compensating
    order = place_order()
    handler.reserve_inventory(order, context)
    table = OrderTable(ORDERS)
    table.advance(order["order_id"], OrderStatus.SHIPPED)
    table.change_status(order["order_id"], OrderStatus.DELIVERED)
    # When the release runs, it gives the stock back, but cannot cancel a delivered order: the saga ends in
    # CompensationFailed (ConflictError is not retried) for a person to look at
    with pytest.raises(ConflictError, match="DELIVERED"):
        handler.release_inventory(order, context)
    assert stock(saga_env["dynamodb"], "SKU-1") == 5
    assert order_status(order["order_id"]) is OrderStatus.DELIVERED


def test_reserving_an_order_this_region_does_not_hold_is_retried(saga_env: dict[str, Any], context: Any) -> None:
    # Given an order the event names but the table does not hold (deleted, or not replicated here yet)
    order = place_order()
    OrderTable(ORDERS).delete(order["order_id"])
    # Then the reserve fails with an error the state machine retries (and compensates once retries run out)
    with pytest.raises(OrderNotVisibleError):
        handler.reserve_inventory(order, context)
    assert OrderNotVisibleError.retryable


def test_release_without_reservation_blocks_a_late_reserve(saga_env: dict[str, Any], context: Any) -> None:
    # Given a release that ran before any reservation (the reserve attempt is still in flight)
    order = place_order()
    assert handler.release_inventory({"order_id": order["order_id"]}, context)["status"] == "NOTHING_RESERVED"
    assert order_status(order["order_id"]) is OrderStatus.CANCELLED
    # When the late reserve arrives
    with pytest.raises(StepCompensatedError):
        handler.reserve_inventory(order, context)
    # Then it took no stock
    assert stock(saga_env["dynamodb"], "SKU-1") == 5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": [line("SKU-1", 0)]}, "input.items.0.quantity"),
        ({"total": "45.9"}, "input.total"),
        ({"currency": "eur"}, "input.currency"),
        ({"order_id": "not an id"}, "input.order_id"),
        ({"source_event_id": None}, "input.source_event_id"),
    ],
)
def test_invalid_order_is_a_validation_error_naming_the_field(
    saga_env: dict[str, Any], context: Any, change: dict[str, Any], field: str
) -> None:
    order = place_order() | change
    with pytest.raises(ValidationError) as raised:
        handler.reserve_inventory(order, context)
    assert field in raised.value.fields
    assert stock(saga_env["dynamodb"], "SKU-1") == 5


def test_more_skus_than_one_transaction_holds_is_a_validation_error(saga_env: dict[str, Any], context: Any) -> None:
    # No entry point accepts such an order (shared.orders.OrderLines); a hand-made saga input is still refused
    state = place_order(lines=[line("SKU-0", 1)])
    state["items"] = [line(f"SKU-{n}", 1) for n in range(100)]
    with pytest.raises(ValidationError) as raised:
        handler.reserve_inventory(state, context)
    assert "input.items" in raised.value.fields


def test_a_compensation_needs_only_a_well_formed_order_id(saga_env: dict[str, Any], context: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        handler.release_inventory({"order_id": "bad id"}, context)
    assert list(raised.value.fields) == ["input.order_id"]


def test_missing_inventory_table_variable_is_named(
    saga_env: dict[str, Any], context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.settings import SettingsError, reset_settings

    monkeypatch.delenv("INVENTORY_TABLE")
    reset_settings()
    with pytest.raises(SettingsError, match="INVENTORY_TABLE"):
        handler.reserve_inventory(place_order(), context)


# ---- charge / refund ---------------------------------------------------------------------------------------------


def test_charge_approved_records_the_charge(saga_env: dict[str, Any], context: Any) -> None:
    order = place_order()
    result = handler.charge_payment(order, context)
    assert result["status"] == "APPROVED"
    assert result["charge_id"] == "pay_0001"  # the provider's payment_id
    payment = saga_env["payment"]
    assert payment.requests[0]["idempotency_key"] == f"order-{order['order_id']}-charge"
    sent = {"order_id": order["order_id"], "amount": "45.99", "currency": "EUR", "customer_id": "c-42"}
    assert payment.requests[0]["body"] == sent
    assert step_record(saga_env["dynamodb"], order["order_id"], "PAYMENT")["status"]["S"] == "APPROVED"
    assert order_status(order["order_id"]) is OrderStatus.PAID


def test_charge_of_a_cancelled_order_asks_the_provider_nothing(saga_env: dict[str, Any], context: Any) -> None:
    # Given a reserved order the customer then cancelled
    order = place_order()
    handler.reserve_inventory(order, context)
    cancel_as_customer(order)
    # When the charge task runs, it stops the saga without asking the provider or recording a charge
    with pytest.raises(StepCompensatedError, match="cancelled"):
        handler.charge_payment(order, context)
    assert saga_env["payment"].requests == []
    assert step_record(saga_env["dynamodb"], order["order_id"], "PAYMENT") is None


def test_an_order_cancelled_while_charging_is_charged_then_refunded(
    saga_env: dict[str, Any], context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the customer cancels the order while the provider is approving its charge
    from shared.payments import PaymentClient

    order = place_order()
    handler.reserve_inventory(order, context)
    real_charge = PaymentClient.charge

    def charge_while_the_customer_cancels(api: PaymentClient, *args: Any, **kwargs: Any) -> Any:
        cancel_as_customer(order)
        return real_charge(api, *args, **kwargs)

    monkeypatch.setattr(PaymentClient, "charge", charge_while_the_customer_cancels)
    # When the charge task runs, it returns the approved payment (money moved: the saga must know it)
    payment = handler.charge_payment(order, context)
    assert payment["status"] == "APPROVED"
    assert order_status(order["order_id"]) is OrderStatus.CANCELLED
    # Then the next step stops on the cancelled order, and the compensation gives the money back
    with pytest.raises(StepCompensatedError):
        handler.create_shipment(order | {"payment": payment}, context)
    assert handler.refund_payment(order, context)["status"] == "REFUNDED"
    assert [request["path"] for request in saga_env["payment"].requests] == ["/charges", "/refunds"]


def test_retried_charge_does_not_call_the_api_again(saga_env: dict[str, Any], context: Any) -> None:
    order = place_order()
    handler.charge_payment(order, context)
    again = handler.charge_payment(order, context)
    assert again["status"] == "APPROVED"
    assert saga_env["payment"].calls == 1


def test_charge_left_pending_is_settled_with_the_same_key(saga_env: dict[str, Any], context: Any) -> None:
    # Given a previous attempt that charged at the provider but died before recording the outcome
    order = place_order()
    saga_env["payment"].mode = "fail"
    with pytest.raises(ServiceUnavailableError):
        handler.charge_payment(order, context)
    saga_env["payment"].mode = "approve"
    # When the task is retried
    result = handler.charge_payment(order, context)
    # Then it asks again with the same idempotency key and the customer is charged once
    assert result["status"] == "APPROVED"
    assert {r["idempotency_key"] for r in saga_env["payment"].requests} == {f"order-{order['order_id']}-charge"}
    assert saga_env["payment"].charges_made() == 1


def test_declined_charge_is_a_result_not_an_error(saga_env: dict[str, Any], context: Any) -> None:
    saga_env["payment"].mode = "decline"
    order = place_order()
    result = handler.charge_payment(order, context)
    assert result["status"] == "DECLINED"
    assert result["reason"] == "insufficient_funds"  # the provider's error.code
    assert result["charge_id"] is None  # a decline carries no payment
    assert order_status(order["order_id"]) is OrderStatus.PENDING


@pytest.mark.parametrize(
    ("mode", "error"),
    [("fail", PaymentUnavailableError), ("throttle", ThrottleError), ("garbage", PaymentUnavailableError)],
)
def test_transient_payment_failures_are_retryable(
    saga_env: dict[str, Any], context: Any, mode: str, error: type[Exception]
) -> None:
    saga_env["payment"].mode = mode
    with pytest.raises(error) as raised:
        handler.charge_payment(place_order(), context)
    assert type(raised.value) is error
    assert raised.value.retryable


def test_rejected_charge_is_not_retryable(saga_env: dict[str, Any], context: Any) -> None:
    saga_env["payment"].mode = "reject"
    with pytest.raises(NonRetryableError, match=r"amount must be at least 0\.50"):
        handler.charge_payment(place_order(), context)


def test_unreachable_payment_api_is_retryable(
    saga_env: dict[str, Any], context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.settings import reset_settings

    monkeypatch.setenv("PAYMENT_API_URL", "http://127.0.0.1:9")  # discard port: connection refused
    reset_settings()
    with pytest.raises(ServiceUnavailableError, match="unreachable"):
        handler.charge_payment(place_order(), context)


def test_circuit_opens_after_repeated_failures_and_fails_fast(saga_env: dict[str, Any], context: Any) -> None:
    # Given the payment API failing for five consecutive charges (the breaker's threshold)
    saga_env["payment"].mode = "fail"
    for _ in range(5):
        with pytest.raises(ServiceUnavailableError):
            handler.charge_payment(place_order(), context)
    calls = saga_env["payment"].calls
    # When another charge comes in
    with pytest.raises(CircuitOpenError) as raised:
        handler.charge_payment(place_order(), context)
    # Then it fails fast (retryable, so Step Functions backs off) without calling the API
    assert saga_env["payment"].calls == calls
    assert isinstance(raised.value, RetryableError)


def test_refund_gives_the_money_back_once(saga_env: dict[str, Any], context: Any) -> None:
    order = place_order()
    handler.charge_payment(order, context)
    first = handler.refund_payment(order, context)
    second = handler.refund_payment(order, context)
    assert first == second | {"refund_id": first["refund_id"]}
    assert first["status"] == "REFUNDED"
    assert first["refund_id"] == "re_0001"
    refund_calls = [r["path"] for r in saga_env["payment"].requests if r["path"].endswith("/refunds")]
    assert refund_calls == ["/refunds"]
    assert (saga_env["payment"].requests[-1]["idempotency_key"], saga_env["payment"].requests[-1]["body"]) == (
        f"order-{order['order_id']}-refund",
        {"payment_id": "pay_0001", "amount": "45.99"},
    )


def test_refund_without_charge_blocks_a_late_charge(saga_env: dict[str, Any], context: Any) -> None:
    order = place_order()
    assert handler.refund_payment(order, context)["status"] == "NOT_CHARGED"
    with pytest.raises(StepCompensatedError):
        handler.charge_payment(order, context)
    assert saga_env["payment"].requests == []


def test_refund_of_a_declined_charge_moves_no_money(saga_env: dict[str, Any], context: Any) -> None:
    order = place_order()
    saga_env["payment"].mode = "decline"
    handler.charge_payment(order, context)
    assert handler.refund_payment(order, context)["status"] == "NOT_CHARGED"
    assert [request["path"] for request in saga_env["payment"].requests] == ["/charges"]


# ---- shipment / notification -------------------------------------------------------------------------------------


def test_create_shipment_is_idempotent_and_ships_the_order(saga_env: dict[str, Any], context: Any) -> None:
    order = paid(place_order())
    first = handler.create_shipment(order, context)
    second = handler.create_shipment(order, context)
    expected = {"order_id": order["order_id"], "status": "CREATED", "shipment_id": f"SHP-{order['order_id']}"}
    assert first == second == expected
    assert order_status(order["order_id"]) is OrderStatus.SHIPPED


def test_a_cancelled_order_is_not_shipped(saga_env: dict[str, Any], context: Any) -> None:
    # Given a paid order that a cancel message then cancelled
    order = paid(place_order())
    OrderTable(ORDERS).change_status(order["order_id"], OrderStatus.CANCELLED, reason="cancel message")
    # When the shipment task runs, it stops the saga (Fulfil → CancelShipment → RefundPayment → ReleaseInventory)
    with pytest.raises(StepCompensatedError):
        handler.create_shipment(order, context)
    # Then nothing was shipped
    assert step_record(saga_env["dynamodb"], order["order_id"], "SHIPMENT") is None
    assert order_status(order["order_id"]) is OrderStatus.CANCELLED


def test_cancel_shipment_cancels_and_blocks_a_late_create(saga_env: dict[str, Any], context: Any) -> None:
    order = paid(place_order())
    handler.create_shipment(order, context)
    assert handler.cancel_shipment(order, context)["status"] == "CANCELLED"
    assert handler.cancel_shipment(order, context)["status"] == "CANCELLED"
    with pytest.raises(StepCompensatedError):
        handler.create_shipment(order, context)


def test_cancel_without_shipment_reports_nothing_created(saga_env: dict[str, Any], context: Any) -> None:
    assert handler.cancel_shipment({"order_id": "o-none"}, context)["status"] == "NOT_CREATED"


def test_notify_publishes_one_confirmation(saga_env: dict[str, Any], context: Any) -> None:
    # Given a subscriber queue on the topic
    sqs = __import__("boto3").client("sqs", region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    saga_env["sns"].subscribe(TopicArn=saga_env["topic"], Protocol="sqs", Endpoint=queue_arn)
    order = paid(place_order())
    # When notify runs twice (a retry)
    first = handler.notify_customer(order, context)
    second = handler.notify_customer(order, context)
    # Then exactly one message went out: shared.contracts.OrderConfirmed, its type also as the "type" attribute
    assert first == second
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    envelope = json.loads(messages[0]["Body"])
    assert OrderConfirmed.model_validate_json(envelope["Message"]) == OrderConfirmed(
        order_id=order["order_id"],
        customer_id="c-42",
        total="45.99",
        currency="EUR",
        shipment_id=f"SHP-{order['order_id']}",
    )
    assert envelope["MessageAttributes"]["type"] == {"Type": "String", "Value": "OrderConfirmed"}


def test_a_cancelled_order_is_not_confirmed(saga_env: dict[str, Any], context: Any) -> None:
    order = place_order()
    cancel_as_customer(order)
    with pytest.raises(StepCompensatedError):
        handler.notify_customer(order, context)
    assert step_record(saga_env["dynamodb"], order["order_id"], "NOTIFICATION")["status"]["S"] != "SENT"
