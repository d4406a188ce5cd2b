"""A real HTTP payment API on 127.0.0.1 for the tests: it can be told to succeed, fail, decline, hang or stall."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakePaymentApi:
    """``mode``: "ok" (201), "fail" (500), "decline" (402), "reject" (400), "throttle" (429), "garbage" (200, not JSON),
    "slow" (answers after ``delay`` seconds), "hold" (answers once ``release`` is set)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.delay = 0.0
        self.release = threading.Event()
        self.requests: list[dict[str, Any]] = []
        self._results: dict[tuple[str, str], dict[str, Any]] = {}  # (kind, idempotency key) -> first answer
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                key = self.headers.get("Idempotency-Key", "")
                with api._lock:
                    api.requests.append({"path": self.path, "body": body, "idempotency_key": key})
                    mode = api.mode
                if mode == "slow":
                    time.sleep(api.delay)
                if mode == "hold":
                    api.release.wait(10)
                if mode == "fail":
                    return self._answer(500, {"error": {"code": "internal", "message": "upstream exploded"}})
                if mode == "decline":
                    return self._answer(402, {"error": {"code": "card_declined", "message": "insufficient funds"}})
                if mode == "reject":
                    return self._answer(400, {"error": {"code": "invalid", "message": "amount too small"}})
                if mode == "throttle":
                    return self._answer(429, {"error": {"code": "rate_limited"}}, {"Retry-After": "7"})
                if mode == "garbage":
                    return self._answer(200, None)
                with api._lock:
                    kind, prefix = ("refund_id", "re") if self.path == "/refunds" else ("payment_id", "pay")
                    if (kind, key) not in api._results:
                        n = 1 + sum(1 for known, _ in api._results if known == kind)
                        api._results[(kind, key)] = {kind: f"{prefix}_{n:04d}", "status": "succeeded"}
                    answer = api._results[(kind, key)]
                return self._answer(201, answer)

            def _answer(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
                data = b"<html>oops</html>" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client timed out and left
                    self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.requests)


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
