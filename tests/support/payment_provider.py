"""The tests' payment provider: a real HTTP API on 127.0.0.1 speaking the contract of ``shared.payments``.

It holds the client to the contract (a body missing a field or with a malformed amount gets 400 naming it, an
unknown route 404), deduplicates on ``Idempotency-Key`` like a real provider (a repeated key gets the first
answer: ``pay_0001``, ``re_0001``, ...), and records every request. ``mode`` makes it answer one way:
"approve" (201), "decline" (402), "fail" (500), "reject" (400), "throttle" (429, Retry-After: 7), "garbage"
(200, not JSON), "hold" (answers once ``release`` is set, so it is slower than any timeout, however loaded).

The local stack's provider (``make up``) is ``scripts/local/payment_sandbox.py``: no failure modes, decides by
magic values like a provider's test mode.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakePaymentApi", "running_payment_api"]

AMOUNT = re.compile(r"^[0-9]+\.[0-9]{2}$")
REQUIRED = {"/charges": ("order_id", "amount", "currency"), "/refunds": ("payment_id", "amount")}
Answer = tuple[int, object, dict[str, str]]  # status, JSON body (None: not JSON), headers


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Answer:
    return status, {"error": {"code": code, "message": message}}, headers or {}


class FakePaymentApi:
    def __init__(self) -> None:
        self.mode = "approve"
        self.release = threading.Event()
        self.requests: list[dict[str, Any]] = []  # {"path", "body", "idempotency_key"}, in arrival order
        self._results: dict[tuple[str, str], dict[str, Any]] = {}  # (route, idempotency key) -> first answer
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.requests)

    def charges_made(self) -> int:
        """Distinct approved charges (a repeated key is the same charge)."""
        with self._lock:
            return sum(1 for route, _ in self._results if route == "/charges")

    def answer(self, path: str, key: str, body: Any) -> Answer:
        with self._lock:
            self.requests.append({"path": path, "body": body, "idempotency_key": key})
            mode = self.mode
        if mode == "hold":
            self.release.wait(10)
        if path not in REQUIRED:
            return _error(404, "not_found", f"no route {path}")
        body = body if isinstance(body, dict) else {}
        missing = [name for name in REQUIRED[path] if not isinstance(body.get(name), str) or not body[name]]
        if missing:
            return _error(400, "invalid_request", f"{missing[0]}: required string")
        if not AMOUNT.match(body["amount"]):
            return _error(400, "invalid_request", 'amount: a decimal string with 2 decimals, e.g. "45.99"')
        if mode == "fail":
            return _error(500, "internal", "upstream exploded")
        if mode == "decline" and path == "/charges":
            return _error(402, "insufficient_funds", "insufficient funds")
        if mode == "reject":
            return _error(400, "invalid_request", "amount must be at least 0.50")
        if mode == "throttle":
            return _error(429, "rate_limited", "slow down", {"Retry-After": "7"})
        if mode == "garbage":
            return 200, None, {}
        kind, prefix = ("refund_id", "re") if path == "/refunds" else ("payment_id", "pay")
        with self._lock:
            if (path, key) not in self._results:
                n = 1 + sum(1 for route, _ in self._results if route == path)
                self._results[(path, key)] = {kind: f"{prefix}_{n:04d}", "status": "succeeded"}
            return 201, self._results[(path, key)], {}


def _handler_for(api: FakePaymentApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            status, answer, headers = api.answer(self.path, self.headers.get("Idempotency-Key", ""), body)
            data = b"<html>oops</html>" if answer is None else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client timed out and left
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    return Handler


@contextmanager
def running_payment_api() -> Iterator[FakePaymentApi]:
    api = FakePaymentApi()
    thread = threading.Thread(target=api.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        api.release.set()
        api.server.shutdown()
        api.server.server_close()
        thread.join(5)
