"""Entry point: the payment API (API Gateway HTTP API, payload 2.0), for services only.

Customers never call it: the order saga charges an order's own total and refunds it (through the same provider
contract, see README). The HTTP route is for back-office services whose token carries the ``orders/payments``
scope (a Cognito app client with the client-credentials grant); any other signed-in caller gets 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from payment_gateway import client
from payment_gateway.api_models import ChargeRequest, RefundRequest, check_idempotency_key, check_payment_id
from shared.http import make_resolver
from shared.identity import require_scope
from shared.middleware import api_handler
from shared.observability import logger

MAX_BODY_BYTES = 4096
PAYMENTS_SCOPE = "orders/payments"


def _service_caller(event: Mapping[str, Any]) -> str:
    """The calling service (its token's sub): 401 without a caller, 403 without the payments scope."""
    return require_scope(event, PAYMENTS_SCOPE, why="payments and refunds are made by services, not customers")


app = make_resolver(max_body_bytes=MAX_BODY_BYTES, authorize=_service_caller)


def _idempotency_key(default: str) -> str:
    """The client's ``Idempotency-Key``, or one derived from the request so a plain retry is still safe."""
    key = app.current_event.headers.get("idempotency-key")
    return default if key is None else check_idempotency_key(key)


@app.post("/payments", status_code=201)
def create_payment(request: ChargeRequest) -> tuple[dict[str, Any], int]:
    caller = _service_caller(app.current_event.raw_event)
    key = _idempotency_key(f"charge:{request.order_id}")
    result = client.charge(request.order_id, request.money, key, currency=request.currency)
    logger.info(
        "payment charged", extra={"order_id": result.order_id, "payment_id": result.payment_id, "caller": caller}
    )
    return asdict(result), 201


@app.post("/payments/<payment_id>/refunds", status_code=201)
def create_refund(payment_id: str, request: RefundRequest) -> tuple[dict[str, Any], int]:
    caller = _service_caller(app.current_event.raw_event)
    payment_id = check_payment_id(payment_id)
    key = _idempotency_key(f"refund:{payment_id}:{request.amount}")
    result = client.refund(payment_id, request.money, key)
    logger.info("payment refunded", extra={"payment_id": payment_id, "refund_id": result.refund_id, "caller": caller})
    return asdict(result), 201


@api_handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
