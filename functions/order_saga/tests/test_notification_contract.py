"""The saga's notify step publishes what the notifier reads: its real SNS message, parsed and rendered by the
notifier's own code (``shared.contracts.notification_adapter()`` and its OrderConfirmed template)."""

from __future__ import annotations

import json
from typing import Any

import boto3
from notifier.messages import parse_message
from notifier.templates import render
from order_saga import handler

from functions.order_saga.tests.conftest import ORDERS, place_order
from shared.contracts import OrderConfirmed
from shared.order_store import OrderTable
from shared.orders import OrderStatus


def test_the_notifier_reads_the_confirmation_the_saga_publishes(saga_env: dict[str, Any], context: Any) -> None:
    # Given a subscriber on the notifications topic and a paid order
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="notifier-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    saga_env["sns"].subscribe(TopicArn=saga_env["topic"], Protocol="sqs", Endpoint=queue_arn)
    order = place_order()
    OrderTable(ORDERS).advance(order["order_id"], OrderStatus.PAID)
    # When the saga's notify step runs
    handler.notify_customer(order, context)
    # Then the message it published is an OrderConfirmed to the notifier, with a template to render
    [delivered] = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    envelope = json.loads(delivered["Body"])
    [parsed] = parse_message(envelope["Message"])
    assert isinstance(parsed, OrderConfirmed)
    assert (parsed.order_id, parsed.total, parsed.currency) == (order["order_id"], "45.99", "EUR")
    assert envelope["MessageAttributes"]["type"]["Value"] == parsed.type
    email = render(parsed)
    assert email.subject == f"Order {order['order_id']} is confirmed"
    assert "45.99 EUR" in email.body
