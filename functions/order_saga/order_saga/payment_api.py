"""HTTP adapter for the external payment API (``PAYMENT_API_URL``), behind the shared circuit breaker.

The one provider contract of this repo (the same one payment_gateway's client speaks; JSON in and out, an
``Idempotency-Key`` header on every POST — the provider answers a repeated key with the first outcome, so a
retry never charges twice):

* ``POST {url}/charges`` ``{"order_id", "amount": "45.99", "currency", "customer_id"}`` →
  ``201 {"payment_id", "status"}``; ``402 {"error": {"code", "message"}}`` when declined.
  (``customer_id`` is optional in the contract; the saga sends it so the provider can tell who pays.)
* ``POST {url}/refunds`` ``{"payment_id", "amount": "45.99"}`` → ``201 {"refund_id", "status"}``.

Amounts travel as decimal strings with 2 decimals; the saga works in cents. A 402 on a charge is an outcome
(DECLINED, the provider's ``error.code`` as the reason), not an error. Failures map to the taxonomy: 429 →
ThrottleError, 5xx / timeout / refused / garbage → ServiceUnavailableError (all retryable and counted by the
breaker), 409 → RetryableError (the same key is still in flight), other 4xx → NonRetryableError. An open
circuit fails fast with CircuitOpenError (retryable, later).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from shared.circuit_breaker import CircuitBreaker
from shared.errors import NonRetryableError, RetryableError, ServiceUnavailableError, ThrottleError

BREAKER_NAME = "payment-api"  # payment_gateway's name too: both functions share one circuit


@dataclass(frozen=True)
class ChargeOutcome:
    status: Literal["APPROVED", "DECLINED"]
    payment_id: str | None = None  # the provider's id of an approved charge
    reason: str | None = None  # why it was declined


@dataclass(frozen=True)
class RefundOutcome:
    refund_id: str


def amount_text(cents: int) -> str:
    """Cents as the contract's decimal string: 4599 → ``"45.99"``."""
    return f"{Decimal(cents) / 100:.2f}"


class PaymentApi:
    def __init__(self, base_url: str, *, timeout: float = 5.0, breaker: CircuitBreaker | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.breaker = breaker or CircuitBreaker(BREAKER_NAME)

    def charge(
        self, *, idempotency_key: str, order_id: str, customer_id: str, amount_cents: int, currency: str
    ) -> ChargeOutcome:
        body = {
            "order_id": order_id,
            "amount": amount_text(amount_cents),
            "currency": currency,
            "customer_id": customer_id,
        }
        status, answer = self.breaker.call(self._post, "/charges", body, idempotency_key, accept=(200, 201, 402))
        if status == 402:
            error = answer.get("error")
            error = error if isinstance(error, dict) else {}
            return ChargeOutcome("DECLINED", reason=str(error.get("code") or error.get("message") or "declined"))
        payment_id = answer.get("payment_id")
        if not isinstance(payment_id, str) or not payment_id:
            raise ServiceUnavailableError("payment API answered a charge without payment_id")
        return ChargeOutcome("APPROVED", payment_id=payment_id)

    def refund(self, *, idempotency_key: str, payment_id: str, amount_cents: int) -> RefundOutcome:
        body = {"payment_id": payment_id, "amount": amount_text(amount_cents)}
        _, answer = self.breaker.call(self._post, "/refunds", body, idempotency_key, accept=(200, 201))
        refund_id = answer.get("refund_id")
        if not isinstance(refund_id, str) or not refund_id:
            raise ServiceUnavailableError("payment API answered a refund without refund_id")
        return RefundOutcome(refund_id)

    def _post(
        self, path: str, body: dict[str, Any], idempotency_key: str, *, accept: tuple[int, ...]
    ) -> tuple[int, dict[str, Any]]:
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
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
            if status not in accept:
                raise _http_error(status, raw, exc.headers.get("Retry-After")) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise ServiceUnavailableError(f"payment API unreachable: {_reason(exc)}") from None
        if status not in accept:
            raise _http_error(status, raw, None)
        try:
            answer = json.loads(raw)
        except ValueError:
            raise ServiceUnavailableError(f"payment API answered {status} with a body that is not JSON") from None
        if not isinstance(answer, dict):
            raise ServiceUnavailableError(f"payment API answered {status} with JSON that is not an object")
        return status, answer


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc or type(exc).__name__)


def _message(raw: bytes) -> str:
    try:
        body = json.loads(raw)
    except ValueError:
        return raw[:200].decode(errors="replace")
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("code") or "")
        return str(body.get("message") or error or "")
    return ""


def _http_error(status: int, raw: bytes, retry_after: str | None) -> Exception:
    detail = _message(raw)
    if status == 429:
        seconds = float(retry_after) if retry_after and retry_after.isascii() and retry_after.isdigit() else None
        return ThrottleError("payment API throttled the request", retry_after=seconds)
    if status == 409:
        return RetryableError(f"payment API: the same idempotency key is still in flight {detail}".strip())
    if status >= 500:
        return ServiceUnavailableError(f"payment API failed with HTTP {status}")
    return NonRetryableError(f"payment API rejected the request (HTTP {status}): {detail}".rstrip(": "))
