"""The one client of the external payment HTTP API (``PAYMENT_API_URL``), every call behind the shared circuit.

The provider's contract (JSON in and out, an ``Idempotency-Key`` header on every POST: the provider answers a
repeated key with the first outcome, so a retry after a timeout never charges twice)::

    POST /charges  {"order_id", "amount": "12.50", "currency": "USD", "customer_id"?}  → 201 {"payment_id", "status"}
    POST /refunds  {"payment_id", "amount": "12.50"}                                  → 201 {"refund_id", "status"}
    402 {"error": {"code", "message"}} when the charge is declined; other 4xx for bad requests; 5xx when down.

What comes back: 402 → :class:`PaymentDeclinedError` (``reason``: the provider's code); 409 (the same key is
still in flight) → ``RetryableError``; another 4xx → :class:`PaymentRejectedError`; 429 → ``ThrottleError``
(with Retry-After); unreachable, timeout, 5xx, or an answer that is not a JSON object with its id →
:class:`PaymentUnavailableError`. Outages (the retryable ones) count towards opening the circuit; a decline or
a rejection is the provider answering, so it does not. While the circuit is open, calls raise
``CircuitOpenError`` without touching the network. payment_gateway and the saga's payment steps share one
circuit (:data:`BREAKER_NAME`).
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
from shared.errors import NonRetryableError, RetryableError, ServiceUnavailableError, ThrottleError
from shared.settings import EnvSettings, load_settings

__all__ = [
    "BREAKER_NAME",
    "PaymentClient",
    "PaymentDeclinedError",
    "PaymentRejectedError",
    "PaymentResult",
    "PaymentSettings",
    "PaymentUnavailableError",
    "RefundResult",
    "default_client",
]

BREAKER_NAME = "payment-api"

_DELTA_SECONDS = re.compile(r"[0-9]{1,9}")  # ASCII only: str.isdigit() also passes "²", which float() refuses


class PaymentSettings(EnvSettings):
    payment_api_url: str
    payment_timeout_seconds: float = 3.0  # per HTTP call: well under any caller's timeout, so a hung provider is down
    payment_failure_threshold: int = 5
    payment_open_seconds: float = 5.0
    payment_max_open_seconds: float = 300.0

    @field_validator("payment_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")


class PaymentUnavailableError(ServiceUnavailableError):
    """The payment API is down, slow or answered garbage: retry later (counts as a circuit failure)."""

    code = "payment_unavailable"


class PaymentDeclinedError(NonRetryableError):
    """The provider declined the charge (HTTP 402); ``reason`` is its error code."""

    status = 402
    code = "payment_declined"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


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


class PaymentClient:
    """Calls to one payment API through one circuit breaker."""

    def __init__(self, base_url: str, *, breaker: CircuitBreaker, timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.breaker = breaker
        self.timeout = timeout

    def charge(
        self,
        order_id: str,
        amount: Decimal,
        idempotency_key: str,
        *,
        currency: str = "USD",
        customer_id: str | None = None,
    ) -> PaymentResult:
        """Charge ``amount`` (2 decimals on the wire) for ``order_id``; ``customer_id`` tells the provider who pays."""
        body = {"order_id": order_id, "amount": f"{amount:.2f}", "currency": currency}
        if customer_id is not None:
            body["customer_id"] = customer_id
        answer = self.breaker.call(self._post, "/charges", body, idempotency_key)
        return PaymentResult(
            payment_id=_id(answer, "payment_id"),
            status=str(answer.get("status", "succeeded")),
            order_id=order_id,
            amount=body["amount"],
            currency=currency,
        )

    def refund(self, payment_id: str, amount: Decimal, idempotency_key: str) -> RefundResult:
        body = {"payment_id": payment_id, "amount": f"{amount:.2f}"}
        answer = self.breaker.call(self._post, "/refunds", body, idempotency_key)
        return RefundResult(
            refund_id=_id(answer, "refund_id"),
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
            raise _http_error(exc.code, exc.read(), exc.headers.get("Retry-After")) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", None) or exc or type(exc).__name__
            raise PaymentUnavailableError(f"payment API unreachable: {reason}") from None
        try:
            answer = json.loads(raw)
        except (ValueError, RecursionError):
            raise PaymentUnavailableError("payment API answered with a body that is not JSON") from None
        if not isinstance(answer, dict):
            raise PaymentUnavailableError("payment API answered with JSON that is not an object")
        return answer


def _id(answer: dict[str, Any], name: str) -> str:
    value = answer.get(name)
    if not isinstance(value, str) or not value:
        raise PaymentUnavailableError(f"payment API answered without {name}")
    return value


def _provider_error(body: bytes) -> tuple[str, str]:
    """The provider's ``error.code`` and ``error.message`` ("" when absent or unreadable)."""
    try:
        error = json.loads(body).get("error", {})
        return str(error.get("code") or ""), str(error.get("message") or "")
    except (ValueError, AttributeError, RecursionError):
        return "", ""


def _http_error(status: int, body: bytes, retry_after: str | None) -> Exception:
    code, message = _provider_error(body)
    why = message or code or "no reason given"
    if status == 402:
        return PaymentDeclinedError(f"payment declined: {why}", reason=code or message or "declined")
    if status == 429:
        seconds = float(retry_after) if retry_after and _DELTA_SECONDS.fullmatch(retry_after) else None
        return ThrottleError("payment API is throttling requests", retry_after=seconds)
    if status == 409:
        return RetryableError("payment API: a request with the same idempotency key is still in flight")
    if 400 <= status < 500:
        return PaymentRejectedError(f"payment API rejected the request ({status}): {why}")
    return PaymentUnavailableError(f"payment API failed ({status})")


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
