"""Order use cases: what the API does, in domain terms, always as one customer (the signed-in user).

Adapters: the orders table (shared.order_store) and EventBridge (events). Another customer's order is
answered exactly like a missing one (404), so order ids do not leak.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict

from orders_api import events
from orders_api.models import CreateOrderRequest, ListOrdersQuery, OrderPage
from orders_api.settings import settings
from shared.errors import ForbiddenError, NotFoundError, ValidationError
from shared.idempotency import LazyIdempotencyConfig, idempotent_record
from shared.observability import logger, metrics
from shared.order_store import OrderTable
from shared.orders import (
    CUSTOMER_TRANSITIONS,
    Key,
    Order,
    OrderStatus,
    customer_partition,
    is_order_id,
)

MAX_IDEMPOTENCY_KEY_LENGTH = 255
CUSTOMER_TARGETS = frozenset(target for targets in CUSTOMER_TRANSITIONS.values() for target in targets)

# A retry with the same Idempotency-Key (and the same body) returns the first order; a different body is a 422.
# The key is the customer's own: another customer reusing it gets their own order, never this one.
IDEMPOTENCY = LazyIdempotencyConfig(  # Powertools idempotency loads on the first keyed POST, not at INIT
    event_key_jmespath="[customer_id, idempotency_key]",
    payload_validation_jmespath="request",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=24 * 60 * 60,
)


def _orders() -> OrderTable:
    return OrderTable(settings().orders_table)


def _require_order_id(order_id: str) -> None:
    # Not an id any entry point could have stored: unknown (and never sent to DynamoDB).
    if not is_order_id(order_id):
        raise NotFoundError(f"order {order_id[:64]} not found")


def create_order(
    request: CreateOrderRequest, *, customer_id: str, idempotency_key: str | None = None, lambda_context: Any = None
) -> Order:
    """Store a PENDING order for ``customer_id`` and announce it; with a key, a retry returns the first result."""
    if request.customer_id is not None and request.customer_id != customer_id:
        raise ForbiddenError(
            "orders are placed for the signed-in user only", details={"fields": {"body.customer_id": "not you"}}
        )
    if idempotency_key is None:
        return _create(request, customer_id)
    if not idempotency_key.strip() or len(idempotency_key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValidationError(
            fields={"headers.idempotency-key": f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} visible characters"}
        )
    if lambda_context is not None:
        IDEMPOTENCY.register_lambda_context(lambda_context)  # an in-flight key expires with this invocation
    request = request.model_copy(update={"customer_id": None})  # the key remembers the lines, not who was named
    keyed = KeyedOrderRequest(customer_id=customer_id, idempotency_key=idempotency_key, request=request)
    return Order.model_validate(_create_once(record=keyed))


class KeyedOrderRequest(BaseModel):
    """What a keyed POST is remembered by: the customer's own key, and the lines it asked for."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    customer_id: str
    idempotency_key: str
    request: CreateOrderRequest


@idempotent_record(IDEMPOTENCY)  # Powertools idempotent_function; it reads the model's fields for key and payload
def _create_once(*, record: KeyedOrderRequest) -> dict[str, Any]:
    return _create(record.request, record.customer_id).model_dump(mode="json")


def _create(request: CreateOrderRequest, customer_id: str) -> Order:
    order = Order.new(order_id=str(uuid.uuid4()), customer_id=customer_id, items=request.items, source="api")
    orders = _orders()
    orders.insert(order)  # a fresh uuid4: no collision to handle
    try:
        events.publish_order_created(order)
    except Exception:
        # No order may exist without its OrderCreated (the saga would never start): undo, then report the failure.
        orders.remove_new(order.order_id)
        raise
    logger.info("order created", extra={"order_id": order.order_id, "total": order.total})
    metrics.add_metric(name="OrdersCreated", unit=MetricUnit.Count, value=1)
    return order


def get_order(order_id: str, *, customer_id: str) -> Order:
    _require_order_id(order_id)
    order = _orders().load(order_id, customer_id=customer_id)
    if order is None:
        raise NotFoundError(f"order {order_id} not found")
    return order


def delete_order(order_id: str, *, customer_id: str) -> None:
    _require_order_id(order_id)
    _orders().delete(order_id, customer_id=customer_id)
    logger.info("order deleted", extra={"order_id": order_id})


def change_status(order_id: str, target: OrderStatus, *, customer_id: str) -> Order:
    """A customer's status change: only cancelling, only before payment (shared.orders.CUSTOMER_TRANSITIONS)."""
    _require_order_id(order_id)
    if target not in CUSTOMER_TARGETS:
        allowed = ", ".join(sorted(CUSTOMER_TARGETS))
        raise ForbiddenError(
            f"customers may only set the status to {allowed}; {target} is set by the order process",
            details={"fields": {"body.status": f"must be {allowed}"}},
        )
    order = _orders().change_status(order_id, target, transitions=CUSTOMER_TRANSITIONS, customer_id=customer_id)
    logger.info("order status changed", extra={"order_id": order_id, "status": target.value})
    return order


def list_orders(query: ListOrdersQuery, *, customer_id: str) -> OrderPage:
    """The customer's orders, newest first, optionally of one status."""
    start_key = decode_cursor(query.cursor, status=query.status, customer_id=customer_id) if query.cursor else None
    orders, last_key = _orders().page_for_customer(
        customer_id, limit=query.limit, start_key=start_key, status=query.status
    )
    next_cursor = encode_cursor(last_key, status=query.status) if last_key else None
    return OrderPage(items=orders, count=len(orders), next_cursor=next_cursor)


# The cursor is DynamoDB's LastEvaluatedKey plus the filter it belongs to, as URL-safe base64 JSON: opaque to
# clients, checked on the way back in (only our key attributes, only strings, only this customer and filter).
_CURSOR_KEYS = frozenset({"pk", "sk", "gsi2pk", "gsi2sk"})


def encode_cursor(key: Key, *, status: OrderStatus | None) -> str:
    payload = json.dumps({"k": key, "s": status.value if status else None}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, status: OrderStatus | None, customer_id: str) -> Key:
    invalid = ValidationError(fields={"query.cursor": "not a cursor returned by this API for this query"})
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, RecursionError):  # ValueError covers JSON and UTF-8 decoding errors
        raise invalid from None
    if not isinstance(payload, dict) or set(payload) != {"k", "s"}:
        raise invalid
    key, cursor_status = payload["k"], payload["s"]
    if cursor_status != (status.value if status else None) or not isinstance(key, dict) or set(key) != _CURSOR_KEYS:
        raise invalid
    if not all(isinstance(value, str) and 0 < len(value) <= 256 for value in key.values()):
        raise invalid
    if key["gsi2pk"] != customer_partition(customer_id):
        raise invalid
    return key
