"""Fixtures for health: moto-backed orders table, a Lambda context, the Route 53 sample event."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.aws_fixtures import FakeLambdaContext, create_table

REGION = "eu-west-1"
SAMPLE = Path(__file__).resolve().parents[1] / "events" / "route53_health_check.json"


@pytest.fixture
def health_env(monkeypatch: pytest.MonkeyPatch, clean_shared_state: None) -> None:
    """clean_shared_state also drops the probe's cached client (it lives in shared.aws)."""
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("ORDERS_TABLE", "orders")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "7")
    monkeypatch.delenv("APP_VERSION", raising=False)


@pytest.fixture
def moto_dynamodb(health_env: None, moto_aws: None) -> Any:
    return boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def check(health_env: None):
    """Invoke the handler with the Route 53 sample event; returns (status, headers, body)."""
    from health.handler import lambda_handler

    def call() -> tuple[int, dict[str, str], dict[str, Any]]:
        context = FakeLambdaContext("orders-dev-health", memory_limit_in_mb=128, region=REGION, remaining_ms=3_000)
        response = lambda_handler(json.loads(SAMPLE.read_text()), context)
        return response["statusCode"], response["headers"], json.loads(response["body"])

    return call


@pytest.fixture
def orders_table(moto_dynamodb: Any) -> str:
    create_table(moto_dynamodb, "orders")  # pk/sk only: health reads no index
    return "orders"


@pytest.fixture
def silent_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[socket.socket]]:
    """A real TCP server on loopback that accepts connections and never answers (a hung dependency); yields the
    connections it accepted (one per attempt the client made)."""
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
    yield accepted
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
