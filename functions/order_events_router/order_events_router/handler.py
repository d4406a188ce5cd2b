"""EventBridge entry point: parse the envelope, route by detail-type, report what was done."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from order_events_router.events import parse_envelope
from order_events_router.routing import route
from shared.middleware import event_handler
from shared.observability import logger


@event_handler(source="eventbridge")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    routed = route(parse_envelope(event))
    logger.info("event routed", extra=routed.model_dump())
    return routed.model_dump()
