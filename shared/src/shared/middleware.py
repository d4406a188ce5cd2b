"""Handler middleware, built on Powertools' ``lambda_handler_decorator``, and the two standard stacks.

Every handler uses one of two stacks, in this order (outermost first)::

    api_handler()                               event_handler(source="sqs" | "eventbridge" | "direct")
      logger.inject_lambda_context(corr. id)      logger.inject_lambda_context(corr. id)
      metrics.log_metrics                         metrics.log_metrics
      tracer.capture_lambda_handler               tracer.capture_lambda_handler
      log_timing                                  log_timing
      gzip_response(threshold)                    log_errors
      http_errors                                 <handler>
      <handler>

Why this order: the logger context is outermost so every line below carries the request and correlation ids;
metrics flush even when the handler raises; ``http_errors`` sits right on the handler so no exception ever
crosses another middleware on the API path (an API handler never raises); gzip runs on the final response,
error responses included. On async paths ``log_errors`` records the error's classification and re-raises,
so Lambda retries and the DLQ / on-failure destination receives what finally fails.

The building blocks are public for handlers that need a different mix.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from aws_lambda_powertools.middleware_factory import lambda_handler_decorator

from shared.errors import classify, is_retryable
from shared.http import DEFAULT_GZIP_THRESHOLD, compress_response, error_response
from shared.observability import Source, correlation_path, logger, metrics, tracer

__all__ = ["api_handler", "event_handler", "gzip_response", "http_errors", "log_errors", "log_timing"]

Handler = Callable[[Any, Any], Any]
H = TypeVar("H", bound=Handler)


def _request_id(context: Any) -> str:
    return str(getattr(context, "aws_request_id", None) or "unknown")


def _request_headers(event: Any) -> Mapping[str, str] | None:
    if isinstance(event, Mapping):
        headers = event.get("headers")
        if isinstance(headers, Mapping):
            return headers
    return None


@lambda_handler_decorator
def log_timing(handler: Handler, event: Any, context: Any) -> Any:
    """Log the handler's duration (``duration_ms``) and outcome, success or not."""
    started = time.perf_counter()
    outcome = "error"
    try:
        response = handler(event, context)
        outcome = "ok"
        return response
    finally:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        logger.info("handler finished", extra={"duration_ms": duration_ms, "outcome": outcome})


@lambda_handler_decorator
def http_errors(handler: Handler, event: Any, context: Any) -> Any:
    """Turn any exception into a JSON error response (CORS headers are the HTTP API's, never the function's).

    Taxonomy errors keep their status and message; anything else is logged with its traceback and answered
    with a 500 that carries only the request id.
    """
    try:
        response = handler(event, context)
    except Exception as exc:  # noqa: BLE001 - the one place an API error becomes a response
        known = classify(exc)
        if known is None:
            logger.exception("unexpected error")
        elif known.status >= 500:
            logger.warning("request failed", extra={"error_code": known.code, "status": known.status})
        else:
            logger.info("request rejected", extra={"error_code": known.code, "status": known.status})
        response = error_response(exc, request_id=_request_id(context))
    return response


@lambda_handler_decorator
def gzip_response(handler: Handler, event: Any, context: Any, threshold: int = DEFAULT_GZIP_THRESHOLD) -> Any:
    """Gzip + base64 a response body larger than ``threshold`` bytes when the client accepts gzip."""
    response = handler(event, context)
    if isinstance(response, dict) and "statusCode" in response:
        compress_response(response, request_headers=_request_headers(event), threshold=threshold)
    return response


@lambda_handler_decorator
def log_errors(handler: Handler, event: Any, context: Any) -> Any:
    """Log a failing async invocation with its classification, then re-raise it for retry / DLQ."""
    try:
        return handler(event, context)
    except Exception as exc:
        known = classify(exc)
        logger.exception(
            "invocation failed",
            extra={"error_code": known.code if known else "unexpected", "retryable": is_retryable(exc)},
        )
        raise


def _observed(handler: Handler, source: Source) -> Handler:
    decorated = logger.inject_lambda_context(correlation_id_path=correlation_path(source))(
        metrics.log_metrics(tracer.capture_lambda_handler(handler))
    )
    return decorated


def api_handler(*, gzip_threshold: int = DEFAULT_GZIP_THRESHOLD) -> Callable[[H], H]:
    """The full stack for an API Gateway HTTP API (payload 2.0) handler; see the module docstring."""

    def decorate(handler: H) -> H:
        inner = log_timing(gzip_response(http_errors(handler), threshold=gzip_threshold))
        return _observed(inner, "api")  # type: ignore[return-value]

    return decorate


def event_handler(*, source: Source) -> Callable[[H], H]:
    """The full stack for an async source (SQS, EventBridge, direct invoke); see the module docstring."""
    correlation_path(source)  # fail at decoration time on an unknown source

    def decorate(handler: H) -> H:
        return _observed(log_timing(log_errors(handler)), source)  # type: ignore[return-value]

    return decorate
