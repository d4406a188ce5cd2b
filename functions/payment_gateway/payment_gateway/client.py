"""A small client for the external payment HTTP API, every call guarded by the shared circuit breaker.

The provider's contract (what ``PAYMENT_API_URL`` serves)::

    POST /charges  {"order_id", "amount": "12.50", "currency": "USD"}  + Idempotency-Key  → 201 {"payment_id", "status"}
    POST /refunds  {"payment_id", "amount": "12.50"}                   + Idempotency-Key  → 201 {"refund_id", "status"}
    402 {"error": {"code", "message"}} when the payment is declined; other 4xx for bad requests; 5xx when down.

Outages (unreachable, timeout, 5xx, 429, unreadable answer) are retryable and count towards opening the
circuit; a decline or a rejected request is the provider answering, so it does not. While the circuit is
open, calls raise ``CircuitOpenError`` (HTTP 503 with Retry-After) without touching the network.

Every call carries an ``Idempotency-Key``: the provider answers a repeated key with the first result, so a
retry after a timeout cannot charge twice.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import field_validator

from shared.circuit_breaker import CircuitBreaker
from shared.errors import NonRetryableError, RetryableError, ThrottleError
from shared.settings import EnvSettings, load_settings

__all__ = [
    "BREAKER_NAME",
    "PaymentApiError",
    "PaymentClient",
    "PaymentDeclinedError",
    "PaymentRejectedError",
    "PaymentResult",
    "PaymentSettings",
    "RefundResult",
    "charge",
    "default_client",
    "refund",
]

BREAKER_NAME = "payment-api"  # anything else calling the payment API should use this name to share the circuit


class PaymentSettings(EnvSettings):
    payment_api_url: str
    payment_timeout_seconds: float = 3.0  # well under the function timeout, so a hung provider is an outage
    payment_failure_threshold: int = 5
    payment_open_seconds: float = 5.0
    payment_max_open_seconds: float = 300.0

    @field_validator("payment_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")


class PaymentApiError(RetryableError):
    """The payment API is down, slow or answered garbage: retry later (counts as a circuit failure)."""

    code = "payment_unavailable"


class PaymentDeclinedError(NonRetryableError):
    """The provider declined the payment (HTTP 402)."""

    status = 402
    code = "payment_declined"


class PaymentRejectedError(NonRetryableError):
    """The provider refused the request itself (another 4xx): retrying the same request cannot help."""

    code = "payment_rejected"


@dataclass(frozen=True)
class PaymentResult:
    payment_id: str
    status: str
    order_id: str
    amount: str
    currency: str


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: str
    payment_id: str
    amount: str


_DELTA_SECONDS = re.compile(r"[0-9]{1,9}")


def _provider_message(body: bytes) -> str:
    try:
        error = json.loads(body).get("error", {})
        return str(error.get("message") or error.get("code") or "no reason given")
    except (ValueError, AttributeError, RecursionError):
        return "no reason given"


class PaymentClient:
    """Calls to one payment API through one circuit breaker."""

    def __init__(self, base_url: str, *, breaker: CircuitBreaker, timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.breaker = breaker
        self.timeout = timeout

    def charge(self, order_id: str, amount: Decimal, idempotency_key: str, *, currency: str = "USD") -> PaymentResult:
        body = {"order_id": order_id, "amount": f"{amount:.2f}", "currency": currency}
        answer = self.breaker.call(self._post, "/charges", body, idempotency_key)
        return PaymentResult(
            payment_id=str(answer["payment_id"]),
            status=str(answer.get("status", "succeeded")),
            order_id=order_id,
            amount=body["amount"],
            currency=currency,
        )

    def refund(self, payment_id: str, amount: Decimal, idempotency_key: str) -> RefundResult:
        body = {"payment_id": payment_id, "amount": f"{amount:.2f}"}
        answer = self.breaker.call(self._post, "/refunds", body, idempotency_key)
        return RefundResult(
            refund_id=str(answer["refund_id"]),
            status=str(answer.get("status", "succeeded")),
            payment_id=payment_id,
            amount=body["amount"],
        )

    def _post(self, path: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Idempotency-Key": idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc.code, exc.read(), exc.headers.get("Retry-After")) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise PaymentApiError(f"payment API unreachable: {reason}") from None
        try:
            answer = json.loads(raw)
        except (ValueError, RecursionError):
            raise PaymentApiError("payment API answered with a body that is not JSON") from None
        if not isinstance(answer, dict):
            raise PaymentApiError("payment API answered with JSON that is not an object")
        return answer

    @staticmethod
    def _http_error(status: int, body: bytes, retry_after: str | None) -> Exception:
        message = _provider_message(body)
        if status == 402:
            return PaymentDeclinedError(f"payment declined: {message}")
        if status == 429:
            # ASCII delta-seconds only: str.isdigit() also passes "²" and "١", which float() then refuses.
            seconds = float(retry_after) if retry_after and _DELTA_SECONDS.fullmatch(retry_after) else None
            return ThrottleError("payment API is throttling requests", retry_after=seconds)
        if 400 <= status < 500:
            return PaymentRejectedError(f"payment API rejected the request ({status}): {message}")
        return PaymentApiError(f"payment API failed ({status})")


_lock = threading.Lock()
_default: tuple[PaymentSettings, PaymentClient] | None = None


def default_client() -> PaymentClient:
    """The client configured from the environment, built on first use and reused while settings are unchanged."""
    global _default
    settings = load_settings(PaymentSettings)
    with _lock:
        if _default is None or _default[0] is not settings:
            breaker = CircuitBreaker(
                BREAKER_NAME,
                failure_threshold=settings.payment_failure_threshold,
                base_open_seconds=settings.payment_open_seconds,
                max_open_seconds=settings.payment_max_open_seconds,
            )
            client = PaymentClient(settings.payment_api_url, breaker=breaker, timeout=settings.payment_timeout_seconds)
            _default = (settings, client)
        return _default[1]


def charge(order_id: str, amount: Decimal, idempotency_key: str, *, currency: str = "USD") -> PaymentResult:
    """Charge ``amount`` for ``order_id`` with the environment's client (see :class:`PaymentClient`)."""
    return default_client().charge(order_id, amount, idempotency_key, currency=currency)


def refund(payment_id: str, amount: Decimal, idempotency_key: str) -> RefundResult:
    """Refund ``amount`` of ``payment_id`` with the environment's client."""
    return default_client().refund(payment_id, amount, idempotency_key)
