"""EventBridge adapter: the OrderCreated event other services react to (the order saga starts on it)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from orders_api.models import Order
from orders_api.settings import settings
from shared import aws
from shared.errors import ServiceUnavailableError
from shared.http import json_dumps
from shared.observability import logger

SOURCE = "orders.api"
ORDER_CREATED = "OrderCreated"


def order_created_detail(order: Order) -> dict[str, object]:
    return {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "status": order.status.value,
        "items": [line.model_dump(mode="json") for line in order.items],
        "total": order.total,
        "created_at": order.created_at,
    }


def publish_order_created(order: Order) -> None:
    """Put one OrderCreated on the bus; a failure becomes a 503 (the caller undoes the order)."""
    entry = {
        "Source": SOURCE,
        "DetailType": ORDER_CREATED,
        "Detail": json_dumps(order_created_detail(order)),
        "EventBusName": settings().event_bus_name,
    }
    try:
        response = aws.events().put_events(Entries=[entry])  # type: ignore[list-item]
    except (ClientError, BotoCoreError) as exc:
        logger.warning("OrderCreated not published", extra={"order_id": order.order_id, "error": str(exc)})
        raise ServiceUnavailableError("order events are unavailable; try again", retry_after=1) from exc
    if response.get("FailedEntryCount"):
        failure = response["Entries"][0]
        logger.warning("OrderCreated rejected", extra={"order_id": order.order_id, "error": failure})
        raise ServiceUnavailableError("order events are unavailable; try again", retry_after=1)
