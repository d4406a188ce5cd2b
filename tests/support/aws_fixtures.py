"""One set of AWS test fixtures for every function's and the shared package's tests (a pytest plugin).

Registered in the root ``conftest.py`` (``pytest_plugins``), so any test or conftest can request the fixtures;
the plain helpers are imported (``from tests.support.aws_fixtures import create_table``), e.g. to create the
same tables on a moto server for a run-from-zip test.

Fixtures:

- ``clean_shared_state`` — every cache ``shared`` keeps per process (boto3 clients, settings, parameter
  providers, idempotency stores, CORS config) is dropped before and after the test, so a test sees its own
  environment variables and its own moto backend.
- ``moto_aws`` — ``clean_shared_state`` + moto's ``mock_aws`` for the test (in process, empty state).
- ``serialized_dynamodb`` — moto's DynamoDB answers one request at a time (see its docstring for why).

Helpers: :func:`create_table` (the project's ``pk``/``sk`` string keys, optionally global secondary
indexes), :func:`create_orders_table`, :func:`create_idempotency_table` (key ``id``), :func:`reset_shared_state`
and :class:`FakeLambdaContext` (the ``context`` Lambda passes; a default one is the ``lambda_context`` fixture).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws

from scripts.lambda_context import LambdaContext
from shared import aws
from shared.orders import CUSTOMER_INDEX, STATUS_INDEX
from shared.settings import reset_settings

ACCOUNT_ID = "123456789012"

__all__ = [
    "FakeLambdaContext",
    "clean_shared_state",
    "create_idempotency_table",
    "create_orders_table",
    "create_table",
    "lambda_context",
    "moto_aws",
    "reset_shared_state",
    "serialized_dynamodb",
]


def reset_shared_state() -> None:
    """Drop every per-process cache of ``shared``: the next use reads the environment and builds clients again."""
    aws.reset_clients()
    reset_settings()


def create_table(
    client: Any, name: str, *, key: str = "pk", sort_key: str | None = "sk", indexes: tuple[str, ...] = ()
) -> None:
    """A pay-per-request table shaped like the project's: string ``pk`` (+ ``sk``) keys.

    ``indexes`` adds global secondary indexes named ``<name>`` on ``<name>pk``/``<name>sk`` (strings, all attributes
    projected), as the orders table has (``gsi1`` by status, ``gsi2`` by customer: ``shared.orders``).
    ``client`` is any DynamoDB client: ``shared.aws.dynamodb()`` under ``moto_aws``, or a moto server's client.
    """
    keys = [key, *([sort_key] if sort_key else []), *(f"{index}{part}" for index in indexes for part in ("pk", "sk"))]
    schema = [{"AttributeName": key, "KeyType": "HASH"}]
    if sort_key:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
    extra: dict[str, Any] = {}
    if indexes:
        extra["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": f"{index}pk", "KeyType": "HASH"},
                    {"AttributeName": f"{index}sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in indexes
        ]
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=schema,
        AttributeDefinitions=[{"AttributeName": attribute, "AttributeType": "S"} for attribute in keys],
        **extra,
    )


def create_orders_table(client: Any, name: str = "orders") -> None:
    """The orders table: ``pk``/``sk`` + ``gsi1`` (by status) + ``gsi2`` (by customer)."""
    create_table(client, name, indexes=(STATUS_INDEX, CUSTOMER_INDEX))


def create_idempotency_table(client: Any, name: str = "idempotency") -> None:
    """The Powertools idempotency table: partition key ``id`` (string), no sort key."""
    create_table(client, name, key="id", sort_key=None)


@dataclass
class FakeLambdaContext(LambdaContext):
    """The local runners' Lambda ``context`` (:class:`scripts.lambda_context.LambdaContext`) with a pinned
    clock: ``get_remaining_time_in_millis`` answers ``remaining_ms``; the function's ARN is in ``region``.

    ``aws_request_id`` is a fresh UUID unless given.
    """

    function_name: str = "orders-test"
    memory_limit_in_mb: int = 256
    region: str = "us-east-1"
    remaining_ms: int = 30_000

    def __post_init__(self) -> None:
        if not self.invoked_function_arn:
            self.invoked_function_arn = f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.function_name}"
        super().__post_init__()

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    """A default Lambda context; a function's conftest overrides it with its own name and limits."""
    return FakeLambdaContext()


@pytest.fixture
def clean_shared_state() -> Iterator[None]:
    """``shared``'s per-process caches are empty when the test starts and again after it ends."""
    reset_shared_state()
    yield
    reset_shared_state()


@pytest.fixture
def moto_aws(clean_shared_state: None) -> Iterator[None]:
    """moto's ``mock_aws`` around the test, with fresh ``shared`` clients inside and after it.

    Set the region and resource variables with ``monkeypatch`` in the fixture that needs them: ``shared``
    builds its clients lazily, on first use, so they see the values.
    """
    with mock_aws():
        yield


@pytest.fixture
def serialized_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make moto's DynamoDB answer one request at a time, as the real service applies each request atomically.

    moto runs a request in several Python steps (read the item, evaluate the condition, write back; a
    transaction deep-copies tables) without a lock, so concurrent requests interleave inside moto itself:
    two threads can both pass the same condition, or increments get lost (measured: 193 of 200 ADDs kept
    in process, 197 of 200 through a moto server). Serializing moto's request dispatch restores DynamoDB's
    guarantee, while clients still race freely in their own threads: the interleavings *between* two
    requests (a read-modify-write, an optimistic read then a conditional write) stay real, and those are what
    the code under test has to handle. Works for ``mock_aws`` in process and for a moto server running in
    this process (``aws_endpoint``) alike: both dispatch through ``DynamoHandler.call_action``.
    """
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.RLock()
    original = DynamoHandler.call_action

    def one_at_a_time(self: DynamoHandler) -> Any:
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", one_at_a_time)
