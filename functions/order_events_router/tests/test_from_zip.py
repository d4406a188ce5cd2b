"""The built zip + common layer, in a fresh Lambda-like process against a moto server, on every sample event."""

from __future__ import annotations

import json

import pytest

from tests.support.lambda_zips import load_event

pytestmark = pytest.mark.slow


@pytest.fixture
def deployed(aws_endpoint, resources):
    sfn, sns, sqs = (aws_endpoint.client(name) for name in ("stepfunctions", "sns", "sqs"))
    saga_arn, topic_arn, queue_url = resources(sfn, sns, sqs)
    return {"ORDER_SAGA_ARN": saga_arn, "NOTIFICATIONS_TOPIC_ARN": topic_arn}, sfn, sqs, queue_url


def test_order_created_sample_starts_one_saga_even_when_redelivered(built_function, deployed) -> None:
    env, sfn, _, _ = deployed
    router = built_function("order_events_router")
    event = load_event("order_events_router", "order_created")

    first = router.invoke("order_events_router", event, env=env)
    router.invoke("order_events_router", event, env=env)

    assert first.result["action"] == "saga_started"
    executions = sfn.list_executions(stateMachineArn=env["ORDER_SAGA_ARN"])["executions"]
    assert len(executions) == 1
    assert executions[0]["name"].startswith("order-ord-1001-")


@pytest.mark.parametrize("sample", ["payment_completed", "shipment_dispatched"])
def test_payment_and_shipment_samples_publish_a_notification(built_function, deployed, sample: str) -> None:
    env, _, sqs, queue_url = deployed

    out = built_function("order_events_router").invoke(
        "order_events_router", load_event("order_events_router", sample), env=env
    )

    assert out.result["action"] == "customer_notified"
    [message] = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    body = json.loads(message["Body"])
    assert (body["order_id"], body["customer_email"]) == ("ord-1001", "ana.lopez@example.com")


def test_unknown_type_sample_is_ignored_without_error(built_function, deployed) -> None:
    env, sfn, sqs, queue_url = deployed

    out = built_function("order_events_router").invoke(
        "order_events_router", load_event("order_events_router", "unknown_type"), env=env
    )

    assert out.result["action"] == "ignored"
    assert '"UnroutableEvent"' in out.logs
    assert sfn.list_executions(stateMachineArn=env["ORDER_SAGA_ARN"])["executions"] == []
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url)
