"""payment_gateway's calls to the payment provider: the one client (``shared.payments``), from the environment.

``PAYMENT_API_URL`` and the optional ``PAYMENT_TIMEOUT_SECONDS``, ``PAYMENT_FAILURE_THRESHOLD``,
``PAYMENT_OPEN_SECONDS`` and ``PAYMENT_MAX_OPEN_SECONDS``; the circuit is the one the saga's payment steps use.
"""

from __future__ import annotations

from decimal import Decimal

from shared.payments import PaymentResult, RefundResult, default_client


def charge(order_id: str, amount: Decimal, idempotency_key: str, *, currency: str = "USD") -> PaymentResult:
    """Charge ``amount`` for ``order_id`` (see :class:`shared.payments.PaymentClient`)."""
    return default_client().charge(order_id, amount, idempotency_key, currency=currency)


def refund(payment_id: str, amount: Decimal, idempotency_key: str) -> RefundResult:
    """Refund ``amount`` of ``payment_id``."""
    return default_client().refund(payment_id, amount, idempotency_key)
