"""The tests' payment provider: the local stack's sandbox server (``scripts/local/payment_sandbox.py``) answering
as a test scripts it, speaking the contract of ``shared.payments``.

It holds the client to the contract (a body missing a field or with a malformed amount gets 400 naming it, an
unknown route 404), deduplicates on ``Idempotency-Key`` like a real provider (a repeated key gets the first
answer: ``pay_0001``, ``re_0001``, ...), and records every request. ``mode`` makes it answer one way:
"approve" (201), "decline" (402), "fail" (500), "reject" (400), "throttle" (429, Retry-After: 7), "garbage"
(200, not JSON), "hold" (answers once ``release`` is set, so it is slower than any timeout, however loaded).
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from scripts.local.payment_sandbox import Answer, PaymentSandbox, error

__all__ = ["FakePaymentApi", "running_payment_api"]

AMOUNT = re.compile(r"^[0-9]+\.[0-9]{2}$")
REQUIRED = {"/charges": ("order_id", "amount", "currency"), "/refunds": ("payment_id", "amount")}


class FakePaymentApi(PaymentSandbox):
    def __init__(self) -> None:
        super().__init__()
        self.mode = "approve"
        self.release = threading.Event()
        self.requests: list[dict[str, Any]] = []  # {"path", "body", "idempotency_key"}, in arrival order

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.requests)

    def charges_made(self) -> int:
        """Distinct approved charges (a repeated key is the same charge)."""
        with self._lock:
            return sum(1 for route, _ in self._answers if route == "/charges")

    def answer(self, method: str, path: str, idempotency_key: str, raw: bytes) -> Answer:
        body = json.loads(raw or b"{}")
        with self._lock:
            self.requests.append({"path": path, "body": body, "idempotency_key": idempotency_key})
            mode = self.mode
        if mode == "hold":
            self.release.wait(10)
        if path not in REQUIRED:
            return error(404, "not_found", f"no route {path}")
        body = body if isinstance(body, dict) else {}
        missing = [name for name in REQUIRED[path] if not isinstance(body.get(name), str) or not body[name]]
        if missing:
            return error(400, "invalid_request", f"{missing[0]}: required string")
        if not AMOUNT.match(body["amount"]):
            return error(400, "invalid_request", 'amount: a decimal string with 2 decimals, e.g. "45.99"')
        if mode == "fail":
            return error(500, "internal", "upstream exploded")
        if mode == "decline" and path == "/charges":
            return error(402, "insufficient_funds", "insufficient funds")
        if mode == "reject":
            return error(400, "invalid_request", "amount must be at least 0.50")
        if mode == "throttle":
            return error(429, "rate_limited", "slow down", {"Retry-After": "7"})
        if mode == "garbage":
            return 200, b"<html>oops</html>", {}
        kind, prefix = ("refund_id", "re") if path == "/refunds" else ("payment_id", "pay")
        with self._lock:
            if (path, idempotency_key) not in self._answers:
                n = 1 + sum(1 for route, _ in self._answers if route == path)
                self._answers[(path, idempotency_key)] = 201, {kind: f"{prefix}_{n:04d}", "status": "succeeded"}, {}
            return self._answers[(path, idempotency_key)]

    def stop(self) -> None:
        self.release.set()  # a held request answers, so the server can shut down
        super().stop()


def running_payment_api() -> FakePaymentApi:
    """A started provider on a free loopback port; ``with`` it to stop it."""
    return FakePaymentApi().start()
