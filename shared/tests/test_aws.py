from __future__ import annotations

import threading
from typing import Any

import pytest

from shared import aws
from tests.support.lambda_zips import AwsEndpoint


def test_clients_are_cached_per_service_and_region() -> None:
    assert aws.sqs() is aws.sqs()
    assert aws.client("sqs", region="eu-west-1") is not aws.sqs()
    assert aws.client("sqs", region="eu-west-1").meta.region_name == "eu-west-1"


def test_reset_gives_fresh_clients() -> None:
    first = aws.dynamodb()
    aws.reset_clients()
    assert aws.dynamodb() is not first


def test_clients_have_explicit_timeouts_and_retry_mode() -> None:
    config: Any = aws.s3().meta.config
    assert (config.connect_timeout, config.read_timeout) == (2, 5)
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}


def test_concurrent_first_use_builds_one_client() -> None:
    barrier = threading.Barrier(8)
    seen: list[Any] = []

    def use() -> None:
        barrier.wait()
        seen.append(aws.client("sns"))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in seen}) == 1


def test_clients_talk_to_aws_endpoint_url(aws_endpoint: AwsEndpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the emulator's address (a real moto server on loopback, empty) in AWS_ENDPOINT_URL
    emulator = aws_endpoint.url
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator)
    # When a queue is created through the shared client
    url = aws.sqs().create_queue(QueueName="orders")["QueueUrl"]
    # Then the client points at the emulator and the queue exists there
    assert aws.sqs().meta.endpoint_url == emulator
    assert "orders" in url
    assert aws.sqs().list_queues()["QueueUrls"] == [url]
    # And the table resource goes to the same place
    aws.dynamodb().create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    aws.dynamodb_table("t").put_item(Item={"pk": "a"})
    assert aws.dynamodb_table("t").get_item(Key={"pk": "a"})["Item"] == {"pk": "a"}


def test_changing_the_endpoint_gives_a_client_for_the_new_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    default = aws.sqs()
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    assert aws.sqs() is not default
    assert aws.sqs().meta.endpoint_url == "http://127.0.0.1:4566"


def test_a_client_with_its_own_config_is_cached_apart_from_the_default(moto_aws: None) -> None:
    from botocore.config import Config

    from shared import aws

    probe_config = Config(connect_timeout=0.5, read_timeout=1.0, retries={"total_max_attempts": 1})
    probe = aws.client("dynamodb", region="us-east-1", config=probe_config)

    assert probe is aws.client("dynamodb", region="us-east-1", config=probe_config)
    assert probe is not aws.client("dynamodb", region="us-east-1")
    assert (probe.meta.config.connect_timeout, probe.meta.config.read_timeout) == (0.5, 1.0)
