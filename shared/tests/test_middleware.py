from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from shared.errors import ThrottleError, ValidationError
from shared.http import make_resolver
from shared.middleware import api_handler, event_handler

app = make_resolver()


@app.get("/orders/<order_id>", compress=True)
def read_order(order_id: str) -> dict[str, Any]:
    if order_id == "bad":
        raise ValidationError(fields={"order_id": "must start with o-"})
    if order_id == "boom":
        raise RuntimeError("DB password hunter2")
    if order_id == "big":
        return {"lines": [{"sku": f"sku-{i}", "qty": i} for i in range(300)]}
    return {"id": order_id}


@api_handler()
def get_order(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)


def api_event(http_event: Any, order_id: str, **headers: str) -> dict[str, Any]:
    event: dict[str, Any] = http_event(path=f"/orders/{order_id}", headers=headers)
    event["pathParameters"] = {"order_id": order_id}
    return event


def test_api_stack_returns_the_handlers_response_without_cors_headers(http_event: Any, lambda_context: Any) -> None:
    response = get_order(api_event(http_event, "o-1", origin="https://shop.example"), lambda_context)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"id": "o-1"}
    # CORS is the HTTP API's (cors_configuration): a function's "*" would answer every origin
    assert not [name for name in response["headers"] if name.lower().startswith("access-control-")]


def test_api_stack_maps_a_taxonomy_error_to_a_json_4xx(http_event: Any, lambda_context: Any) -> None:
    response = get_order(api_event(http_event, "bad"), lambda_context)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["details"] == {"fields": {"order_id": "must start with o-"}}


def test_api_stack_answers_unexpected_errors_with_500_and_logs_them(
    http_event: Any, lambda_context: Any, read_logs: Any
) -> None:
    # When the handler fails in a way nobody planned for
    response = get_order(api_event(http_event, "boom", origin="https://shop.example"), lambda_context)
    # Then the client sees only the request id (the API adds CORS headers for allowed origins)
    assert response["statusCode"] == 500
    assert "hunter2" not in response["body"]
    assert json.loads(response["body"])["error"]["request_id"] == lambda_context.aws_request_id
    assert "Access-Control-Allow-Origin" not in response["headers"]
    # And the log keeps the traceback, tied to the API request id
    error_line = next(line for line in read_logs() if line["message"] == "unexpected error")
    assert "hunter2" in error_line["exception"]
    assert error_line["correlation_id"] == "apigw-req-1"


def test_api_stack_logs_duration_with_the_correlation_id(http_event: Any, lambda_context: Any, read_logs: Any) -> None:
    get_order(api_event(http_event, "o-1"), lambda_context)
    finished = next(line for line in read_logs() if line["message"] == "handler finished")
    assert finished["outcome"] == "ok"
    assert finished["duration_ms"] >= 0
    assert finished["correlation_id"] == "apigw-req-1"
    assert finished["function_request_id"] == lambda_context.aws_request_id


def test_api_stack_gzips_large_responses_for_clients_that_accept_it(http_event: Any, lambda_context: Any) -> None:
    plain = get_order(api_event(http_event, "big"), lambda_context)
    zipped = get_order(api_event(http_event, "big", **{"accept-encoding": "gzip, br"}), lambda_context)
    assert plain["isBase64Encoded"] is False
    assert zipped["isBase64Encoded"] is True
    assert zipped["headers"]["Content-Encoding"] == "gzip"
    assert gzip.decompress(base64.b64decode(zipped["body"])).decode() == plain["body"]


def test_event_stack_logs_the_classification_and_reraises_for_retry(
    sqs_record: Any, lambda_context: Any, read_logs: Any
) -> None:
    @event_handler(source="sqs")
    def consume(event: dict[str, Any], context: Any) -> None:
        raise ThrottleError("payments API throttled us")

    event = {"Records": [sqs_record("m-7", {"order_id": "o-1"})]}
    with pytest.raises(ThrottleError):
        consume(event, lambda_context)
    failed = next(line for line in read_logs() if line["message"] == "invocation failed")
    assert failed["error_code"] == "throttled"
    assert failed["retryable"] is True
    assert failed["correlation_id"] == "m-7"


def test_event_stack_marks_unexpected_errors_retryable(lambda_context: Any, read_logs: Any) -> None:
    @event_handler(source="eventbridge")
    def route(event: dict[str, Any], context: Any) -> None:
        raise KeyError("detail")

    with pytest.raises(KeyError):
        route({"id": "evt-1", "detail-type": "OrderCreated", "source": "orders", "detail": {}}, lambda_context)
    failed = next(line for line in read_logs() if line["message"] == "invocation failed")
    assert (failed["error_code"], failed["retryable"], failed["correlation_id"]) == ("unexpected", True, "evt-1")


def test_event_stack_returns_the_handlers_result(lambda_context: Any) -> None:
    @event_handler(source="direct")
    def task(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"reserved": event["qty"]}

    assert task({"qty": 2}, lambda_context) == {"reserved": 2}


def test_event_stack_refuses_an_unknown_source_when_decorating() -> None:
    with pytest.raises(ValueError, match="unknown event source 's3'"):
        event_handler(source="s3")  # type: ignore[arg-type]
