"""order_events_router: one saga per order, notifications for payment and shipment, unknown types not retried."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from order_events_router.routing import saga_input
from order_events_router.saga import execution_name
from pydantic import BaseModel

from shared.contracts import (
    OrderCreated,
    PaymentCompletedNotice,
    SagaInput,
    ShipmentDispatchedNotice,
    notification_adapter,
)
from shared.errors import ValidationError

Invoke = Callable[[object], dict[str, Any]]
TRACKING = "JD014600003828461234"
CUSTOMER = {"order_id": "ord-1001", "customer_email": "ana.lopez@example.com"}


def test_order_created_starts_the_saga_with_the_order_as_input(invoke: Invoke, router_aws: Any, sample: Any) -> None:
    event = sample("order_created")

    result = invoke(event)

    assert result == {
        "detail_type": "OrderCreated",
        "event_id": event["id"],
        "action": "saga_started",
        "order_id": "ord-1001",
    }
    [execution] = router_aws.executions()
    assert execution["name"] == execution_name("ord-1001")
    assert json.loads(execution["input"]) == event["detail"] | {"source_event_id": event["id"]}


def test_a_redelivered_order_created_does_not_start_a_second_saga(invoke: Invoke, router_aws: Any, sample: Any) -> None:
    invoke(sample("order_created"))

    again = invoke(sample("order_created"))

    # Same name and input: while the first runs Step Functions answers with it ("saga_started"); once it has
    # ended (moto executes the ASL when the emulator enabled that in this process) it answers
    # ExecutionAlreadyExists ("saga_already_started"). Either way there is one saga.
    assert again["action"] in {"saga_started", "saga_already_started"}
    assert len(router_aws.executions()) == 1


def test_a_second_event_for_the_same_order_does_not_start_a_second_saga(
    invoke: Invoke, router_aws: Any, sample: Any
) -> None:
    # A producer whose PutEvents timed out and was retried publishes the same order under a new event id;
    # the input differs (source_event_id), so Step Functions answers ExecutionAlreadyExists.
    invoke(sample("order_created"))
    duplicate = sample("order_created") | {"id": "a-new-event-id"}

    assert invoke(duplicate)["action"] == "saga_already_started"
    assert len(router_aws.executions()) == 1


def test_different_orders_get_different_sagas(invoke: Invoke, router_aws: Any, sample: Any) -> None:
    for order_id in ("a.b", "a:b", "a_b"):
        event = sample("order_created")
        event["detail"]["order_id"] = order_id
        invoke(event)

    assert len({e["name"] for e in router_aws.executions()}) == 3


@pytest.mark.parametrize("order_id", ["ord-1", "x" * 64, "a.b:c@d"])
def test_execution_names_are_valid_for_step_functions(order_id: str) -> None:
    name = execution_name(order_id)

    assert re.fullmatch(r"[A-Za-z0-9_-]{1,80}", name)
    assert name == execution_name(order_id)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("payment_completed", PaymentCompletedNotice(amount="29.99", currency="EUR", **CUSTOMER)),
        ("shipment_dispatched", ShipmentDispatchedNotice(carrier="DHL", tracking_number=TRACKING, **CUSTOMER)),
    ],
)
def test_payment_and_shipment_events_notify_the_customer_in_the_notification_contract(
    invoke: Invoke, router_aws: Any, sample: Any, name: str, expected: BaseModel
) -> None:
    event = sample(name)

    result = invoke(event)

    # The notice is the shared contract the notifier parses (fields it does not know, like charge_id, left out)
    assert result["action"] == "customer_notified"
    [notification] = router_aws.notifications()
    assert notification_adapter().validate_python(notification) == expected
    assert router_aws.executions() == []


@pytest.mark.parametrize("name", ["payment_completed", "shipment_dispatched"])
def test_the_notifier_reads_what_the_router_publishes(invoke: Invoke, router_aws: Any, sample: Any, name: str) -> None:
    from notifier.messages import parse_message
    from notifier.templates import render

    invoke(sample(name))

    [notification] = router_aws.notifications()
    [parsed] = parse_message(json.dumps(notification))
    assert (parsed.type, parsed.order_id) == (sample(name)["detail-type"], "ord-1001")
    assert "ord-1001" in render(parsed).subject


def test_an_order_created_that_breaks_the_contract_fails_naming_the_field(invoke: Invoke, sample: Any) -> None:
    event = sample("order_created")
    del event["detail"]["currency"]

    with pytest.raises(ValidationError) as caught:
        invoke(event)

    assert list(caught.value.fields) == ["detail.currency"]


def test_the_saga_input_is_the_order_created_detail_and_the_event_id(sample: Any) -> None:
    event = sample("order_created")

    built = saga_input(OrderCreated.model_validate(event["detail"]), event["id"])

    assert built == SagaInput.model_validate(event["detail"] | {"source_event_id": event["id"]})


def test_an_unknown_type_is_ignored_with_a_metric_not_retried(
    invoke: Invoke, router_aws: Any, sample: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    result = invoke(sample("unknown_type"))

    assert (result["action"], result["order_id"]) == ("ignored", "ord-1001")
    assert router_aws.executions() == []
    assert router_aws.notifications() == []
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [metric["UnroutableEvent"] for metric in emitted if "UnroutableEvent" in metric] == [[1.0]]


def test_an_order_created_without_an_order_id_fails_naming_the_field(invoke: Invoke, sample: Any) -> None:
    event = sample("order_created")
    del event["detail"]["order_id"]

    with pytest.raises(ValidationError) as caught:
        invoke(event)

    assert list(caught.value.fields) == ["detail.order_id"]


def test_an_event_without_an_envelope_fails_naming_the_fields(invoke: Invoke) -> None:
    with pytest.raises(ValidationError) as caught:
        invoke({"detail": {}})

    assert "event.detail-type" in caught.value.fields or "event.detail_type" in caught.value.fields


@pytest.mark.parametrize(
    ("detail", "order_id"),
    [({"order_id": "ord-7"}, "ord-7"), ({"order_id": "not an id"}, None), ({"order_id": 7}, None), ({}, None)],
)
def test_an_unknown_type_reports_the_order_id_only_when_it_is_well_formed(
    invoke: Invoke, sample: Any, detail: dict[str, Any], order_id: str | None
) -> None:
    event = sample("unknown_type") | {"detail": detail}

    assert invoke(event)["order_id"] == order_id
