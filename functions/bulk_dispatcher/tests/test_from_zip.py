"""The built zip + common layer, in a fresh Lambda-like process against a moto server, on the sample events."""

from __future__ import annotations

import json

import pytest

from scripts.lambda_sandbox import HandlerError
from tests.support.lambda_zips import load_event

pytestmark = pytest.mark.slow


def test_bulk_job_sample_queues_each_order_once(built_function, aws_endpoint) -> None:
    sqs = aws_endpoint.client("sqs")
    url = sqs.create_queue(QueueName="orders-dev-bulk")["QueueUrl"]

    out = built_function("bulk_dispatcher").invoke(
        "bulk_dispatcher", load_event("bulk_dispatcher", "bulk_job"), env={"BULK_QUEUE_URL": url}
    )

    assert out.result == {"job_id": "import-2024-05-24-0001", "requested": 3, "dispatched": 3, "failed": []}
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    assert sorted(json.loads(m["Body"])["index"] for m in messages) == [0, 1, 2]
    assert {m["MessageAttributes"]["correlation_id"]["StringValue"] for m in messages} == {"import-2024-05-24-0001"}


def test_invalid_job_sample_fails_naming_the_field(built_function, aws_endpoint) -> None:
    url = aws_endpoint.client("sqs").create_queue(QueueName="orders-dev-bulk")["QueueUrl"]

    with pytest.raises(HandlerError) as caught:
        built_function("bulk_dispatcher").invoke(
            "bulk_dispatcher", load_event("bulk_dispatcher", "bulk_job_invalid"), env={"BULK_QUEUE_URL": url}
        )

    assert caught.value.payload["errorType"] == "ValidationError"
    assert caught.value.payload["errorMessage"] == "invalid orders.0.items.0.quantity"
