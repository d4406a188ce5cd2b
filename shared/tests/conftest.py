"""Fixtures for the shared package's tests: moto-backed AWS, a Lambda context, clean caches per test."""

from __future__ import annotations

import io
import json
import socket
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from shared import aws, parameters
from shared.http import cors_config
from shared.idempotency import reset_idempotency
from shared.observability import logger
from shared.settings import reset_settings


@dataclass
class FakeLambdaContext:
    """What the Lambda runtime passes as ``context`` (the fields Powertools reads)."""

    function_name: str = "orders-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:orders-test"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture(autouse=True)
def _clean_caches() -> Iterator[None]:
    """Every test starts with no cached clients, settings, providers or idempotency stores."""
    for reset in (aws.reset_clients, reset_settings, parameters.reset_parameters, reset_idempotency):
        reset()
    cors_config.cache_clear()
    yield
    for reset in (aws.reset_clients, reset_settings, parameters.reset_parameters, reset_idempotency):
        reset()
    cors_config.cache_clear()


@pytest.fixture
def moto_aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def serialized_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto as a real server on a free loopback port that answers one request at a time.

    Real DynamoDB applies each write to an item atomically (condition check and write together). moto
    in-process does not: two threads can both pass the same condition (see localstack#108 for the same
    class of bug). Serving moto single-threaded restores that guarantee, so concurrency tests exercise
    *our* conditional writes, while clients still race freely in their own threads.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = make_server(
        "127.0.0.1",
        port,
        DomainDispatcherApplication(create_backend_app),
        threaded=False,
        request_handler=MotoRequestHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    aws.reset_clients()
    try:
        yield url
    finally:
        urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).close()
        server.shutdown()
        thread.join(10)
        aws.reset_clients()


def _create_table(name: str, *, key: str = "pk", sort_key: str | None = "sk") -> None:
    """A pay-per-request table shaped like the project's (string ``pk``/``sk``, or ``id`` for idempotency)."""
    schema: list[Any] = [{"AttributeName": key, "KeyType": "HASH"}]
    attributes: list[Any] = [{"AttributeName": key, "AttributeType": "S"}]
    if sort_key:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
        attributes.append({"AttributeName": sort_key, "AttributeType": "S"})
    aws.dynamodb().create_table(
        TableName=name, KeySchema=schema, AttributeDefinitions=attributes, BillingMode="PAY_PER_REQUEST"
    )


def _http_event(
    *,
    method: str = "GET",
    path: str = "/orders",
    headers: dict[str, str] | None = None,
    body: object = None,
    request_id: str = "apigw-req-1",
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event, as AWS sends it."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "api.example.com", "user-agent": "pytest", **(headers or {})},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api1",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": "12/Mar/2024:19:03:58 +0000",
            "timeEpoch": 1710270238000,
        },
        "body": None if body is None else (body if isinstance(body, str) else json.dumps(body)),
        "isBase64Encoded": False,
    }


def _sqs_record(message_id: str, body: object, *, correlation_id: str | None = None) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    if correlation_id:
        attributes["correlation_id"] = {"stringValue": correlation_id, "dataType": "String"}
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1710270238000"},
        "messageAttributes": attributes,
        "md5OfBody": "x",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders",
        "awsRegion": "us-east-1",
    }


def _log_lines(text: str) -> list[dict[str, Any]]:
    """Powertools' JSON log lines from captured stdout."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture
def create_table() -> Any:
    return _create_table


@pytest.fixture
def http_event() -> Any:
    return _http_event


@pytest.fixture
def sqs_record() -> Any:
    return _sqs_record


@pytest.fixture
def read_logs() -> Iterator[Any]:
    """Call to get the JSON log lines the shared logger wrote during the test."""
    buffer = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(buffer)  # type: ignore[attr-defined]
    yield lambda: _log_lines(buffer.getvalue())
    handler.setStream(previous)  # type: ignore[attr-defined]
