"""One Logger, Tracer and Metrics per process, configured by the Powertools environment variables.

``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``,
``POWERTOOLS_LOGGER_SAMPLE_RATE`` and ``POWERTOOLS_TRACE_DISABLED`` are read by Powertools itself; this
module only decides *which* correlation id each event source carries. Building these objects makes no AWS
call.

The tracer costs nothing when tracing is off: Powertools' ``Tracer()`` imports the X-Ray SDK (and patches
botocore) even when ``POWERTOOLS_TRACE_DISABLED`` is set, ~0.1-0.4 s of every cold start. ``tracer`` is
therefore a stand-in that builds the real Tracer on first use only when tracing is on (in Lambda, not
disabled, not SAM/Chalice local: Powertools' own rule), and otherwise leaves handlers and methods untouched.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

from shared import snapstart

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

__all__ = ["Source", "correlation_path", "logger", "metrics", "set_record_correlation", "tracer", "tracing_enabled"]

Source = Literal["api", "sqs", "eventbridge", "direct"]
F = TypeVar("F", bound=Callable[..., Any])

_TRUTHY = {"1", "true", "yes", "on", "y", "t"}


def tracing_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Powertools' rule: on in Lambda (``LAMBDA_TASK_ROOT``) unless disabled or in SAM/Chalice local."""
    env = os.environ if environ is None else environ
    if env.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in _TRUTHY:
        return False
    if env.get("AWS_SAM_LOCAL") or env.get("AWS_CHALICE_CLI_MODE"):
        return False
    return bool(env.get("LAMBDA_TASK_ROOT"))


class LazyTracer:
    """The process's tracer: the Powertools Tracer when tracing is on (built on first use), else a no-op.

    Decorators return the function itself when tracing is off, so a traced handler costs nothing then.
    """

    def __init__(self) -> None:
        self._tracer: Tracer | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return tracing_enabled()

    def real(self) -> Tracer:
        """The Powertools Tracer (imports the X-Ray SDK); built once."""
        if self._tracer is None:
            with self._lock:
                if self._tracer is None:
                    from aws_lambda_powertools import Tracer

                    self._tracer = Tracer()
        return self._tracer

    def capture_lambda_handler(self, handler: F | None = None, **kwargs: Any) -> Any:
        if handler is None:
            return functools.partial(self.capture_lambda_handler, **kwargs)
        return self.real().capture_lambda_handler(handler, **kwargs) if self.enabled else handler

    def capture_method(self, method: F | None = None, **kwargs: Any) -> Any:
        if method is None:
            return functools.partial(self.capture_method, **kwargs)
        return self.real().capture_method(method, **kwargs) if self.enabled else method

    def put_annotation(self, key: str, value: Any) -> None:
        if self.enabled:
            self.real().put_annotation(key, value)

    def put_metadata(self, key: str, value: Any, namespace: str | None = None) -> None:
        if self.enabled:
            self.real().put_metadata(key, value, namespace)


logger: Logger = Logger()
tracer: LazyTracer = LazyTracer()
metrics: Metrics = Metrics()

snapstart.install()  # SnapStart hooks for every handler on the shared middleware (a no-op outside Lambda)

# JMESPath into the event for the invocation's correlation id. An SQS batch has one id per record (see
# set_record_correlation); the first message id ties the invocation's own log lines to the batch.
_CORRELATION_PATHS: dict[str, str | None] = {
    "api": correlation_paths.API_GATEWAY_HTTP,
    "sqs": "Records[0].messageId",
    "eventbridge": correlation_paths.EVENT_BRIDGE,
    "direct": None,
}


def correlation_path(source: Source) -> str | None:
    """The JMESPath of the correlation id for ``source`` (None: the event carries none)."""
    try:
        return _CORRELATION_PATHS[source]
    except KeyError:
        raise ValueError(f"unknown event source {source!r}; expected one of {sorted(_CORRELATION_PATHS)}") from None


def set_record_correlation(record: Mapping[str, Any]) -> str:
    """Use one SQS record's correlation id for the following log lines and return it.

    A producer's ``correlation_id`` message attribute wins (it follows the order across services);
    otherwise the record's ``messageId``.
    """
    attribute = record.get("messageAttributes", {}).get("correlation_id", {})
    correlation_id = str(attribute.get("stringValue") or record["messageId"])
    logger.set_correlation_id(correlation_id)
    logger.append_keys(message_id=record["messageId"])
    return correlation_id
