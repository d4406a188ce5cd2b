from __future__ import annotations

import pydantic
import pytest
from botocore.exceptions import ClientError

from shared.errors import (
    AppError,
    ConflictError,
    ForbiddenError,
    MethodNotAllowedError,
    NonRetryableError,
    NotFoundError,
    PayloadTooLargeError,
    RetryableError,
    ServiceUnavailableError,
    ThrottleError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
    ValidationError,
    classify,
    error_body,
    is_retryable,
)


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "boom"}}, "PutItem")


@pytest.mark.parametrize(
    ("error", "status", "retryable"),
    [
        (NonRetryableError("permanent"), 422, False),
        (ValidationError(fields={"qty": "must be > 0"}), 400, False),
        (UnauthorizedError("who are you"), 401, False),
        (ForbiddenError("not yours"), 403, False),
        (NotFoundError("no order o-1"), 404, False),
        (MethodNotAllowedError("use GET", allowed=["GET"]), 405, False),
        (ConflictError("exists"), 409, False),
        (PayloadTooLargeError("too big"), 413, False),
        (UnsupportedMediaTypeError("xml"), 415, False),
        (ThrottleError("slow down"), 429, True),
        (RetryableError("try later"), 503, True),
        (ServiceUnavailableError("circuit open"), 503, True),
    ],
)
def test_each_error_maps_to_its_http_status_and_retry_decision(error: AppError, status: int, retryable: bool) -> None:
    # When
    got_status, body, _ = error_body(error, request_id="r-1")
    # Then
    assert got_status == status
    assert is_retryable(error) is retryable
    assert body["error"]["message"] == error.message


def test_validation_error_names_every_field_in_message_and_details() -> None:
    error = ValidationError(fields={"body.qty": "must be > 0", "body.sku": "required"})
    assert error.message == "invalid body.qty, body.sku"
    _, body, _ = error_body(error, request_id="r-1")
    assert body["error"]["details"] == {"fields": {"body.qty": "must be > 0", "body.sku": "required"}}
    assert body["error"]["code"] == "validation_error"


def test_validation_error_from_pydantic_keeps_the_field_path() -> None:
    class Line(pydantic.BaseModel):
        qty: int = pydantic.Field(gt=0)

    class Order(pydantic.BaseModel):
        lines: list[Line]
        customer: str

    # Given a payload with a bad nested field and a missing one
    with pytest.raises(pydantic.ValidationError) as caught:
        Order.model_validate({"lines": [{"qty": 0}]})
    # When
    error = ValidationError.from_pydantic(caught.value, prefix="body")
    # Then
    assert set(error.fields) == {"body.lines.0.qty", "body.customer"}
    assert "greater than 0" in error.fields["body.lines.0.qty"]


def test_unexpected_error_becomes_500_with_request_id_and_no_internals() -> None:
    # Given an error whose text must never reach a client
    error = RuntimeError("password=hunter2 at /var/task/orders/db.py")
    # When
    status, body, headers = error_body(error, request_id="req-42")
    # Then
    assert status == 500
    assert body == {"error": {"code": "internal_error", "message": "internal error", "request_id": "req-42"}}
    assert headers == {}


def test_throttle_and_unavailable_errors_carry_retry_after() -> None:
    assert ThrottleError("slow", retry_after=2.4).headers() == {"Retry-After": "2"}
    assert ServiceUnavailableError("down", retry_after=0.2).headers() == {"Retry-After": "1"}
    assert RetryableError("later").headers() == {}


def test_method_not_allowed_lists_allowed_methods() -> None:
    _, body, headers = error_body(MethodNotAllowedError("no", allowed=["GET", "POST"]), request_id="r")
    assert headers == {"Allow": "GET, POST"}
    assert body["error"]["details"] == {"allowed": ["GET", "POST"]}


@pytest.mark.parametrize("code", ["ThrottlingException", "ProvisionedThroughputExceededException", "SlowDown"])
def test_aws_throttling_is_classified_as_retryable_throttle(code: str) -> None:
    known = classify(client_error(code))
    assert isinstance(known, ThrottleError)
    assert is_retryable(client_error(code)) is True


def test_lost_conditional_write_is_a_conflict() -> None:
    known = classify(client_error("ConditionalCheckFailedException"))
    assert isinstance(known, ConflictError)
    assert known.status == 409


def test_pydantic_error_is_classified_as_validation() -> None:
    class Model(pydantic.BaseModel):
        qty: int

    with pytest.raises(pydantic.ValidationError) as caught:
        Model.model_validate({"qty": "many"})
    known = classify(caught.value)
    assert isinstance(known, ValidationError)
    assert list(known.fields) == ["qty"]


def test_unknown_errors_are_unclassified_and_retried_by_async_sources() -> None:
    assert classify(KeyError("x")) is None
    assert classify(client_error("AccessDeniedException")) is None
    assert is_retryable(KeyError("x")) is True
