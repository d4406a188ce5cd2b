"""Direct-invocation entry point: a bulk job in, how many orders were queued out."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from bulk_dispatcher.dispatch import dispatch, require_complete
from bulk_dispatcher.jobs import parse_job
from bulk_dispatcher.queue import send_batch
from shared.middleware import event_handler
from shared.observability import logger, metrics


@event_handler(source="direct")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    job = parse_job(event)
    result = dispatch(job, send_batch)
    metrics.add_metric(name="BulkOrdersDispatched", unit=MetricUnit.Count, value=result.dispatched)
    logger.info("bulk job dispatched", extra=result.summary() | {"failed": len(result.failed)})
    return require_complete(result).summary()
