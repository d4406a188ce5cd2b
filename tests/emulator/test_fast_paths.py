"""The emulator's speed fixes keep moto's SQS answers: visibility, delay, retention, delete, redrive, routing."""

from __future__ import annotations

import http.client
import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from scripts.emulator import Emulator, fast_paths

ACCOUNT = "123456789012"
BOTO = {"User-Agent": "Boto3/1.40.0 md/Botocore#1.40.0 ua/2.1 os/linux"}
REGION = "us-east-1"
# A GET the emulator answers without touching moto's models (/moto-api/data.json serialises every backend, and
# with Lambda state from another test in the same worker it tries to reach Docker).
CHEAP_GET = "/moto-api/emulator/dynamodb/replication"


@pytest.fixture
def sqs(emulator: Emulator) -> Any:
    fast_paths.install()
    return emulator.client("sqs")


def new_queue(sqs: Any, **attributes: str) -> str:
    return str(sqs.create_queue(QueueName=f"fast-{uuid.uuid4().hex[:10]}", Attributes=attributes)["QueueUrl"])


def counts(sqs: Any, url: str) -> tuple[int, int, int]:
    names = [f"ApproximateNumberOfMessages{kind}" for kind in ("", "NotVisible", "Delayed")]
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return (int(got[names[0]]), int(got[names[1]]), int(got[names[2]]))


def receive(sqs: Any, url: str, *, visibility: int = 30, count: int = 10) -> list[dict[str, Any]]:
    answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=count, VisibilityTimeout=visibility)
    return list(answer.get("Messages", []))


def moto_queue(url: str) -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[ACCOUNT][REGION].queues[url.rsplit("/", 1)[-1]]


def test_received_messages_are_hidden_and_counted_in_flight(sqs: Any) -> None:
    # Given three messages
    url = new_queue(sqs)
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")

    # When two are received
    got = receive(sqs, url, count=2)

    # Then one is visible, two are in flight, and a second receive gets only the third
    assert len(got) == 2
    assert counts(sqs, url) == (1, 2, 0)
    assert [m["Body"] for m in receive(sqs, url)] == sorted({"m0", "m1", "m2"} - {m["Body"] for m in got})


def test_delete_accepts_current_and_older_handles_and_refuses_unknown_ones(sqs: Any) -> None:
    # Given a message received twice (its visibility ran out in between), so it has two receipt handles
    url = new_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="twice")
    first = receive(sqs, url, visibility=0)[0]["ReceiptHandle"]
    second = receive(sqs, url, visibility=30)[0]["ReceiptHandle"]
    assert first != second

    # When it is deleted with the older handle
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first)

    # Then it is gone, deleting it again is fine, and an unknown handle is refused
    assert counts(sqs, url) == (0, 0, 0)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second)
    with pytest.raises(ClientError, match="ReceiptHandleIsInvalid"):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")


def test_batch_delete_removes_exactly_the_named_messages(sqs: Any) -> None:
    url = new_queue(sqs)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": f"b{n}"} for n in range(10)])
    got = receive(sqs, url)

    answer = sqs.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got[:4])]
    )

    assert len(answer["Successful"]) == 4
    assert not answer.get("Failed")
    assert counts(sqs, url) == (0, 6, 0)


def test_a_delayed_message_is_counted_delayed_and_not_received(sqs: Any) -> None:
    url = new_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)

    assert counts(sqs, url) == (0, 0, 1)
    assert receive(sqs, url) == []


def test_a_message_past_its_retention_period_is_not_delivered(sqs: Any) -> None:
    # Given a queue keeping messages 60 s and a message sent two minutes ago
    url = new_queue(sqs, MessageRetentionPeriod="60")
    sqs.send_message(QueueUrl=url, MessageBody="stale")
    moto_queue(url)._messages[0].sent_timestamp -= 120_000

    # When received, Then nothing is delivered
    assert receive(sqs, url) == []


def test_a_fresh_message_within_retention_is_delivered(sqs: Any) -> None:
    url = new_queue(sqs, MessageRetentionPeriod="60")
    sqs.send_message(QueueUrl=url, MessageBody="fresh")

    assert [m["Body"] for m in receive(sqs, url)] == ["fresh"]


