"""SQS entry point: each record is parsed, applied once per message id, and fails alone (batchItemFailures).

Records not started before the invocation runs out of time are reported failed too (``DeadlineBatchProcessor``),
so a slow batch returns what it finished instead of timing out whole.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from order_worker.orders import apply_message
from shared.batch import DeadlineBatchProcessor
from shared.contracts import OrderCancelled, OrderPlaced, parse_order_message
from shared.errors import classify
from shared.idempotency import idempotent_record, sqs_config
from shared.middleware import event_handler
from shared.observability import logger, metrics, set_record_correlation

# An all-failed batch is reported record by record like any other, instead of failing the invocation.
processor = DeadlineBatchProcessor(event_type=EventType.SQS)
config = sqs_config()
CHANGED = frozenset({"placed", "cancelled"})  # outcomes that changed the orders table


@idempotent_record(config)
def apply_once(*, record: dict[str, Any], message: OrderPlaced | OrderCancelled) -> str:
    # Counted here, not in record_handler: a redelivered message id returns the stored outcome without running
    # this body, and only work actually done may count as applied.
    outcome = apply_message(message)
    changed = outcome in CHANGED
    metrics.add_metric(
        name="OrderMessageApplied" if changed else "OrderMessageDuplicate", unit=MetricUnit.Count, value=1
    )
    logger.info(
        "order message applied" if changed else "order message changed nothing",
        extra={"message_type": message.type, "order_id": message.order_id, "outcome": outcome},
    )
    return outcome


def record_handler(record: SQSRecord) -> str:
    set_record_correlation(record.raw_event)
    try:
        message = parse_order_message(record.body)
        return apply_once(record=record.raw_event, message=message)
    except Exception as exc:
        known = classify(exc)
        logger.warning("order message failed", extra={"error": str(exc), "error_code": known.code if known else None})
        metrics.add_metric(name="OrderMessageFailed", unit=MetricUnit.Count, value=1)
        raise  # → batchItemFailures: SQS redelivers it, then moves it to the DLQ after maxReceiveCount


@event_handler(source="sqs")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    config.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
