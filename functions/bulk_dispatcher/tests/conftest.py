"""Fixtures for bulk_dispatcher: a moto queue, a Lambda context and a way to make SQS report failed entries."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sqs.models import sqs_backends

from shared import aws
from shared.observability import metrics
from tests.support.aws_fixtures import FakeLambdaContext

EVENTS = Path(__file__).resolve().parents[1] / "events"
REGION = "us-east-1"


@dataclass
class Queue:
    url: str
    sqs: Any

    def bodies(self) -> list[dict[str, Any]]:
        """Every message body stored in the queue.

        Read from moto's backend: ReceiveMessage in moto rescans the whole queue per call (quadratic for 1,000
        messages); the count is cross-checked through the API by :meth:`approximate_count`.
        """
        stored = sqs_backends[DEFAULT_ACCOUNT_ID][REGION].get_queue(self.url.rsplit("/", 1)[1])
        return [json.loads(message.body) for message in stored.messages]

    def approximate_count(self) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch, moto_aws: None) -> Queue:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "bulk_dispatcher")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "orders")
    # The process-wide Metrics read the namespace when shared.observability was first imported.
    monkeypatch.setattr(metrics, "namespace", "orders")
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="orders-dev-bulk")["QueueUrl"]
    monkeypatch.setenv("BULK_QUEUE_URL", url)
    return Queue(url, sqs)


class FlakyBatches:
    """Makes the shared SQS client's SendMessageBatch drop chosen entries and report them as Failed.

    The dropped entries never reach moto (removed from the request before it is built), exactly like an entry
    SQS could not store; ``plan`` maps a call number (1-based) to the entry positions to fail in that call.
    """

    def __init__(self, plan: dict[int, list[int]], *, sender_fault: bool = False) -> None:
        self.plan = plan
        self.sender_fault = sender_fault
        self.calls = 0
        self.sizes: list[int] = []
        self._dropped: list[str] = []
        self._all_dropped = False
        events = aws.sqs().meta.events
        events.register("before-parameter-build.sqs.SendMessageBatch", self._drop)
        events.register("before-call.sqs.SendMessageBatch", self._skip_empty)
        events.register("after-call.sqs.SendMessageBatch", self._report)

    def _drop(self, params: dict[str, Any], **_: Any) -> None:
        self.calls += 1
        self.sizes.append(len(params["Entries"]))
        positions = set(self.plan.get(self.calls, []))
        self._dropped = [e["Id"] for i, e in enumerate(params["Entries"]) if i in positions]
        params["Entries"] = [e for i, e in enumerate(params["Entries"]) if i not in positions]
        self._all_dropped = not params["Entries"]

    def _skip_empty(self, **_: Any) -> tuple[Any, dict[str, Any]] | None:
        # Every entry failed: answer like SQS would, without sending an (invalid) empty batch.
        if not self._all_dropped:
            return None
        return SimpleNamespace(status_code=200, headers={}), {"Successful": []}

    def _report(self, parsed: dict[str, Any], **_: Any) -> None:
        code = "InvalidMessageContents" if self.sender_fault else "InternalError"
        failed = [
            {"Id": i, "SenderFault": self.sender_fault, "Code": code, "Message": "injected"} for i in self._dropped
        ]
        parsed.setdefault("Failed", []).extend(failed)


@pytest.fixture
def flaky(queue: Queue) -> Callable[..., FlakyBatches]:
    return FlakyBatches


@pytest.fixture
def invoke(queue: Queue) -> Callable[[object], dict[str, Any]]:
    from bulk_dispatcher.handler import lambda_handler

    def call(event: object) -> dict[str, Any]:
        return lambda_handler(
            event, FakeLambdaContext("orders-dev-bulk_dispatcher", region=REGION, remaining_ms=60_000)
        )

    return call


def make_job(count: int, job_id: str = "job-1") -> dict[str, Any]:
    orders = [
        {"customer_id": f"c-{i}", "items": [{"sku": "sku-1", "quantity": 1, "price": "1.00"}]} for i in range(count)
    ]
    return {"job_id": job_id, "orders": orders}


@pytest.fixture
def job() -> Callable[..., dict[str, Any]]:
    return make_job


@pytest.fixture
def sample() -> Callable[[str], dict[str, Any]]:
    return lambda name: json.loads((EVENTS / f"{name}.json").read_text())
