"""Fixtures for order_events_router: a moto state machine and topic, a Lambda context and sample events."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from shared.observability import metrics
from tests.support.aws_fixtures import FakeLambdaContext

EVENTS = Path(__file__).resolve().parents[1] / "events"
REGION = "us-east-1"
DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


@dataclass
class RouterAws:
    sfn: Any
    sqs: Any
    saga_arn: str
    topic_queue_url: str

    def executions(self) -> list[dict[str, Any]]:
        listed = self.sfn.list_executions(stateMachineArn=self.saga_arn)["executions"]
        return [self.sfn.describe_execution(executionArn=e["executionArn"]) for e in listed]

    def notifications(self) -> list[dict[str, Any]]:
        """Every SNS message the topic delivered (raw delivery to a queue subscription)."""
        found = []
        while batch := self.sqs.receive_message(QueueUrl=self.topic_queue_url, MaxNumberOfMessages=10).get("Messages"):
            found += [json.loads(message["Body"]) for message in batch]
            for message in batch:
                self.sqs.delete_message(QueueUrl=self.topic_queue_url, ReceiptHandle=message["ReceiptHandle"])
        return found


def create_resources(sfn: Any, sns: Any, sqs: Any) -> tuple[str, str, str]:
    """The saga state machine and the notifications topic with a raw-delivery queue; returns their ARNs/URL."""
    role = "arn:aws:iam::123456789012:role/orders-dev-saga"
    saga_arn = sfn.create_state_machine(name="orders-dev-order-saga", definition=DEFINITION, roleArn=role)[
        "stateMachineArn"
    ]
    topic_arn = sns.create_topic(Name="orders-dev-notifications")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="notifications-capture")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    return saga_arn, topic_arn, queue_url


@pytest.fixture
def router_aws(monkeypatch: pytest.MonkeyPatch, moto_aws: None) -> RouterAws:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setattr(metrics, "namespace", "orders")
    sfn, sns, sqs = (boto3.client(name, region_name=REGION) for name in ("stepfunctions", "sns", "sqs"))
    saga_arn, topic_arn, queue_url = create_resources(sfn, sns, sqs)
    monkeypatch.setenv("ORDER_SAGA_ARN", saga_arn)
    monkeypatch.setenv("NOTIFICATIONS_TOPIC_ARN", topic_arn)
    return RouterAws(sfn, sqs, saga_arn, queue_url)


@pytest.fixture
def invoke(router_aws: RouterAws) -> Callable[[object], dict[str, Any]]:
    from order_events_router.handler import lambda_handler

    return lambda event: lambda_handler(event, FakeLambdaContext("orders-dev-order_events_router", region=REGION))


@pytest.fixture
def sample() -> Callable[[str], dict[str, Any]]:
    return lambda name: json.loads((EVENTS / f"{name}.json").read_text())


@pytest.fixture
def resources() -> Callable[[Any, Any, Any], tuple[str, str, str]]:
    return create_resources
