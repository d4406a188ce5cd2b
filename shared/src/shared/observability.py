"""One Logger, Tracer and Metrics per process, configured by the Powertools environment variables.

``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``,
``POWERTOOLS_LOGGER_SAMPLE_RATE`` and ``POWERTOOLS_TRACE_DISABLED`` are read by Powertools itself; this
module only decides *which* correlation id each event source carries. Building these objects makes no AWS
call (the tracer is inert outside Lambda or when tracing is disabled).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths

__all__ = ["Source", "correlation_path", "logger", "metrics", "set_record_correlation", "tracer"]

Source = Literal["api", "sqs", "eventbridge", "direct"]

logger: Logger = Logger()
tracer: Tracer = Tracer()
metrics: Metrics = Metrics()

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
