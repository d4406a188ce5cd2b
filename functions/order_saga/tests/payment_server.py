"""A real HTTP payment API on 127.0.0.1 for tests, implementing the contract in order_saga.payment_api.

It deduplicates on ``Idempotency-Key`` like a real provider; ``mode`` makes it approve, decline, fail (5xx),
throttle (429), reject (400) or answer garbage; ``calls`` records every request for assertions.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class PaymentProvider:
    mode: str = "approve"  # approve | decline | fail | throttle | reject | garbage
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)  # idempotency key -> answer
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (path, key, body)
    url: str = ""

    def answer(self, path: str, key: str, body: dict[str, Any]) -> tuple[int, bytes, dict[str, str]]:
        self.calls.append((path, key, body))
        if self.mode == "fail":
            return 503, b'{"error": {"message": "down"}}', {}
        if self.mode == "throttle":
            return 429, b'{"error": {"message": "slow down"}}', {"Retry-After": "3"}
        if self.mode == "reject":
            return 400, b'{"error": {"message": "amount_cents must be positive"}}', {}
        if self.mode == "garbage":
            return 200, b"<html>oops</html>", {}
        if path == "/charges":
            if key not in self.charges:
                approved = self.mode == "approve"
                self.charges[key] = {
                    "charge_id": f"ch_{len(self.charges) + 1}",
                    "status": "APPROVED" if approved else "DECLINED",
                    "reason": None if approved else "insufficient_funds",
                    "amount_cents": body.get("amount_cents"),
                }
            charge = self.charges[key]
            return (201 if charge["status"] == "APPROVED" else 402), json.dumps(charge).encode(), {}
        if path.startswith("/charges/") and path.endswith("/refunds"):
            if key not in self.refunds:
                self.refunds[key] = {"refund_id": f"re_{len(self.refunds) + 1}", "status": "REFUNDED"}
            return 201, json.dumps(self.refunds[key]).encode(), {}
        return 404, b'{"error": {"message": "no such route"}}', {}

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
