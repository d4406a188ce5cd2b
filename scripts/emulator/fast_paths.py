"""Speed fixes for moto under a burst: the same answers, without work that grows with every queued message.

Found with py-spy during a 1,000-message burst (moto 5.2.5): SQS retention checks and counts that scanned the
whole queue per message, a slow clock, DeleteMessage's double scan, DynamoDB parsing each ConditionExpression
again, per-request method listing and URL routing, and a new connection per request. Each fix keeps moto's
answers (``tests/emulator/test_fast_paths.py`` pins them); the hot spots and measurements: README.md, "Speed fixes".
"""

from __future__ import annotations

import functools
import json
import time
from typing import Any

from scripts.emulator.patching import once

__all__ = ["install"]


def _unix_time(dt: Any = None) -> float:
    if dt is not None:
        return float(_original_unix_time(dt))
    return time.time()


def _unix_time_millis(dt: Any = None) -> float:
    if dt is not None:
        return float(_original_unix_time(dt)) * 1000.0
    return time.time() * 1000.0


_original_unix_time: Any = None


def _retention_ok(self: Any, queue_name: str, message: Any) -> bool:
    """moto's check, reading the one attribute it needs instead of computing all of them."""
    queue = self.get_queue(queue_name)
    retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
    return bool(retain_until > time.time())


def _visible_messages(self: Any) -> list[Any]:
    now = time.time() * 1000.0
    return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]


def _count_not_visible(self: Any) -> int:
    now = time.time() * 1000.0
    return sum(1 for m in self._messages if not now > m.visible_at)


def _count_delayed(self: Any) -> int:
    now = time.time() * 1000.0
    return sum(1 for m in self._messages if now < m.delayed_until)


def _delete_message(self: Any, receipt_handle: str) -> None:
    """moto's delete: unknown handle → ReceiptHandleIsInvalid, a deleted one is fine; one pass over the queue."""
    from moto.sqs.exceptions import ReceiptHandleIsInvalid

    if receipt_handle in self.deleted_messages:
        return
    messages = self._messages
    for index, message in enumerate(messages):
        if message.receipt_handle == receipt_handle or receipt_handle in message._old_receipt_handles:
            self.pending_messages.discard(message)
            self.deleted_messages.update(message.all_receipt_handles)
            self._messages = messages[:index] + messages[index + 1 :]  # a new list, as moto does
            return
    raise ReceiptHandleIsInvalid()


def install_sqs() -> None:
    global _original_unix_time
    from moto.sqs import models

    _original_unix_time = models.unix_time
    models.unix_time = _unix_time
    models.unix_time_millis = _unix_time_millis
    models.SQSBackend.is_message_valid_based_on_retention_period = _retention_ok  # type: ignore[method-assign]
    models.Queue.messages = property(_visible_messages)  # type: ignore[assignment,method-assign]
    models.Queue.approximate_number_of_messages_not_visible = property(_count_not_visible)  # type: ignore[assignment,method-assign]
    models.Queue.approximate_number_of_messages_delayed = property(_count_delayed)  # type: ignore[assignment,method-assign]
    models.Queue.delete_message = _delete_message  # type: ignore[method-assign]


def _cached_filter_expression(original: Any) -> Any:
    """moto parses a ConditionExpression on every write. The parsed expression depends only on the expression,
    its names and its values, and evaluating it never changes it: the same write shape (a conditional put, the
    idempotency record's condition within the same second) reuses the parse. Parse errors are never cached."""

    @functools.lru_cache(maxsize=2048)
    def parse(expr: str | None, names: str, values: str) -> Any:
        return original(expr, json.loads(names), json.loads(values))

    def get_filter_expression(expr: str | None, names: Any, values: Any) -> Any:
        return parse(expr, json.dumps(names, sort_keys=True), json.dumps(values, sort_keys=True))

    get_filter_expression.__wrapped__ = original  # type: ignore[attr-defined]
    return get_filter_expression


def install_dynamodb() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models import table

    for module in (models, table):
        module.get_filter_expression = _cached_filter_expression(module.get_filter_expression)  # type: ignore[attr-defined]


def install_responses() -> None:
    """moto lists a response class's methods with ``inspect.getmembers`` on every request; the classes are fixed
    once the emulator's patches are installed (they are, before it serves), so the list is computed once."""
    from moto.core import responses

    responses.method_names_from_class = functools.lru_cache(maxsize=None)(responses.method_names_from_class)


def install_router() -> None:
    from moto import backends
    from moto.moto_server import werkzeug_app

    backends.list_of_moto_modules = functools.lru_cache(maxsize=1)(
        lambda original=backends.list_of_moto_modules: tuple(original())
    )
    dispatcher = werkzeug_app.DomainDispatcherApplication
    original = dispatcher.get_backend_for_host
    cache: dict[str | None, Any] = {}

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host in cache:
            return cache[host]
        backend = original(self, host)
        if backend is not None:  # the host set is small and fixed; unknown hosts stay uncached
            cache[host] = backend
        return backend

    dispatcher.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


class _NoInput:
    """What werkzeug's post-response drain reads on a kept-alive connection: nothing (the socket's next bytes
    are the client's next request, not leftovers of this one)."""

    def read(self, *_: Any) -> bytes:
        return b""


def keep_alive_handler() -> type:
    """moto's request handler with HTTP/1.1 keep-alive.

    werkzeug's dev server answers every request with ``Connection: close`` because http.server cannot drain an
    unread body before the next request line. Here the body is a stream limited to its ``Content-Length``,
    emptied after the response, so the connection can carry the next request: clients stop paying a TCP
    connect and the server a new thread per request. Chunked request bodies and clients that ask to close
    keep werkzeug's behaviour, and so does every client but boto3/botocore (the data plane, the functions, the
    tests): Terraform's Go SDK retries a create whose kept-alive connection failed, and a local apply once hit
    "EntityAlreadyExists" for a role it had just created; its applies are not the hot path.
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.wsgi import LimitedStream

    class KeepAliveRequestHandler(MotoRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: with Nagle on a kept-alive connection the body waits for
        # the client's delayed ACK (~40 ms per request).
        disable_nagle_algorithm = True
        _keep = False
        _body: Any = None
        _socket_input: Any = None

        def make_environ(self) -> dict[str, Any]:
            environ: dict[str, Any] = super().make_environ()
            if self._keep:
                self._body = LimitedStream(self._socket_input, int(self.headers.get("Content-Length") or 0))
                environ["wsgi.input"] = self._body
            return environ

        def send_header(self, keyword: str, value: str) -> None:
            if self._keep and keyword.lower() == "connection" and value.lower() == "close":
                return
            super().send_header(keyword, value)

        def run_wsgi(self) -> None:
            chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
            python_sdk = "botocore" in (self.headers.get("User-Agent") or "").lower()
            self._keep = python_sdk and not chunked and not self.close_connection
            if not self._keep:
                super().run_wsgi()
                return
            self._socket_input, self.rfile = self.rfile, _NoInput()  # type: ignore[assignment]
            try:
                super().run_wsgi()
                self._body.exhaust()  # what the application left unread of this request's body
            except Exception:
                self.close_connection = True
                raise
            finally:
                self.rfile, self._socket_input, self._body, self._keep = self._socket_input, None, None, False

    return KeepAliveRequestHandler


def install_keep_alive() -> None:
    from moto.moto_server import threaded_moto_server

    threaded_moto_server.MotoRequestHandler = keep_alive_handler()  # type: ignore[misc,assignment]


@once
def install() -> None:
    """Apply every speed fix."""
    install_sqs()
    install_dynamodb()
    install_responses()
    install_router()
    install_keep_alive()
