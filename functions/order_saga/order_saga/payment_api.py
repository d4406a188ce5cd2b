"""HTTP adapter for the external payment API (``PAYMENT_API_URL``), behind the shared circuit breaker.

Contract (the same API payment_gateway fronts; JSON in and out, ``Idempotency-Key`` header on every POST —
the API answers a repeated key with the first outcome and never charges twice):

* ``POST {url}/charges`` ``{"order_id", "customer_id", "amount_cents", "currency"}`` →
  ``201 {"charge_id", "status": "APPROVED" | "DECLINED", "reason"?}``, or ``402`` with the same body (declined).
* ``POST {url}/charges/{charge_id}/refunds`` ``{"amount_cents"}`` → ``201 {"refund_id", "status": "REFUNDED"}``.

Failures map to the taxonomy: 429 → ThrottleError, 5xx / timeout / refused / garbage → ServiceUnavailableError
(all retryable and counted by the breaker), 409 → RetryableError (the same key is still in flight),
other 4xx → NonRetryableError. An open circuit fails fast with CircuitOpenError (retryable, later).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from shared.circuit_breaker import CircuitBreaker
from shared.errors import NonRetryableError, RetryableError, ServiceUnavailableError, ThrottleError

BREAKER_NAME = "payment-api"


@dataclass(frozen=True)
class ChargeOutcome:
    charge_id: str
    status: str  # APPROVED | DECLINED
    reason: str | None = None


@dataclass(frozen=True)
class RefundOutcome:
    refund_id: str


class PaymentApi:
    def __init__(self, base_url: str, *, timeout: float = 5.0, breaker: CircuitBreaker | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.breaker = breaker or CircuitBreaker(BREAKER_NAME)

    def charge(
        self, *, idempotency_key: str, order_id: str, customer_id: str, amount_cents: int, currency: str
    ) -> ChargeOutcome:
        body = {"order_id": order_id, "customer_id": customer_id, "amount_cents": amount_cents, "currency": currency}
        answer = self.breaker.call(self._post, "/charges", body, idempotency_key, accept=(200, 201, 402))
        status = answer.get("status")
        charge_id = answer.get("charge_id")
        if status not in ("APPROVED", "DECLINED") or not isinstance(charge_id, str) or not charge_id:
            raise ServiceUnavailableError("payment API answered a charge without charge_id or a known status")
        reason = answer.get("reason")
        return ChargeOutcome(charge_id, status, str(reason) if reason else None)

    def refund(self, *, idempotency_key: str, charge_id: str, amount_cents: int) -> RefundOutcome:
        path = f"/charges/{urllib.parse.quote(charge_id, safe='')}/refunds"
        answer = self.breaker.call(self._post, path, {"amount_cents": amount_cents}, idempotency_key, accept=(200, 201))
        refund_id = answer.get("refund_id")
        if not isinstance(refund_id, str) or not refund_id:
            raise ServiceUnavailableError("payment API answered a refund without refund_id")
        return RefundOutcome(refund_id)

    def _post(
        self, path: str, body: dict[str, Any], idempotency_key: str, *, accept: tuple[int, ...]
    ) -> dict[str, Any]:
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
        return answer


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
        seconds = float(retry_after) if retry_after and retry_after.isdigit() else None
        return ThrottleError("payment API throttled the request", retry_after=seconds)
    if status == 409:
        return RetryableError(f"payment API: the same idempotency key is still in flight {detail}".strip())
    if status >= 500:
        return ServiceUnavailableError(f"payment API failed with HTTP {status}")
    return NonRetryableError(f"payment API rejected the request (HTTP {status}): {detail}".rstrip(": "))
