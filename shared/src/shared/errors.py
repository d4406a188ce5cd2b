"""The error taxonomy: raise where the fact is known, translate to HTTP or retry semantics in one place.

Every error carries three class attributes: ``status`` (HTTP status for APIs), ``code`` (stable machine
name in the JSON body) and ``retryable`` (whether an async source should try the same input again).
Anything that is not an :class:`AppError` (and cannot be classified) is *unexpected*: APIs answer 500 with
the request id and no internals; async sources retry it and let the DLQ/destination keep it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import pydantic
from botocore.exceptions import ClientError

__all__ = [
    "AppError",
    "ConflictError",
    "ForbiddenError",
    "MethodNotAllowedError",
    "NonRetryableError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RetryableError",
    "ServiceUnavailableError",
    "ThrottleError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "ValidationError",
    "classify",
    "error_body",
    "is_retryable",
]

INTERNAL_MESSAGE = "internal error"

# botocore error codes that mean "slow down"; the SDK's own retries already ran when we see them.
_THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "SlowDown",
        "RequestThrottled",
    }
)


class AppError(Exception):
    """Base of the taxonomy. Its message is safe to show to a client."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def headers(self) -> dict[str, str]:
        """Extra HTTP headers this error implies (``Retry-After``, ``Allow``)."""
        return {}


class NonRetryableError(AppError):
    """Permanent failure: the same input will fail again, so async sources must not retry it."""

    status = 422
    code = "unprocessable"


class RetryableError(AppError):
    """Transient failure: the same input may succeed later."""

    status = 503
    code = "retryable"
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        if self.retry_after is None:
            return {}
        return {"Retry-After": str(max(1, round(self.retry_after)))}


class ValidationError(NonRetryableError):
    """Bad input; ``fields`` maps each offending field (dotted path) to what is wrong with it."""

    status = 400
    code = "validation_error"

    def __init__(self, message: str | None = None, *, fields: Mapping[str, str] | None = None) -> None:
        self.fields: dict[str, str] = dict(fields or {})
        if message is None:
            message = "invalid " + ", ".join(self.fields) if self.fields else "invalid request"
        super().__init__(message, details={"fields": self.fields} if self.fields else None)

    @classmethod
    def from_pydantic(cls, exc: pydantic.ValidationError, *, prefix: str = "") -> ValidationError:
        """One field entry per pydantic error, e.g. ``{"body.items.0.qty": "Input should be greater than 0"}``."""
        fields: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            path = ".".join(str(part) for part in (prefix, *error["loc"]) if part != "")
            fields.setdefault(path or "body", error["msg"])
        return cls(fields=fields)


class UnauthorizedError(NonRetryableError):
    status = 401
    code = "unauthorized"


class ForbiddenError(NonRetryableError):
    status = 403
    code = "forbidden"


class NotFoundError(NonRetryableError):
    status = 404
    code = "not_found"


class MethodNotAllowedError(NonRetryableError):
    status = 405
    code = "method_not_allowed"

    def __init__(self, message: str, *, allowed: Sequence[str]) -> None:
        super().__init__(message, details={"allowed": list(allowed)})
        self.allowed = tuple(allowed)

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class ConflictError(NonRetryableError):
    status = 409
    code = "conflict"


class PayloadTooLargeError(NonRetryableError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaTypeError(NonRetryableError):
    status = 415
    code = "unsupported_media_type"


class ThrottleError(RetryableError):
    status = 429
    code = "throttled"


class ServiceUnavailableError(RetryableError):
    status = 503
    code = "service_unavailable"


def classify(exc: BaseException) -> AppError | None:
    """The taxonomy error ``exc`` stands for, or None when it is unexpected (a bug or an unknown failure)."""
    if isinstance(exc, AppError):
        return exc
    if isinstance(exc, pydantic.ValidationError):
        return ValidationError.from_pydantic(exc)
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _THROTTLE_CODES:
            return ThrottleError(f"downstream throttled ({code})")
        if code == "ConditionalCheckFailedException":
            return ConflictError("the item changed or already exists")
    return None


def is_retryable(exc: BaseException) -> bool:
    """Whether an async source should retry: taxonomy errors say so; unexpected errors are retried."""
    known = classify(exc)
    return True if known is None else known.retryable


def error_body(exc: BaseException, *, request_id: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    """HTTP status, JSON body and headers for ``exc``; unexpected errors reveal nothing but the request id."""
    known = classify(exc)
    if known is None:
        return 500, {"error": {"code": AppError.code, "message": INTERNAL_MESSAGE, "request_id": request_id}}, {}
    error: dict[str, Any] = {"code": known.code, "message": known.message}
    if known.details:
        error["details"] = known.details
    error["request_id"] = request_id
    return known.status, {"error": error}, known.headers()
