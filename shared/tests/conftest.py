"""Fixtures for the shared package's tests: event factories, captured logs, clean caches per test.

moto (``moto_aws``, ``serialized_dynamodb``) and ``lambda_context`` come from ``tests.support.aws_fixtures``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared import aws
from shared.observability import logger
from tests.support import aws_fixtures


@pytest.fixture(autouse=True)
def _clean_caches(clean_shared_state: None) -> None:
    """Every test starts with no cached clients, settings, providers or idempotency stores (and ends so)."""


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
def create_table() -> Callable[..., None]:
    """``create_table(name, *, key="pk", sort_key="sk")`` with the shared DynamoDB client (under ``moto_aws``)."""

    def create(name: str, **schema: Any) -> None:
        aws_fixtures.create_table(aws.dynamodb(), name, **schema)

    return create


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
