"""Each task handler on moto, with a real payment HTTP server on loopback: behaviour, idempotency, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from order_saga import handler
from order_saga.errors import OutOfStockError, StepCompensatedError

from functions.order_saga.tests.conftest import make_order, step_record, stock
from shared.circuit_breaker import CircuitOpenError
from shared.errors import NonRetryableError, RetryableError, ServiceUnavailableError, ThrottleError, ValidationError

# ---- reserve / release -------------------------------------------------------------------------------------------


def test_reserve_decrements_each_sku_and_records_the_reservation(saga_env: dict[str, Any], context: Any) -> None:
    # Given an order for 2 × SKU-1 (stock 5) and 1 × SKU-2 (stock 3)
    order = make_order()
    # When the reservation task runs
    result = handler.reserve_inventory(order, context)
    # Then stock drops by exactly the ordered quantities and the result lists them
    assert result == {"order_id": order["order_id"], "status": "RESERVED", "items": {"SKU-1": 2, "SKU-2": 1}}
    assert (stock(saga_env["dynamodb"], "SKU-1"), stock(saga_env["dynamodb"], "SKU-2")) == (3, 2)


def test_retried_reserve_does_not_reserve_twice(saga_env: dict[str, Any], context: Any) -> None:
    # Given an order that was already reserved
    order = make_order()
    handler.reserve_inventory(order, context)
    # When Step Functions retries the task
    again = handler.reserve_inventory(order, context)
    # Then it returns the same reservation and stock is decremented once only
    assert again["status"] == "RESERVED"
    assert stock(saga_env["dynamodb"], "SKU-1") == 3


def test_same_sku_listed_twice_is_reserved_as_the_sum(saga_env: dict[str, Any], context: Any) -> None:
    order = make_order(items=[{"sku": "SKU-1", "quantity": 1}, {"sku": "SKU-1", "quantity": 3}])
    result = handler.reserve_inventory(order, context)
    assert result["items"] == {"SKU-1": 4}
    assert stock(saga_env["dynamodb"], "SKU-1") == 1


def test_out_of_stock_changes_nothing_and_names_the_sku(saga_env: dict[str, Any], context: Any) -> None:
    # Given SKU-2 has only 3 left and the order wants 4 (SKU-1 would be fine)
    order = make_order(items=[{"sku": "SKU-1", "quantity": 1}, {"sku": "SKU-2", "quantity": 4}])
    # When reserving
    with pytest.raises(OutOfStockError) as raised:
        handler.reserve_inventory(order, context)
    # Then no stock moved (all or nothing), nothing was recorded, and the error says which SKU is short
    assert raised.value.details == {"skus": ["SKU-2"]}
    assert (stock(saga_env["dynamodb"], "SKU-1"), stock(saga_env["dynamodb"], "SKU-2")) == (5, 3)
    assert not OutOfStockError.retryable


def test_unknown_sku_is_out_of_stock(saga_env: dict[str, Any], context: Any) -> None:
    order = make_order(items=[{"sku": "NOPE", "quantity": 1}])
    with pytest.raises(OutOfStockError, match="NOPE"):
        handler.reserve_inventory(order, context)


def test_stock_never_goes_below_zero(saga_env: dict[str, Any], context: Any) -> None:
    # Given two orders that each want 3 of SKU-2 (stock 3)
    first = make_order(items=[{"sku": "SKU-2", "quantity": 3}])
    second = make_order(items=[{"sku": "SKU-2", "quantity": 3}])
    handler.reserve_inventory(first, context)
    # When the second reserves, it is refused and stock stays at zero
    with pytest.raises(OutOfStockError):
        handler.reserve_inventory(second, context)
    assert stock(saga_env["dynamodb"], "SKU-2") == 0


def test_release_returns_the_stock_once(saga_env: dict[str, Any], context: Any) -> None:
    # Given a reserved order
    order = make_order()
    handler.reserve_inventory(order, context)
    # When the release runs twice (a retried compensation)
    first = handler.release_inventory(order, context)
    second = handler.release_inventory(order, context)
    # Then the stock is back exactly once
    assert first["status"] == second["status"] == "RELEASED"
    assert (stock(saga_env["dynamodb"], "SKU-1"), stock(saga_env["dynamodb"], "SKU-2")) == (5, 3)


def test_release_without_reservation_blocks_a_late_reserve(saga_env: dict[str, Any], context: Any) -> None:
    # Given a release that ran before any reservation (the reserve attempt is still in flight)
    order = make_order()
    assert handler.release_inventory({"order_id": order["order_id"]}, context)["status"] == "NOTHING_RESERVED"
    # When the late reserve arrives
    with pytest.raises(StepCompensatedError):
        handler.reserve_inventory(order, context)
    # Then it took no stock
    assert stock(saga_env["dynamodb"], "SKU-1") == 5


def test_invalid_order_is_a_validation_error_naming_the_field(saga_env: dict[str, Any], context: Any) -> None:
    order = make_order(items=[{"sku": "SKU-1", "quantity": 0}])
    with pytest.raises(ValidationError) as raised:
        handler.reserve_inventory(order, context)
    assert "input.items.0.quantity" in raised.value.fields


def test_missing_inventory_table_variable_is_named(
    saga_env: dict[str, Any], context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.settings import SettingsError, reset_settings

    monkeypatch.delenv("INVENTORY_TABLE")
    reset_settings()
    with pytest.raises(SettingsError, match="INVENTORY_TABLE"):
        handler.reserve_inventory(make_order(), context)


# ---- charge / refund ---------------------------------------------------------------------------------------------


def test_charge_approved_records_the_charge(saga_env: dict[str, Any], context: Any) -> None:
    order = make_order()
    result = handler.charge_payment(order, context)
    assert result["status"] == "APPROVED"
    assert result["charge_id"] == "pay_1"  # the provider's payment_id
    payment = saga_env["payment"]
    assert payment.calls[0][1] == f"order-{order['order_id']}-charge"
    sent = {"order_id": order["order_id"], "amount": "45.99", "currency": "EUR", "customer_id": "c-42"}
    assert payment.calls[0][2] == sent
    assert step_record(saga_env["dynamodb"], order["order_id"], "PAYMENT")["status"]["S"] == "APPROVED"


def test_retried_charge_does_not_call_the_api_again(saga_env: dict[str, Any], context: Any) -> None:
    order = make_order()
    handler.charge_payment(order, context)
    again = handler.charge_payment(order, context)
    assert again["status"] == "APPROVED"
    assert len(saga_env["payment"].calls) == 1


def test_charge_left_pending_is_settled_with_the_same_key(saga_env: dict[str, Any], context: Any) -> None:
    # Given a previous attempt that charged at the provider but died before recording the outcome
    order = make_order()
    saga_env["payment"].mode = "fail"
    with pytest.raises(ServiceUnavailableError):
        handler.charge_payment(order, context)
    saga_env["payment"].mode = "approve"
    # When the task is retried
    result = handler.charge_payment(order, context)
    # Then it asks again with the same idempotency key and the customer is charged once
    assert result["status"] == "APPROVED"
    assert {key for _, key, _ in saga_env["payment"].calls} == {f"order-{order['order_id']}-charge"}
    assert saga_env["payment"].charges_made() == 1


def test_declined_charge_is_a_result_not_an_error(saga_env: dict[str, Any], context: Any) -> None:
    saga_env["payment"].mode = "decline"
    result = handler.charge_payment(make_order(), context)
    assert result["status"] == "DECLINED"
    assert result["reason"] == "insufficient_funds"  # the provider's error.code
    assert result["charge_id"] is None  # a decline carries no payment


@pytest.mark.parametrize(
    ("mode", "error"),
    [("fail", ServiceUnavailableError), ("throttle", ThrottleError), ("garbage", ServiceUnavailableError)],
)
def test_transient_payment_failures_are_retryable(
    saga_env: dict[str, Any], context: Any, mode: str, error: type[Exception]
) -> None:
    saga_env["payment"].mode = mode
    with pytest.raises(error) as raised:
        handler.charge_payment(make_order(), context)
    assert type(raised.value) is error
    assert raised.value.retryable


def test_rejected_charge_is_not_retryable(saga_env: dict[str, Any], context: Any) -> None:
    saga_env["payment"].mode = "reject"
    with pytest.raises(NonRetryableError, match=r"amount must be at least 0\.50"):
        handler.charge_payment(make_order(), context)


def test_unreachable_payment_api_is_retryable(
    saga_env: dict[str, Any], context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.settings import reset_settings

    monkeypatch.setenv("PAYMENT_API_URL", "http://127.0.0.1:9")  # discard port: connection refused
    reset_settings()
    with pytest.raises(ServiceUnavailableError, match="unreachable"):
        handler.charge_payment(make_order(), context)


def test_circuit_opens_after_repeated_failures_and_fails_fast(saga_env: dict[str, Any], context: Any) -> None:
    # Given the payment API failing for five consecutive charges (the breaker's threshold)
    saga_env["payment"].mode = "fail"
    for _ in range(5):
        with pytest.raises(ServiceUnavailableError):
            handler.charge_payment(make_order(), context)
    calls = len(saga_env["payment"].calls)
    # When another charge comes in
    with pytest.raises(CircuitOpenError) as raised:
        handler.charge_payment(make_order(), context)
    # Then it fails fast (retryable, so Step Functions backs off) without calling the API
    assert len(saga_env["payment"].calls) == calls
    assert isinstance(raised.value, RetryableError)


def test_refund_gives_the_money_back_once(saga_env: dict[str, Any], context: Any) -> None:
    order = make_order()
    handler.charge_payment(order, context)
    first = handler.refund_payment(order, context)
    second = handler.refund_payment(order, context)
    assert first == second | {"refund_id": first["refund_id"]}
    assert first["status"] == "REFUNDED"
    assert first["refund_id"] == "re_1"
    refund_calls = [path for path, _, _ in saga_env["payment"].calls if path.endswith("/refunds")]
    assert refund_calls == ["/refunds"]
    assert saga_env["payment"].calls[-1][1:] == (
        f"order-{order['order_id']}-refund",
        {"payment_id": "pay_1", "amount": "45.99"},
    )


def test_refund_without_charge_blocks_a_late_charge(saga_env: dict[str, Any], context: Any) -> None:
    order = make_order()
    assert handler.refund_payment(order, context)["status"] == "NOT_CHARGED"
    with pytest.raises(StepCompensatedError):
        handler.charge_payment(order, context)
    assert saga_env["payment"].calls == []


def test_refund_of_a_declined_charge_moves_no_money(saga_env: dict[str, Any], context: Any) -> None:
    order = make_order()
    saga_env["payment"].mode = "decline"
    handler.charge_payment(order, context)
    assert handler.refund_payment(order, context)["status"] == "NOT_CHARGED"
    assert [path for path, _, _ in saga_env["payment"].calls] == ["/charges"]


# ---- shipment / notification -------------------------------------------------------------------------------------


def test_create_shipment_is_idempotent(saga_env: dict[str, Any], context: Any) -> None:
    order = make_order()
    first = handler.create_shipment(order, context)
    second = handler.create_shipment(order, context)
    expected = {"order_id": order["order_id"], "status": "CREATED", "shipment_id": f"SHP-{order['order_id']}"}
    assert first == second == expected


def test_cancel_shipment_cancels_and_blocks_a_late_create(saga_env: dict[str, Any], context: Any) -> None:
    order = make_order()
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
    order = make_order()
    # When notify runs twice (a retry)
    first = handler.notify_customer(order, context)
    second = handler.notify_customer(order, context)
    # Then exactly one message went out, with the confirmation contract
    assert first == second
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    body = json.loads(json.loads(messages[0]["Body"])["Message"])
    assert body["event_type"] == "OrderConfirmed"
    assert body["order_id"] == order["order_id"]
    assert body["shipment_id"] == f"SHP-{order['order_id']}"


@pytest.mark.parametrize(("cents", "text"), [(4599, "45.99"), (5, "0.05"), (100, "1.00"), (123456789, "1234567.89")])
def test_amounts_travel_as_two_decimal_strings(cents: int, text: str) -> None:
    from order_saga.payment_api import amount_text

    assert amount_text(cents) == text
