"""notifier: one template per event type, sent through SES to the right people; bad messages fail loudly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args

import pytest
from notifier.mailer import EmailRejectedError

from shared.contracts import OrderConfirmed, OrderNotification
from shared.errors import ValidationError

Invoke = Callable[[object], dict[str, Any]]
SENDER = "orders@shop.example.com"


def test_payment_completed_emails_the_customer(invoke: Invoke, sample: Any, outbox: Any) -> None:
    result = invoke(sample("payment_completed"))

    [email] = outbox()
    assert (email.source, email.to) == (SENDER, ["ana.lopez@example.com"])
    assert email.subject == "Payment received for order ord-1001"
    assert "payment of 29.99 EUR for order ord-1001" in email.body
    assert result["deliveries"][0]["outcome"] == "sent"
    assert result["deliveries"][0]["ses_message_id"]


def test_order_confirmed_uses_its_own_template(invoke: Invoke, with_message: Any, outbox: Any) -> None:
    confirmed = OrderConfirmed(
        order_id="ord-1001",
        customer_email="ana.lopez@example.com",
        customer_id="cust-42",
        total="29.99",
        currency="USD",
        shipment_id="SHP-ord-1001",
    )

    result = invoke(with_message(confirmed.model_dump(mode="json")))

    [email] = outbox()
    assert (email.to, email.subject) == (["ana.lopez@example.com"], "Order ord-1001 is confirmed")
    assert "charged 29.99 USD" in email.body
    assert "Shipment SHP-ord-1001 is being prepared" in email.body
    assert result["deliveries"][0]["type"] == "OrderConfirmed"


def test_every_order_notification_of_the_contract_has_a_template() -> None:
    from notifier.templates import TEMPLATES

    members = get_args(get_args(OrderNotification)[0])
    assert {model.model_fields["type"].default for model in members} <= set(TEMPLATES)


def test_shipment_dispatched_uses_its_own_template(invoke: Invoke, sample: Any, outbox: Any) -> None:
    invoke(sample("shipment_dispatched"))

    [email] = outbox()
    assert email.subject == "Order ord-1001 is on its way"
    assert "with DHL" in email.body
    assert "Tracking number: JD014600003828461234" in email.body


def test_an_upload_alert_goes_to_the_configured_recipients_with_the_decoded_key(
    invoke: Invoke, sample: Any, outbox: Any
) -> None:
    invoke(sample("s3_upload"))

    [email] = outbox()
    assert email.to == ["ops@shop.example.com", "uploads@shop.example.com"]
    assert email.subject == "Upload received: uploads/cust-42/price list (2024).csv"
    assert "Size: 18342 bytes" in email.body


def test_a_notification_without_an_email_is_counted_not_sent(
    invoke: Invoke, sample: Any, outbox: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    result = invoke(sample("order_cancelled_no_email"))

    assert result == {"deliveries": [{"type": "OrderCancelled", "outcome": "no_recipient", "ses_message_id": None}]}
    assert outbox() == []
    assert '"NotificationWithoutRecipient":[1.0]' in capsys.readouterr().out


def test_the_s3_test_event_sends_nothing(invoke: Invoke, sample: Any, outbox: Any) -> None:
    result = invoke(sample("s3_test_event"))

    assert result["deliveries"][0]["outcome"] == "test_event"
    assert outbox() == []


def test_optional_fields_read_not_given(invoke: Invoke, with_message: Any, outbox: Any) -> None:
    invoke(with_message({"type": "ShipmentDispatched", "order_id": "o-1", "customer_email": "a@b.example"}))

    assert "Tracking number: not given" in outbox()[0].body


def test_a_value_cannot_break_the_subject_line(invoke: Invoke, with_message: Any, outbox: Any) -> None:
    # Given an uploaded key with a newline in it (S3 URL-encodes it as %0A)
    record = {"eventTime": "2024-05-24T17:02:11.512Z", "s3": {"bucket": {"name": "b"}, "object": {"key": "a%0ABcc:x"}}}

    invoke(with_message({"Records": [record]}))

    assert outbox()[0].subject == "Upload received: a Bcc:x"


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "OrderRefunded", "order_id": "o-1"}, "Message"),
        ({"event_type": "OrderConfirmed", "order_id": "o-1"}, "Message"),  # the saga's old message: no "type"
        ({"type": "PaymentCompleted", "order_id": "o-1", "charge_id": "ch_1"}, "Message.PaymentCompleted.charge_id"),
        ({"type": "PaymentCompleted"}, "Message.PaymentCompleted.order_id"),
        (
            {"type": "PaymentCompleted", "order_id": "o-1", "customer_email": "not-an-email"},
            "Message.PaymentCompleted.customer_email",
        ),
        ("not json", "Message"),
        ({"Records": [{"s3": {}}]}, "Message.Records.0"),
    ],
)
def test_a_message_that_can_never_be_sent_fails_naming_the_field(
    invoke: Invoke, with_message: Any, outbox: Any, message: object, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        invoke(with_message(message))

    assert field in caught.value.fields
    assert outbox() == []


def test_an_unverified_sender_is_a_permanent_error(invoke: Invoke, sample: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("SENDER_EMAIL", "someone-else@shop.example.com")
    from shared.settings import reset_settings

    reset_settings()

    with pytest.raises(EmailRejectedError, match="SES rejected the e-mail"):
        invoke(sample("payment_completed"))
