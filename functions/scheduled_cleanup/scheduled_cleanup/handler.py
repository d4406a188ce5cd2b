"""EventBridge schedule entry point: clean up abandoned orders as of the schedule's time."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError as PydanticValidationError

from scheduled_cleanup.cleanup import clean_abandoned
from scheduled_cleanup.settings import settings
from shared.errors import ValidationError
from shared.middleware import event_handler
from shared.observability import logger, metrics


@event_handler(source="eventbridge")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    try:
        scheduled = EventBridgeModel.model_validate(event)
    except PydanticValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix="event") from None
    report = clean_abandoned(
        now=scheduled.time,
        abandoned_after_hours=settings().abandoned_after_hours,
        remaining_ms=context.get_remaining_time_in_millis,
    )
    metrics.add_metric(name="AbandonedOrdersArchived", unit=MetricUnit.Count, value=report.archived)
    logger.info("cleanup finished", extra=report.as_dict())
    return report.as_dict()
