"""SQS entry point: one order per record; a record that fails is reported alone (batchItemFailures)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from bulk_worker.messages import parse_message
from bulk_worker.orders import write_order
from shared.batch import DeadlineBatchProcessor
from shared.errors import classify
from shared.middleware import event_handler
from shared.observability import logger, metrics, set_record_correlation

# Records it cannot start before the deadline are reported for redelivery, so a slow batch never times out whole.
processor = DeadlineBatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    set_record_correlation(record.raw_event)
    try:
        message = parse_message(record.body)
        outcome = write_order(message)
    except Exception as exc:
        known = classify(exc)
        logger.warning("bulk order failed", extra={"error": str(exc), "error_code": known.code if known else None})
        metrics.add_metric(name="BulkOrderFailed", unit=MetricUnit.Count, value=1)
        raise  # → batchItemFailures: redelivered, then moved to the DLQ after maxReceiveCount
    logger.info("bulk order stored", extra={"job_id": message.job_id, "index": message.index, "outcome": outcome})
    metrics.add_metric(name="BulkOrderWritten", unit=MetricUnit.Count, value=1)
    return outcome


@event_handler(source="sqs")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
