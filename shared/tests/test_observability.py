from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from shared.observability import correlation_path, logger, set_record_correlation


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("api", "requestContext.requestId"),
        ("sqs", "Records[0].messageId"),
        ("eventbridge", "id"),
        ("direct", None),
    ],
)
def test_each_source_has_its_correlation_id_path(source: Any, path: str | None) -> None:
    assert correlation_path(source) == path


def test_unknown_source_is_refused_with_the_known_ones_named() -> None:
    with pytest.raises(ValueError, match="unknown event source 'kinesis'; expected one of"):
        correlation_path("kinesis")  # type: ignore[arg-type]


def test_record_correlation_prefers_the_producers_id(sqs_record: Any, read_logs: Any) -> None:
    # Given a record that carries the order's correlation id from its producer
    record = sqs_record("m-1", {"order_id": "o-1"}, correlation_id="corr-abc")
    # When
    correlation_id = set_record_correlation(record)
    logger.info("processing")
    # Then every following log line carries it and the message id
    assert correlation_id == "corr-abc"
    line = read_logs()[-1]
    assert line["correlation_id"] == "corr-abc"
    assert line["message_id"] == "m-1"
    logger.remove_keys(["message_id"])


def test_record_correlation_falls_back_to_the_message_id(sqs_record: Any) -> None:
    assert set_record_correlation(sqs_record("m-2", {})) == "m-2"
    logger.remove_keys(["message_id"])


def test_importing_every_module_makes_no_client_and_needs_no_variables() -> None:
    # Given an environment with none of the project's variables and an endpoint nothing listens on
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_TABLE", "_BUCKET", "_URL", "_ARN"))}
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
    code = (
        "import shared.aws, shared.circuit_breaker, shared.dynamo, shared.errors, shared.http, "
        "shared.idempotency, shared.middleware, shared.observability, shared.payments, shared.settings\n"
        "from shared.circuit_breaker import CircuitBreaker\n"
        "from shared.idempotency import idempotent_record, sqs_config\n"
        "breaker = CircuitBreaker('payments')\n"
        "handler = idempotent_record(sqs_config())(lambda record: record)\n"
        "print(len(shared.aws._clients))"
    )
    # When
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    # Then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
