"""A real HTTP payment API on 127.0.0.1 for tests, implementing the contract in order_saga.payment_api.

It holds the adapter to the contract (a body missing a field or with a malformed amount gets 400 naming it),
deduplicates on ``Idempotency-Key`` like a real provider; ``mode`` makes it approve, decline (402), fail (5xx),
throttle (429), reject (400) or answer garbage; ``calls`` records every request for assertions.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

AMOUNT = re.compile(r"^\d+\.\d{2}$")
REQUIRED = {"/charges": ("order_id", "amount", "currency"), "/refunds": ("payment_id", "amount")}


def _error(status: int, code: str, message: str) -> tuple[int, bytes, dict[str, str]]:
    return status, json.dumps({"error": {"code": code, "message": message}}).encode(), {}


@dataclass
class PaymentProvider:
    mode: str = "approve"  # approve | decline | fail | throttle | reject | garbage
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)  # idempotency key -> answer
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (path, key, body)
    url: str = ""

    def answer(self, path: str, key: str, body: dict[str, Any]) -> tuple[int, bytes, dict[str, str]]:
        self.calls.append((path, key, body))
        if path not in REQUIRED:
            return _error(404, "not_found", f"no route {path}")
        missing = [name for name in REQUIRED[path] if not isinstance(body.get(name), str) or not body[name]]
        if missing:
            return _error(400, "invalid_request", f"{missing[0]}: required string")
        if not AMOUNT.match(body["amount"]):
            return _error(400, "invalid_request", 'amount: a decimal string with 2 decimals, e.g. "45.99"')
        if self.mode == "fail":
            return _error(503, "unavailable", "down")
        if self.mode == "throttle":
            return 429, b'{"error": {"code": "rate_limited", "message": "slow down"}}', {"Retry-After": "3"}
        if self.mode == "reject":
            return _error(400, "invalid_request", "amount must be at least 0.50")
        if self.mode == "garbage":
            return 200, b"<html>oops</html>", {}
        if path == "/charges":
            if self.mode == "decline":
                return _error(402, "insufficient_funds", "the card has insufficient funds")
            if key not in self.charges:
                self.charges[key] = {"payment_id": f"pay_{len(self.charges) + 1}", "status": "succeeded"}
            return 201, json.dumps(self.charges[key]).encode(), {}
        known = {charge["payment_id"] for charge in self.charges.values()}
        if body["payment_id"] not in known:
            return _error(404, "no_such_payment", f"payment_id: no payment {body['payment_id']}")
        if key not in self.refunds:
            self.refunds[key] = {"refund_id": f"re_{len(self.refunds) + 1}", "status": "succeeded"}
        return 201, json.dumps(self.refunds[key]).encode(), {}

    def charges_made(self) -> int:
        return len(self.charges)


@contextmanager
def serve(provider: PaymentProvider) -> Iterator[PaymentProvider]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            status, raw, headers = provider.answer(self.path, self.headers.get("Idempotency-Key", ""), body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
