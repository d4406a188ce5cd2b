"""Fixtures for notifier: moto SES with a verified sender, a Lambda context, sample events and sent e-mails."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from shared.observability import metrics
from tests.support.aws_fixtures import FakeLambdaContext

EVENTS = Path(__file__).resolve().parents[1] / "events"
REGION = "us-east-1"
SENDER = "orders@shop.example.com"


@dataclass(frozen=True)
class SentEmail:
    source: str
    to: list[str]
    subject: str
    body: str


def sent_emails() -> list[SentEmail]:
    """What moto's SES accepted (moto keeps sent messages in its backend; the server shares it in process)."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
    return [SentEmail(m.source, m.destinations["ToAddresses"], m.subject, m.body) for m in backend.sent_messages]


@pytest.fixture
def ses(monkeypatch: pytest.MonkeyPatch, moto_aws: None) -> Any:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("SENDER_EMAIL", SENDER)
    monkeypatch.setenv("UPLOAD_ALERT_RECIPIENTS", "ops@shop.example.com, uploads@shop.example.com")
    monkeypatch.setattr(metrics, "namespace", "orders")
    client = boto3.client("ses", region_name=REGION)
    client.verify_email_identity(EmailAddress=SENDER)
    return client


@pytest.fixture
def invoke(ses: Any) -> Callable[[object], dict[str, Any]]:
    from notifier.handler import lambda_handler

    return lambda event: lambda_handler(event, FakeLambdaContext("orders-dev-notifier", region=REGION))


def load_sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.fixture
def sample() -> Callable[[str], dict[str, Any]]:
    return load_sample


@pytest.fixture
def with_message() -> Callable[[object], dict[str, Any]]:
    """The payment sample carrying another SNS message (a dict is sent as JSON)."""

    def build(message: object) -> dict[str, Any]:
        event = load_sample("payment_completed")
        event["Records"][0]["Sns"]["Message"] = message if isinstance(message, str) else json.dumps(message)
        return event

    return build


@pytest.fixture
def outbox() -> Callable[[], list[SentEmail]]:
    return sent_emails
