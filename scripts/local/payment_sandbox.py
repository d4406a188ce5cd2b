"""The payment provider's sandbox on loopback: what ``PAYMENT_API_URL`` points at in the local stack.

``make up`` serves it in the stack process on a free port and passes its URL to Terraform (``payment_api_url``).
It speaks the one payment API contract of this repo (payment_gateway's client and order_saga's adapter)::

    POST /charges  {"order_id", "amount": "12.50", "currency": "USD", "customer_id"?}  + Idempotency-Key
                   → 201 {"payment_id", "status": "succeeded"}
    POST /refunds  {"payment_id", "amount": "12.50"}                                  + Idempotency-Key
                   → 201 {"refund_id", "status": "succeeded"}
    402 {"error": {"code": "card_declined", "message"}} when the charge is declined; 400 naming the field for a
    bad body, 404 for an unknown route or payment, 405 for another method on a known route.

Like a provider's test mode it decides by a magic value: a charge whose ``customer_id`` or ``order_id`` starts
with ``decline-`` (:data:`DECLINING_PREFIX`) is declined, every other valid charge is approved. A repeated
``Idempotency-Key`` on the same route gets the first answer, so a retried call never charges twice. A refund
may not exceed what is left of its payment. State lives in memory for the stack's lifetime.

The tests' scripted provider (``tests/support/payment_provider.py``) is this server with its own :meth:`answer`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import secrets
import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

__all__ = ["DECLINING_PREFIX", "Answer", "PaymentSandbox", "PaymentSandboxError", "error"]

DECLINING_PREFIX = "decline-"
ROUTES = ("/charges", "/refunds")
MAX_BODY_BYTES = 64 * 1024

log = logging.getLogger("local.payment_sandbox")

Answer = tuple[int, object, dict[str, str]]  # status, body (JSON, or bytes sent as they are), extra headers


class PaymentSandboxError(RuntimeError):
    """The sandbox cannot listen where it was asked to."""


class _BadRequest(ValueError):
    pass


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Answer:
    return status, {"error": {"code": code, "message": message}}, headers or {}


def _text(body: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _BadRequest(f"{name}: must be a non-empty string")
    return value


def _amount(body: dict[str, Any]) -> Decimal:
    value = body.get("amount")
    try:
        amount = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount != round(amount, 2):
        raise _BadRequest('amount: must be a decimal string > 0 with at most 2 decimals, e.g. "12.50"')
    return amount


@dataclass
class _Payment:
    order_id: str
    amount: Decimal
    currency: str
    refunded: Decimal = Decimal("0")


class PaymentSandbox:
    """Start with :meth:`start` (port 0 = a free one), read :attr:`url`, stop with :meth:`stop` (idempotent)."""

    def __init__(self) -> None:
        self.payments: dict[str, _Payment] = {}
        self._answers: dict[tuple[str, str], Answer] = {}  # (route, idempotency key) → first answer
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise PaymentSandboxError("the payment sandbox is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}" if isinstance(host, str) else f"http://{host.decode()}:{port}"

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        try:
            self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        except OSError as exc:
            raise PaymentSandboxError(f"cannot serve the payment sandbox on {host}:{port}: {exc.strerror}") from exc
        self._server.daemon_threads = True
        self._thread = threading.Thread(  # polling every 50 ms makes stop() prompt: the tests start one per test
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="payment-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self if self._server is not None else self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- the API --------------------------------------------------------------------------------------------------

    def answer(self, method: str, path: str, idempotency_key: str, raw: bytes) -> Answer:
        """The status, body and extra headers for one request (what the HTTP handler sends)."""
        route = path.split("?", 1)[0]
        if route not in ROUTES:
            return error(404, "not_found", f"no route {method} {route}")
        if method != "POST":
            return error(405, "method_not_allowed", f"{route} accepts POST only")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return error(400, "bad_request", "the body is not valid JSON")
        if not isinstance(body, dict):
            return error(400, "bad_request", "the body must be a JSON object")
        with self._lock:
            if idempotency_key and (route, idempotency_key) in self._answers:
                return self._answers[(route, idempotency_key)]
            try:
                answer = self._charge(body) if route == "/charges" else self._refund(body)
            except _BadRequest as exc:
                return error(400, "invalid_request", str(exc))  # not remembered: a corrected retry may pass
            if idempotency_key:
                self._answers[(route, idempotency_key)] = answer
            return answer

    def _charge(self, body: dict[str, Any]) -> Answer:
        order_id = _text(body, "order_id")
        amount = _amount(body)
        currency = _text(body, "currency")
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise _BadRequest("currency: must be 3 upper-case letters, e.g. USD")
        customer_id = _text(body, "customer_id", required=False)
        if any(who.startswith(DECLINING_PREFIX) for who in (customer_id, order_id) if who):
            return error(402, "card_declined", "the card was declined")
        payment_id = "pay_" + secrets.token_hex(8)
        self.payments[payment_id] = _Payment(order_id, amount, currency)
        return 201, {"payment_id": payment_id, "status": "succeeded"}, {}

    def _refund(self, body: dict[str, Any]) -> Answer:
        payment_id = _text(body, "payment_id")
        amount = _amount(body)
        payment = self.payments.get(payment_id)
        if payment is None:
            return error(404, "no_such_payment", f"payment_id: no payment {payment_id}")
        left = payment.amount - payment.refunded
        if amount > left:
            raise _BadRequest(f"amount: {amount} exceeds the {left} {payment.currency} left to refund")
        payment.refunded += amount
        return 201, {"refund_id": "re_" + secrets.token_hex(8), "status": "succeeded"}, {}


def _handler_for(sandbox: PaymentSandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            declared = self.headers.get("Content-Length") or "0"
            length = int(declared) if declared.isascii() and declared.isdigit() else -1
            if not 0 <= length <= MAX_BODY_BYTES:
                status, answer, headers = error(400, "bad_request", f"Content-Length must be 0..{MAX_BODY_BYTES} bytes")
                self.close_connection = True  # the body's end is unknown: this connection cannot be reused
            else:
                raw = self.rfile.read(length)
                key = self.headers.get("Idempotency-Key", "")
                status, answer, headers = sandbox.answer(self.command, self.path, key, raw)
            data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client timed out and left
                self.wfile.write(data)

        do_POST = do_GET = do_PUT = do_PATCH = do_DELETE = _serve

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            log.info("%s %s %s", self.command, self.path, code)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # errors are answered as JSON; requests are logged by log_request

    return Handler
