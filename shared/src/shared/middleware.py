"""Handler middleware, built on Powertools' ``lambda_handler_decorator``, and the two standard stacks.

Every handler uses one of two stacks, in this order (outermost first)::

    api_handler()                               event_handler(source="sqs" | "eventbridge" | "direct")
      logger.inject_lambda_context(corr. id)      logger.inject_lambda_context(corr. id)
      metrics.log_metrics                         metrics.log_metrics
      tracer.capture_lambda_handler               tracer.capture_lambda_handler
      log_timing                                  log_timing
      <handler> (app.resolve)                     log_errors
                                                  <handler>

Why this order: the logger context is outermost so every line below carries the request and correlation ids;
metrics flush even when the handler raises. On the API path the resolver (:func:`shared.http.make_resolver`)
turns every error into a response and compresses what its routes ask for. On async paths ``log_errors``
records the error's classification and re-raises, so Lambda retries and the DLQ / on-failure destination
receives what finally fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.middleware_factory import lambda_handler_decorator

from shared.errors import classify, is_retryable
from shared.observability import Source, correlation_path, logger, metrics, tracer

__all__ = ["api_handler", "event_handler", "log_errors", "log_timing"]

Handler = Callable[[Any, Any], Any]
H = TypeVar("H", bound=Handler)


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


def api_handler() -> Callable[[H], H]:
    """The full stack for an API Gateway HTTP API (payload 2.0) handler; see the module docstring."""

    def decorate(handler: H) -> H:
        return _observed(log_timing(handler), "api")  # type: ignore[return-value]

    return decorate


def event_handler(*, source: Source) -> Callable[[H], H]:
    """The full stack for an async source (SQS, EventBridge, direct invoke); see the module docstring."""
    correlation_path(source)  # fail at decoration time on an unknown source

    def decorate(handler: H) -> H:
        return _observed(log_timing(log_errors(handler)), source)  # type: ignore[return-value]

    return decorate
