"""The message contract matrix: every declared producer's real output, generated property-based, parsed by every
declared consumer's real code (``shared.dataflow.MESSAGES``). A message a consumer rejects fails the edge
``<producer>-><consumer>`` with both names in the message. ``external`` producers are generated from the contract.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.contracts import OrderCancelled, OrderPlaced, PaymentCompleted, ShipmentDispatched
from shared.dataflow import EXTERNAL, MESSAGES
from tests.contracts.declared import folders
from tests.contracts.strategies import customers, ids, lines, order_lines
from tests.contracts.world import ENV, MATRIX, REGION, World, context, sqs_event
from tests.support.aws_fixtures import ACCOUNT_ID

MESSAGE_ENV = {
    **ENV,
    "BULK_QUEUE_URL": "",  # set by the world
    "ORDER_SAGA_ARN": "",
    "NOTIFICATIONS_TOPIC_ARN": "",
}


class MessageWorld(World):
    """The order world plus the channels messages travel on, each with a capture to read what was sent."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__()
        sqs = self.sqs = boto3.client("sqs", region_name=REGION)
        self.bulk_queue = sqs.create_queue(QueueName="bulk")["QueueUrl"]
        self.bus_capture = sqs.create_queue(QueueName="bus-capture")["QueueUrl"]
        self.topic_capture = sqs.create_queue(QueueName="topic-capture")["QueueUrl"]
        events = boto3.client("events", region_name=REGION)
        events.put_rule(Name="capture", EventBusName="orders-bus", EventPattern=json.dumps({"source": ["orders.api"]}))
        events.put_targets(
            Rule="capture", EventBusName="orders-bus", Targets=[{"Id": "q", "Arn": self._arn(self.bus_capture)}]
        )
        sns = boto3.client("sns", region_name=REGION)
        self.topic = sns.create_topic(Name="notifications")["TopicArn"]
        sns.subscribe(TopicArn=self.topic, Protocol="sqs", Endpoint=self._arn(self.topic_capture))
        sfn = boto3.client("stepfunctions", region_name=REGION)
        definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
        role = "arn:aws:iam::123456789012:role/saga"
        self.saga = sfn.create_state_machine(name="saga", definition=definition, roleArn=role)["stateMachineArn"]
        self.sfn = sfn
        monkeypatch.setenv("BULK_QUEUE_URL", self.bulk_queue)
        monkeypatch.setenv("ORDER_SAGA_ARN", self.saga)
        monkeypatch.setenv("NOTIFICATIONS_TOPIC_ARN", self.topic)

    def _arn(self, url: str) -> str:
        return str(self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])

    def drain(self, url: str) -> list[str]:
        bodies: list[str] = []
        while batch := self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                bodies.append(message["Body"])
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return bodies

    def clear(self) -> None:
        super().clear()
        for url in (self.bulk_queue, self.bus_capture, self.topic_capture):
            self.drain(url)

    def bus_events(self) -> list[dict[str, Any]]:
        # moto's EventBridge leaves "account" out of the events it delivers; the real service always sends it
        return [{"account": ACCOUNT_ID, **json.loads(body)} for body in self.drain(self.bus_capture)]

    def notifications(self) -> list[str]:
        return [json.loads(body)["Message"] for body in self.drain(self.topic_capture)]

    def saga_inputs(self) -> list[dict[str, Any]]:
        executions = self.sfn.list_executions(stateMachineArn=self.saga)["executions"]
        return [json.loads(self.sfn.describe_execution(executionArn=e["executionArn"])["input"]) for e in executions]


# ----- producers: what each one really sends, from generated input ------------------------------------------------

Produced = list[Any]


def produce_order_message_external(world: MessageWorld, data: st.DataObject) -> Produced:
    placed = OrderPlaced(
        type="OrderPlaced", order_id=data.draw(ids), customer_id=data.draw(customers), items=data.draw(order_lines)
    )
    cancel = OrderCancelled(
        type="OrderCancelled", order_id=placed.order_id, reason=data.draw(st.text(min_size=1, max_size=500))
    )
    return [placed.model_dump_json(), cancel.model_dump_json()]


def produce_bulk_dispatcher(world: MessageWorld, data: st.DataObject) -> Produced:
    from bulk_dispatcher.handler import lambda_handler

    orders = [
        {
            "order_id": data.draw(ids),
            "customer_id": data.draw(customers),
            "items": [line.model_dump() for line in data.draw(order_lines)],
        }
        for _ in range(data.draw(st.integers(1, 3)))
    ]
    job_id = data.draw(st.from_regex(r"^[A-Za-z0-9][A-Za-z0-9-]{0,30}$", fullmatch=True))
    lambda_handler({"job_id": job_id, "orders": orders}, context("bulk_dispatcher"))
    return world.drain(world.bulk_queue)


def produce_orders_api(world: MessageWorld, data: st.DataObject) -> Produced:
    world.write_orders_api(data.draw(customers), data.draw(order_lines))
    return world.bus_events()


def produce_bus_event_external(world: MessageWorld, data: st.DataObject) -> Produced:
    order_id = data.draw(ids)
    payment = PaymentCompleted(
        order_id=order_id, amount=data.draw(st.decimals(0, 10**9, places=2).map(str)), currency="EUR"
    )
    shipment = ShipmentDispatched(order_id=order_id, carrier=data.draw(st.text(max_size=100)), tracking_number="T-1")
    return [
        eventbridge("PaymentCompleted", payment.model_dump(exclude_none=True)),
        eventbridge("ShipmentDispatched", shipment.model_dump(exclude_none=True)),
    ]


