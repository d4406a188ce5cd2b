"""Order use cases: what the API does, in domain terms. Adapters: store (DynamoDB), events (EventBridge)."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

from orders_api import events, store
from orders_api.models import CreateOrderRequest, ListOrdersQuery, Order, OrderPage, OrderStatus
from shared.errors import NotFoundError, ValidationError
from shared.idempotency import idempotent_record
from shared.observability import logger, metrics

MAX_IDEMPOTENCY_KEY_LENGTH = 255

# A retry with the same Idempotency-Key (and the same body) returns the first order; a different body is a 422.
IDEMPOTENCY = IdempotencyConfig(
    event_key_jmespath="idempotency_key",
    payload_validation_jmespath="request",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=24 * 60 * 60,
)


def utc_now() -> str:
    """ISO 8601 UTC with milliseconds, fixed width, so it sorts as text (gsi1sk)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _is_order_id(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _require_order_id(order_id: str) -> None:
    # Ids are UUIDs we issued; anything else is an unknown order (and never reaches DynamoDB).
    if not _is_order_id(order_id):
        raise NotFoundError(f"order {order_id[:64]} not found")


def create_order(request: CreateOrderRequest, *, idempotency_key: str | None = None) -> Order:
    """Store a PENDING order and announce it; with a key, a retry returns the first result instead."""
    if idempotency_key is None:
        return _create(request)
    if not idempotency_key.strip() or len(idempotency_key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValidationError(
            fields={"headers.idempotency-key": f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} visible characters"}
        )
    first = _create_once(record={"idempotency_key": idempotency_key, "request": request.model_dump(mode="json")})
    return Order.model_validate(first)


@idempotent_record(IDEMPOTENCY)
def _create_once(*, record: dict[str, Any]) -> dict[str, Any]:
    return _create(CreateOrderRequest.model_validate(record["request"])).model_dump(mode="json")


def _create(request: CreateOrderRequest) -> Order:
    now = utc_now()
    order = Order(
        order_id=str(uuid.uuid4()),
        customer_id=request.customer_id,
        status=OrderStatus.PENDING,
        items=request.items,
        total=request.total,
        created_at=now,
        updated_at=now,
    )
    store.insert(order)
    _publish_or_undo(order, events.publish_order_created)
    logger.info("order created", extra={"order_id": order.order_id, "total": order.total})
    metrics.add_metric(name="OrdersCreated", unit=MetricUnit.Count, value=1)
    return order


def _publish_or_undo(order: Order, publish: Callable[[Order], None]) -> None:
    # No order may exist without its OrderCreated (the saga would never start): undo, then report the failure.
    try:
        publish(order)
    except Exception:
        store.remove_new(order.order_id)
        raise


def get_order(order_id: str) -> Order:
    _require_order_id(order_id)
    order = store.load(order_id)
    if order is None:
        raise NotFoundError(f"order {order_id} not found")
    return order


def delete_order(order_id: str) -> None:
    _require_order_id(order_id)
    store.delete_unless_shipped(order_id)
    logger.info("order deleted", extra={"order_id": order_id})


def change_status(order_id: str, target: OrderStatus) -> Order:
    _require_order_id(order_id)
    order = store.change_status(order_id, target, now=utc_now())
    logger.info("order status changed", extra={"order_id": order_id, "status": target.value})
    return order


def list_orders(query: ListOrdersQuery) -> OrderPage:
    start_key = decode_cursor(query.cursor, status=query.status) if query.cursor else None
    orders, last_key = store.page(limit=query.limit, start_key=start_key, status=query.status)
    next_cursor = encode_cursor(last_key, status=query.status) if last_key else None
    return OrderPage(items=orders, count=len(orders), next_cursor=next_cursor)


# The cursor is DynamoDB's LastEvaluatedKey plus the filter it belongs to, as URL-safe base64 JSON: opaque to
# clients, checked on the way back in (only our key attributes, only strings, only for the same filter).
_TABLE_KEYS = frozenset({"pk", "sk"})
_INDEX_KEYS = frozenset({"pk", "sk", "gsi1pk", "gsi1sk"})


def encode_cursor(key: store.Key, *, status: OrderStatus | None) -> str:
    payload = json.dumps({"k": key, "s": status.value if status else None}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, status: OrderStatus | None) -> store.Key:
    invalid = ValidationError(fields={"query.cursor": "not a cursor returned by this API for this query"})
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise invalid from None
    if not isinstance(payload, dict) or set(payload) != {"k", "s"}:
        raise invalid
    key, cursor_status = payload["k"], payload["s"]
    expected = _INDEX_KEYS if status else _TABLE_KEYS
    if cursor_status != (status.value if status else None) or not isinstance(key, dict) or set(key) != expected:
        raise invalid
    if not all(isinstance(value, str) and 0 < len(value) <= 256 for value in key.values()):
        raise invalid
    if status and key["gsi1pk"] != f"STATUS#{status}":
        raise invalid
    return key
