"""Alarms that fire: poison messages in the orders queue reach its DLQ, and the DLQ alarm goes to ALARM and
notifies its SNS topic (locally: the emulator evaluates the alarm on SQS metrics sampled by the local stack)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.e2e.harness import Stack, wait_for
from tests.e2e.scenarios import PoisonBatch

pytestmark = pytest.mark.e2e

REDRIVE_WAIT_CAP_S = 150.0  # the suite's budget for a poison message's trip to the DLQ (as in test_queues.py)


def dead_letter_queue(stack: Stack, queue_url: str) -> tuple[str, str, float]:
    """The orders queue's DLQ: its name, URL, and how long a poison message may take to get there."""
    sqs = stack.aws("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    policy = json.loads(attributes.get("RedrivePolicy") or "{}")
    assert policy, f"{queue_url} has no redrive policy"
    arn = str(policy["deadLetterTargetArn"])
    name = arn.split(":")[5]
    url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=arn.split(":")[4])["QueueUrl"]
    bound = float(attributes["VisibilityTimeout"]) * int(policy["maxReceiveCount"]) + 60
    return name, str(url), min(bound, REDRIVE_WAIT_CAP_S + 60)


def alarm(stack: Stack, name: str) -> dict[str, Any] | None:
    found = stack.aws("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return dict(found[0]) if found else None


def subscribe_inbox(stack: Stack, topic_arn: str) -> tuple[str, str]:
    """An SQS queue subscribed to ``topic_arn``; returns its URL and the subscription ARN."""
    sqs, sns = stack.aws("sqs"), stack.aws("sns")
    url = sqs.create_queue(QueueName=f"e2e-alarm-inbox-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={
            "Policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "sns.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": arn,
                            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
                        }
                    ],
                }
            )
        },
    )
    subscription = sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    return str(url), str(subscription)


def test_poison_messages_fire_the_dlq_alarm_and_notify_its_topic(stack: Stack, poison_batch: PoisonBatch) -> None:
    # Given the orders queue's DLQ and its alarm (sqs_queue module: "<dlq>-not-empty", Maximum of visible > 0)
    dlq_name, dlq_url, redrive_bound_s = dead_letter_queue(stack, stack.queue_url("orders"))
    alarm_name = f"{dlq_name}-not-empty"
    described = alarm(stack, alarm_name)
    assert described is not None, f"no alarm {alarm_name} is deployed"
    (topic,) = described["AlarmActions"]

    # When the poison messages sent at session start have reached the DLQ
    def dlq_holds_messages() -> bool:
        attributes = stack.aws("sqs").get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) > 0

    wait_for(dlq_holds_messages, timeout_s=redrive_bound_s, interval_s=2, what=f"a poison message in {dlq_name}")

    # Then the alarm goes to ALARM within a few of its periods, saying which datapoint crossed the threshold
    fired = wait_for(
        lambda: (a := alarm(stack, alarm_name)) and a["StateValue"] == "ALARM" and a,
        timeout_s=60 if stack.mode == "local" else 240,
        what=f"{alarm_name} in ALARM",
    )
    assert fired["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints"), fired["StateReason"]
    # And CloudWatch published to the topic (its history holds the action)
    history = stack.aws("cloudwatch").describe_alarm_history(AlarmName=alarm_name, HistoryItemType="Action")
    assert any(topic in item["HistorySummary"] for item in history["AlarmHistoryItems"]), history
    if stack.mode == "local":  # and the local stack's log shows the publish
        assert stack.local_dir is not None
        log = (stack.local_dir / "logs" / "alarms.log").read_text()
        assert f"alarm {alarm_name} ALARM: published to {topic}" in log

    # And a subscriber of the topic receives CloudWatch's notification when the alarm fires again
    inbox, subscription = subscribe_inbox(stack, topic)
    try:
        notice = _notified_again(stack, alarm_name, inbox)
    finally:
        stack.aws("sns").unsubscribe(SubscriptionArn=subscription)
        stack.aws("sqs").delete_queue(QueueUrl=inbox)
    assert notice["OldStateValue"] == "OK"
    assert notice["Trigger"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert notice["Trigger"]["Dimensions"] == [{"value": dlq_name, "name": "QueueName"}]


def _notified_again(stack: Stack, alarm_name: str, inbox: str) -> dict[str, Any]:
    """Set the alarm to OK by hand; its next evaluation fires it again: the ALARM notification the inbox got."""
    stack.aws("cloudwatch").set_alarm_state(AlarmName=alarm_name, StateValue="OK", StateReason="e2e: fire it again")

    def alarm_notification() -> dict[str, Any] | None:
        answer = stack.aws("sqs").receive_message(QueueUrl=inbox, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in answer.get("Messages", []):
            notice = json.loads(json.loads(message["Body"])["Message"])
            if notice.get("AlarmName") == alarm_name and notice.get("NewStateValue") == "ALARM":
                return dict(notice)
        return None

    return wait_for(
        alarm_notification, timeout_s=60 if stack.mode == "local" else 240, what="the ALARM notification on the topic"
    )
