from __future__ import annotations

import json
from typing import Any

import pytest

from shared.errors import ValidationError
from shared.idempotency import (
    IdempotencyKeyReusedError,
    RequestInProgressError,
    api_config,
    idempotent_handler,
    idempotent_record,
    persistence_store,
    sqs_config,
)
from shared.middleware import api_handler
from shared.settings import SettingsError

TABLE = "idempotency"


@pytest.fixture
def table(moto_aws: None, create_table: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("IDEMPOTENCY_TABLE", TABLE)
    create_table(TABLE, key="id", sort_key=None)
    return TABLE


def order_request(http_event: Any, key: str | None, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"content-type": "application/json", **({"idempotency-key": key} if key else {})}
    return http_event(method="POST", path="/orders", headers=headers, body=body)  # type: ignore[no-any-return]


def test_store_uses_the_table_from_the_environment(table: str) -> None:
    assert persistence_store().table_name == table


def test_same_key_runs_the_handler_once_and_replays_the_response(
    table: str, http_event: Any, lambda_context: Any
) -> None:
    created: list[str] = []

    @idempotent_handler(api_config())
    def create_order(event: dict[str, Any], context: Any) -> dict[str, Any]:
        created.append(event["body"])
        return {"statusCode": 201, "body": json.dumps({"order": f"o-{len(created)}"})}

    first = create_order(order_request(http_event, "k-1", {"sku": "a"}), lambda_context)
    again = create_order(order_request(http_event, "k-1", {"sku": "a"}), lambda_context)
    other = create_order(order_request(http_event, "k-2", {"sku": "a"}), lambda_context)
    assert len(created) == 2
    assert again == first
    assert json.loads(other["body"]) == {"order": "o-2"}


def test_requests_without_a_key_are_not_deduplicated_unless_required(
    table: str, http_event: Any, lambda_context: Any
) -> None:
    calls: list[int] = []

    @idempotent_handler(api_config())
    def optional(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(1)
        return {"statusCode": 200}

    @idempotent_handler(api_config(required=True))
    def required(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200}

    optional(order_request(http_event, None, {"sku": "a"}), lambda_context)
    optional(order_request(http_event, None, {"sku": "a"}), lambda_context)
    assert len(calls) == 2
    with pytest.raises(ValidationError, match="an idempotency key is required"):
        required(order_request(http_event, None, {"sku": "a"}), lambda_context)


def test_reusing_a_key_with_another_body_is_a_422(table: str, http_event: Any, lambda_context: Any) -> None:
    @api_handler()
    @idempotent_handler(api_config())
    def create_order(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 201, "body": "{}"}

    create_order(order_request(http_event, "k-1", {"sku": "a"}), lambda_context)
    response = create_order(order_request(http_event, "k-1", {"sku": "b"}), lambda_context)
    assert response["statusCode"] == 422
    assert json.loads(response["body"])["error"]["code"] == "idempotency_key_reused"


def test_a_request_still_running_under_the_key_gets_409(table: str, http_event: Any, lambda_context: Any) -> None:
    seen: list[RequestInProgressError] = []

    @idempotent_handler(api_config())
    def create_order(event: dict[str, Any], context: Any) -> dict[str, Any]:
        # A client retry arrives while the first request is still running.
        try:
            create_order(event, context)
        except RequestInProgressError as exc:
            seen.append(exc)
        return {"statusCode": 201}

    create_order(order_request(http_event, "k-9", {"sku": "a"}), lambda_context)
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
    moto_aws: None, monkeypatch: pytest.MonkeyPatch, http_event: Any, lambda_context: Any
) -> None:
    monkeypatch.delenv("IDEMPOTENCY_TABLE", raising=False)

    @idempotent_handler(api_config())
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200}

    with pytest.raises(SettingsError, match="missing IDEMPOTENCY_TABLE"):
        handler(order_request(http_event, "k", {}), lambda_context)


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