def produce_order_events_router(world: MessageWorld, data: st.DataObject) -> Produced:
    """The router's saga inputs (from OrderCreated) and its notifications (from payment/shipment events)."""
    from order_events_router.handler import lambda_handler

    for event in [*produce_orders_api(world, data), *produce_bus_event_external(world, data)]:
        lambda_handler(event, context("order_events_router"))
    return [*world.saga_inputs(), *world.notifications()]


def produce_notify(world: MessageWorld, data: st.DataObject) -> Produced:
    from order_saga import handler

    world.write_orders_api(data.draw(customers), data.draw(st.lists(lines, min_size=1, max_size=5)))
    (event,) = world.bus_events()
    handler.notify_customer({**event["detail"], "source_event_id": event["id"]}, context("order_saga_notify"))
    return world.notifications()


PRODUCERS: dict[tuple[str, str], Callable[[MessageWorld, st.DataObject], Produced]] = {
    ("orders queue message", EXTERNAL): produce_order_message_external,
    ("bulk order", "bulk_dispatcher"): produce_bulk_dispatcher,
    ("OrderCreated", "orders_api"): produce_orders_api,
    ("payment and shipment events", EXTERNAL): produce_bus_event_external,
    ("saga input", "order_events_router"): produce_order_events_router,
    ("order notification", "order_events_router"): produce_order_events_router,
    ("order notification", "order_saga_notify"): produce_notify,
}

# ----- consumers: each one's own parsing of what arrived -------------------------------------------------------


def consume_order_worker(world: MessageWorld, message: Any) -> None:
    from order_worker.handler import lambda_handler

    failures = lambda_handler(sqs_event("order_worker", "order_placed", [message]), context("order_worker"))
    if failures["batchItemFailures"] and json.loads(message)["type"] == "OrderPlaced":
        raise AssertionError(f"order_worker did not apply {message[:200]}")


def consume_bulk_worker(world: MessageWorld, message: Any) -> None:
    from bulk_worker.handler import lambda_handler

    failures = lambda_handler(sqs_event("bulk_worker", "bulk_orders", [message]), context("bulk_worker"))
    if failures["batchItemFailures"]:
        raise AssertionError(f"bulk_worker did not apply {message[:200]}")


def consume_order_events_router(world: MessageWorld, message: Any) -> None:
    from order_events_router.handler import lambda_handler

    routed = lambda_handler(message, context("order_events_router"))
    if routed["action"] == "ignored":
        raise AssertionError(f"the router ignored {message['detail-type']}")


def consume_saga_task(world: MessageWorld, message: Any) -> None:
    if isinstance(message, str):
        return  # the router's other output (notifications) is not saga input
    from aws_lambda_powertools.utilities.parser import parse
    from order_saga.models import SagaOrder, SagaState

    SagaOrder.of(parse(event=message, model=SagaState))  # what every forward task's @event_parser does


def consume_notifier(world: MessageWorld, message: Any) -> None:
    if not isinstance(message, str):
        return  # the router's other output (saga inputs) is not a notification
    from notifier.messages import parse_message

    parse_message(message)


CONSUMERS: dict[str, Callable[[MessageWorld, Any], None]] = {
    "order_worker": consume_order_worker,
    "bulk_worker": consume_bulk_worker,
    "order_events_router": consume_order_events_router,
    "reserve_inventory": consume_saga_task,
    "charge_payment": consume_saga_task,
    "create_shipment": consume_saga_task,
    "order_saga_notify": consume_saga_task,
    "notifier": consume_notifier,
}

EDGES = [
    (message.name, producer, consumer)
    for message in MESSAGES
    for producer in message.producers
    for consumer in message.consumers
]


def eventbridge(detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": detail_type,
        "source": "payments.provider",
        "account": "123456789012",
        "time": "2026-11-25T12:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": detail,
    }


def test_every_declared_edge_has_a_producer_and_a_consumer() -> None:
    assert {(name, producer) for name, producer, _ in EDGES} == set(PRODUCERS)
    assert {consumer for _, _, consumer in EDGES} == set(CONSUMERS)
    assert {consumer for _, _, consumer in EDGES} <= set(folders())


@pytest.fixture
def world(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> MessageWorld:
    for name, value in MESSAGE_ENV.items():
        monkeypatch.setenv(name, value)
    return MessageWorld(monkeypatch)


@pytest.mark.parametrize(("message", "producer", "consumer"), EDGES, ids=[f"{p}->{c}" for _, p, c in EDGES])
@MATRIX
@given(data=st.data())
def test_consumer_accepts_what_the_producer_sent(
    world: MessageWorld, message: str, producer: str, consumer: str, data: Any
) -> None:
    world.clear()
    sent = PRODUCERS[(message, producer)](world, data)
    assert sent, f"{producer} produced no {message}"
    for one in sent:
        try:
            CONSUMERS[consumer](world, one)
        except Exception as exc:  # noqa: BLE001 - any refusal or crash of the consumer is the finding
            pytest.fail(f"{message}: {producer} -> {consumer}: {type(exc).__name__}: {exc}"[:2000], pytrace=False)
