"""The built zip + common layer, in a fresh Lambda-like process against a moto server, on every sample event."""

from __future__ import annotations

import pytest

from scripts.lambda_sandbox import HandlerError
from tests.support.lambda_zips import load_event

pytestmark = pytest.mark.slow

SENDER = "orders@shop.example.com"
ENV = {"SENDER_EMAIL": SENDER, "UPLOAD_ALERT_RECIPIENTS": "ops@shop.example.com"}


@pytest.fixture
def verified(aws_endpoint) -> None:
    aws_endpoint.client("ses").verify_email_identity(EmailAddress=SENDER)


@pytest.mark.parametrize(
    ("sample", "to", "subject"),
    [
        ("payment_completed", "ana.lopez@example.com", "Payment received for order ord-1001"),
        ("shipment_dispatched", "ana.lopez@example.com", "Order ord-1001 is on its way"),
        ("s3_upload", "ops@shop.example.com", "Upload received: uploads/cust-42/price list (2024).csv"),
    ],
)
def test_samples_send_one_email_each(built_function, verified, outbox, sample: str, to: str, subject: str) -> None:
    out = built_function("notifier").invoke("notifier", load_event("notifier", sample), env=ENV)

    assert out.result["deliveries"][0]["outcome"] == "sent"
    [email] = outbox()
    assert (email.to, email.subject) == ([to], subject)


@pytest.mark.parametrize(
    ("sample", "outcome"),
    [
        ("order_cancelled_no_email", "no_recipient"),
        ("order_confirmed", "no_recipient"),
        ("s3_test_event", "test_event"),
    ],
)
def test_samples_with_nothing_to_send(built_function, verified, outbox, sample: str, outcome: str) -> None:
    out = built_function("notifier").invoke("notifier", load_event("notifier", sample), env=ENV)

    assert out.result["deliveries"][0]["outcome"] == outcome
    assert outbox() == []


def test_unknown_type_sample_fails_for_the_failure_destination(built_function, verified, outbox) -> None:
    with pytest.raises(HandlerError) as caught:
        built_function("notifier").invoke("notifier", load_event("notifier", "unknown_type"), env=ENV)

    assert caught.value.payload["errorType"] == "ValidationError"
    assert outbox() == []
