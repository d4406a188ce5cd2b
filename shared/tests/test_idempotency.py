from __future__ import annotations

import json
from typing import Any

import pytest

from shared import aws
from shared.errors import ValidationError
from shared.idempotency import (
    IdempotencyKeyReusedError,
    LazyIdempotencyConfig,
    RequestInProgressError,
    idempotent_record,
    persistence_store,
    sqs_config,
)
from shared.settings import SettingsError, reset_settings

TABLE = "idempotency"


@pytest.fixture
def table(moto_aws: None, create_table: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("IDEMPOTENCY_TABLE", TABLE)
    create_table(TABLE, key="id", sort_key=None)
    return TABLE


def keyed_config(*, required: bool = False) -> LazyIdempotencyConfig:
    """An API-like config: the caller's key names the request, and its body must match the first one's."""
    return LazyIdempotencyConfig(
        event_key_jmespath="key", payload_validation_jmespath="body", raise_on_no_idempotency_key=required
    )


def test_store_uses_the_table_from_the_environment(table: str) -> None:
    assert persistence_store().table_name == table


def test_a_store_built_once_follows_the_environment_and_the_clients(
    table: str, create_table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an idempotent function that already ran once (its Powertools store is built)
    runs: list[str] = []

    @idempotent_record(keyed_config(), keyword="request")
    def place(*, request: dict[str, Any]) -> str:
        runs.append(request["key"])
        return "placed"

    place(request={"key": "k-1", "body": {}})
    # When the table variable changes and the settings and clients are dropped (as a test or a restore does)
    create_table("idempotency-2", key="id", sort_key=None)
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "idempotency-2")
    reset_settings()
    aws.reset_clients()
    place(request={"key": "k-1", "body": {}})
    # Then the second call used the new table (the key was unknown there, so it ran again) and wrote to it
    assert runs == ["k-1", "k-1"]
    assert aws.dynamodb().scan(TableName="idempotency-2")["Count"] == 1


def test_calls_without_a_key_are_not_deduplicated_unless_required(table: str) -> None:
    calls: list[int] = []

    @idempotent_record(keyed_config(), keyword="request")
    def optional(*, request: dict[str, Any]) -> str:
        calls.append(1)
        return "ok"

    @idempotent_record(keyed_config(required=True), keyword="request")
    def required(*, request: dict[str, Any]) -> str:
        return "ok"

    optional(request={"body": {"sku": "a"}})
    optional(request={"body": {"sku": "a"}})
    assert len(calls) == 2
    with pytest.raises(ValidationError, match="an idempotency key is required"):
        required(request={"body": {"sku": "a"}})


def test_reusing_a_key_with_another_body_is_a_422(table: str) -> None:
    @idempotent_record(keyed_config(), keyword="request")
    def create_order(*, request: dict[str, Any]) -> str:
        return "created"

    create_order(request={"key": "k-1", "body": {"sku": "a"}})
    with pytest.raises(IdempotencyKeyReusedError) as raised:
        create_order(request={"key": "k-1", "body": {"sku": "b"}})
    assert (raised.value.status, raised.value.code, raised.value.retryable) == (422, "idempotency_key_reused", False)


def test_a_request_still_running_under_the_key_gets_409(table: str) -> None:
    seen: list[RequestInProgressError] = []

    @idempotent_record(keyed_config(), keyword="request")
    def create_order(*, request: dict[str, Any]) -> str:
        # A client retry arrives while the first request is still running.
        try:
            create_order(request=request)
        except RequestInProgressError as exc:
            seen.append(exc)
        return "created"

    create_order(request={"key": "k-9", "body": {"sku": "a"}})
    assert len(seen) == 1
    assert (seen[0].status, seen[0].retryable) == (409, True)


def test_an_sqs_record_is_processed_once_per_message_id(table: str, sqs_record: Any, lambda_context: Any) -> None:
    config = sqs_config()
    config.register_lambda_context(lambda_context)
    charged: list[str] = []

    @idempotent_record(config)
    def charge(*, record: dict[str, Any]) -> str:
        charged.append(record["messageId"])
        return "charged"

    assert charge(record=sqs_record("m-1", {"order": "o-1"})) == "charged"
    assert charge(record=sqs_record("m-1", {"order": "o-1"})) == "charged"
    charge(record=sqs_record("m-2", {"order": "o-2"}))
    assert charged == ["m-1", "m-2"]


def test_a_failed_record_is_not_remembered(table: str, sqs_record: Any, lambda_context: Any) -> None:
    config = sqs_config()
    config.register_lambda_context(lambda_context)
    attempts: list[int] = []

    @idempotent_record(config)
    def charge(*, record: dict[str, Any]) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("payment API timed out")
        return "charged"

    with pytest.raises(RuntimeError):
        charge(record=sqs_record("m-3", {}))
    assert charge(record=sqs_record("m-3", {})) == "charged"
    assert len(attempts) == 2


def test_missing_table_variable_fails_on_first_call_not_at_import(
    moto_aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IDEMPOTENCY_TABLE", raising=False)

    @idempotent_record(sqs_config())
    def handle(*, record: dict[str, Any]) -> str:
        return "handled"

    with pytest.raises(SettingsError, match="missing IDEMPOTENCY_TABLE"):
        handle(record={"messageId": "m-1"})


def test_key_reused_error_is_not_retryable() -> None:
    assert IdempotencyKeyReusedError("x").retryable is False


def test_readme_sqs_consumer_reports_only_the_failed_record_and_skips_redeliveries(
    table: str, sqs_record: Any, lambda_context: Any
) -> None:
    # Given the SQS consumer shape from shared/README.md
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from shared.middleware import event_handler
    from shared.observability import set_record_correlation

    processor = BatchProcessor(event_type=EventType.SQS)
    config = sqs_config()
    shipped: list[str] = []

    @idempotent_record(config)
    def ship_order(*, record: dict[str, Any]) -> None:
        order = json.loads(record["body"])
        if order["sku"] == "unknown":
            raise ValidationError(fields={"sku": "unknown sku"})
        shipped.append(order["order_id"])

    def record_handler(record: SQSRecord) -> None:
        set_record_correlation(record.raw_event)
        ship_order(record=record.raw_event)

    @event_handler(source="sqs")
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        config.register_lambda_context(context)
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    batch = {
        "Records": [
            sqs_record("m-1", {"order_id": "o-1", "sku": "a"}),
            sqs_record("m-2", {"order_id": "o-2", "sku": "unknown"}),
        ]
    }
    # When the batch arrives twice (a redelivery)
    first = lambda_handler(batch, lambda_context)
    second = lambda_handler(batch, lambda_context)
    # Then only the bad record is reported for retry, and the good one shipped once
    assert first == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    assert second == first
    assert shipped == ["o-1"]