def test_a_message_received_max_receive_count_times_moves_to_the_dlq(sqs: Any) -> None:
    # Given a queue whose DLQ takes a message after 2 receives
    dlq = new_queue(sqs)
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = new_queue(sqs, RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
    sqs.send_message(QueueUrl=url, MessageBody="poison")

    # When it is received twice without being deleted, and the queue is polled again
    assert len(receive(sqs, url, visibility=0)) == 1
    assert len(receive(sqs, url, visibility=0)) == 1
    assert receive(sqs, url, visibility=0) == []

    # Then it sits in the DLQ
    assert [m["Body"] for m in receive(sqs, dlq)] == ["poison"]


def test_the_router_still_finds_backends_and_rejects_unknown_hosts(emulator: Emulator) -> None:
    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    fast_paths.install()
    dispatcher = DomainDispatcherApplication(create_app=lambda backend: None)  # type: ignore[arg-type,return-value]

    assert dispatcher.get_backend_for_host("sqs.us-east-1.amazonaws.com") == "sqs"
    assert dispatcher.get_backend_for_host("dynamodb.us-east-1.amazonaws.com") == "dynamodb"
    assert dispatcher.get_backend_for_host("sqs") == "sqs"
    assert dispatcher.get_backend_for_host(None) is None
    assert "sqs" in backends.list_of_moto_modules()
    assert "__pycache__" not in backends.list_of_moto_modules()


@pytest.fixture
def dynamodb(emulator: Emulator) -> Any:
    fast_paths.install()
    client = emulator.client("dynamodb")
    name = f"fast-{uuid.uuid4().hex[:10]}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client, name


def conditional_put(client: Any, table: str, key: str, expires: int, now: int) -> None:
    client.put_item(
        TableName=table,
        Item={"id": {"S": key}, "expiration": {"N": str(expires)}},
        ConditionExpression="attribute_not_exists(#id) OR #expiry < :now",
        ExpressionAttributeNames={"#id": "id", "#expiry": "expiration"},
        ExpressionAttributeValues={":now": {"N": str(now)}},
    )


def test_a_repeated_condition_is_still_evaluated_against_each_item_and_value(dynamodb: Any) -> None:
    client, table = dynamodb
    # Given an item that expires at 100, written with the condition
    conditional_put(client, table, "k", expires=100, now=50)

    # When the same condition is sent again with the same values, Then the existing, unexpired item refuses it
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        conditional_put(client, table, "k", expires=200, now=50)
    # And with a later :now the same expression lets it through (the values are part of the parse)
    conditional_put(client, table, "k", expires=300, now=150)
    # And for another key the same expression and values succeed
    conditional_put(client, table, "other", expires=100, now=50)

    item = client.get_item(TableName=table, Key={"id": {"S": "k"}})["Item"]
    assert item["expiration"] == {"N": "300"}


def test_an_invalid_condition_is_refused_every_time(dynamodb: Any) -> None:
    client, table = dynamodb
    for _ in range(2):
        with pytest.raises(ClientError, match="ValidationException"):
            client.put_item(
                TableName=table, Item={"id": {"S": "x"}}, ConditionExpression="((attribute_not_exists(id)))"
            )


def test_a_connection_carries_several_requests(emulator: Emulator) -> None:
    # Given one HTTP/1.1 connection to the emulator
    conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=10)
    try:
        statuses = []
        sockets = []
        # When two requests go over it, the first with a body the application never reads
        for body in (b"x" * 5000, b""):
            conn.request("GET", CHEAP_GET, body=body, headers={"Content-Length": str(len(body)), **BOTO})
            answer = conn.getresponse()
            answer.read()
            statuses.append(answer.status)
            sockets.append(conn.sock)
            assert (answer.getheader("Connection") or "").lower() != "close"
    finally:
        conn.close()

    # Then both are answered on the same socket (the unread body did not become the next request line)
    assert statuses == [200, 200]
    assert sockets[0] is sockets[1]
    assert sockets[0] is not None


def test_a_chunked_request_still_closes_its_connection(emulator: Emulator) -> None:
    conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=10)
    try:
        conn.request("GET", CHEAP_GET, body=iter([b"abc"]), encode_chunked=True, headers=BOTO)
        answer = conn.getresponse()
        answer.read()
    finally:
        conn.close()

    assert answer.status == 200
    assert answer.getheader("Connection") == "close"


def test_a_client_asking_to_close_gets_its_connection_closed(emulator: Emulator) -> None:
    conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=10)
    try:
        conn.request("GET", CHEAP_GET, headers={"Connection": "close", **BOTO})
        answer = conn.getresponse()
        answer.read()
    finally:
        conn.close()

    assert answer.getheader("Connection") == "close"


def test_other_clients_keep_one_request_per_connection(emulator: Emulator) -> None:
    # Terraform's Go SDK retries a create whose reused connection failed: it keeps werkzeug's behaviour
    conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=10)
    try:
        conn.request("GET", CHEAP_GET, headers={"User-Agent": "aws-sdk-go-v2/1.36.3 HashiCorp Terraform"})
        answer = conn.getresponse()
        answer.read()
    finally:
        conn.close()

    assert answer.status == 200
    assert answer.getheader("Connection") == "close"
