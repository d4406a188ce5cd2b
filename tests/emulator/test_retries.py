"""A retried SDK request (same amz-sdk-invocation-id) gets its first attempt's answer instead of running twice."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from scripts.emulator import Emulator, retries


def _with_invocation_id(client: Any, invocation: str) -> Any:
    """Every request of ``client`` carries ``invocation`` as its SDK invocation id, as the attempts of one call do."""

    def pin(request: Any, **_: Any) -> None:
        request.headers["amz-sdk-invocation-id"] = invocation

    client.meta.events.register("before-send.*.*", pin)
    return client


def _table(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


def test_a_retried_create_answers_like_its_first_attempt(emulator: Emulator) -> None:
    # Given a CreateTable the emulator served but whose answer the client never saw
    name = f"retried-{uuid.uuid4().hex[:8]}"
    retry = _with_invocation_id(emulator.client("dynamodb"), str(uuid.uuid4()))
    first = retry.create_table(**_table(name))
    replayed_before = retries.replayed

    # When the SDK retries it (same invocation id)
    again = retry.create_table(**_table(name))

    # Then it gets the first answer, not ResourceInUseException, and the table exists once
    assert again["TableDescription"]["TableArn"] == first["TableDescription"]["TableArn"]
    assert retries.replayed == replayed_before + 1
    assert emulator.client("dynamodb").list_tables()["TableNames"].count(name) == 1


def test_a_new_call_with_the_same_arguments_still_conflicts(emulator: Emulator) -> None:
    name = f"twice-{uuid.uuid4().hex[:8]}"
    client = emulator.client("dynamodb")
    client.create_table(**_table(name))
    with pytest.raises(ClientError, match="ResourceInUseException"):
        client.create_table(**_table(name))  # a second operation: its own invocation id
