"""Fixtures for health: moto-backed orders table, a Lambda context, the Route 53 sample event."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from health.probe import reset_probe_clients
from moto import mock_aws

from shared.aws import reset_clients
from shared.settings import reset_settings

REGION = "eu-west-1"
SAMPLE = Path(__file__).resolve().parents[1] / "events" / "route53_health_check.json"


@dataclass
class LambdaContext:
    function_name: str = "orders-dev-health"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:orders-dev-health"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 3_000


def create_orders_table(client: Any) -> None:
    client.create_table(
        TableName="orders",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )


@pytest.fixture
def health_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("ORDERS_TABLE", "orders")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "7")
    monkeypatch.delenv("APP_VERSION", raising=False)
    reset_clients()
    reset_settings()
    reset_probe_clients()
    yield
    reset_settings()
    reset_probe_clients()


@pytest.fixture
def moto_dynamodb(health_env: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def check(health_env: None):
    """Invoke the handler with the Route 53 sample event; returns (status, headers, body)."""
    from health.handler import lambda_handler

    def call() -> tuple[int, dict[str, str], dict[str, Any]]:
        response = lambda_handler(json.loads(SAMPLE.read_text()), LambdaContext())
        return response["statusCode"], response["headers"], json.loads(response["body"])

    return call


@pytest.fixture
def orders_table(moto_dynamodb: Any) -> str:
    create_orders_table(moto_dynamodb)
    return "orders"


@pytest.fixture
def silent_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real TCP server on loopback that accepts connections and never answers (a hung dependency)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    yield url
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


@pytest.fixture
def closed_endpoint(monkeypatch: pytest.MonkeyPatch) -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"  # nothing listens once the socket is closed
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    return url
