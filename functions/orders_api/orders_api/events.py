"""EventBridge adapter: the OrderCreated event other services react to (the order saga starts on it)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from orders_api.settings import settings
from shared import aws
from shared.contracts import OrderCreated
from shared.errors import ServiceUnavailableError
from shared.observability import logger
from shared.orders import Order

SOURCE = "orders.api"
ORDER_CREATED = "OrderCreated"


def publish_order_created(order: Order) -> None:
    """Put one OrderCreated (shared.contracts) on the bus; a failure becomes a 503 (the caller undoes the order)."""
    entry = {
        "Source": SOURCE,
        "DetailType": ORDER_CREATED,
        "Detail": OrderCreated.of(order).model_dump_json(),
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
