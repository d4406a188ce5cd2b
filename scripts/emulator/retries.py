"""A retried request gets the answer its first attempt got, as if the network had delivered it.

AWS SDKs (botocore, the Go SDK v2 the Terraform provider uses) send one ``amz-sdk-invocation-id`` for every
attempt of one operation. On a busy machine a client can give up on an attempt the emulator is still serving
or has served (read timeout, a dropped keep-alive connection) and retry it; moto then runs the operation
twice and the retry of a create answers "already exists" (seen: CreateRole 409 and CreateTable
ResourceInUseException failing a ``terraform apply``). AWS's own idempotency makes such retries harmless, so
here the retry waits for the first attempt and replays its answer. Only answers below 500 are replayed (a
server error is worth retrying for real) and only bodies up to 1 MiB are kept, for a few minutes.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from scripts.emulator.patching import once

HEADER = "HTTP_AMZ_SDK_INVOCATION_ID"
KEEP_S = 300.0
MAX_ENTRIES = 4096
MAX_BODY = 1 << 20
WAIT_S = 120.0  # how long a retry waits for an attempt still being served

Reply = tuple[str, list[tuple[str, str]], bytes]

_lock = threading.Lock()
_replies: OrderedDict[str, tuple[float, Reply]] = OrderedDict()
_serving: dict[str, threading.Event] = {}
replayed = 0  # how many retries were answered from their first attempt (tests and curiosity)


def _remember(invocation: str, reply: Reply) -> None:
    now = time.monotonic()
    _replies[invocation] = (now, reply)
    while _replies and (len(_replies) > MAX_ENTRIES or next(iter(_replies.values()))[0] < now - KEEP_S):
        _replies.popitem(last=False)


def _replay(invocation: str) -> Reply | None:
    entry = _replies.get(invocation)
    return entry[1] if entry is not None else None


def wrap(app: Callable[[dict[str, Any], Any], Iterable[bytes]]) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """The WSGI ``app`` with retries of one SDK invocation answered once."""

    def replaying(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        global replayed
        invocation = environ.get(HEADER)
        if not invocation:
            return app(environ, start_response)
        with _lock:
            reply = _replay(invocation)
            serving = _serving.get(invocation)
            first = reply is None and serving is None
            if first:
                serving = _serving[invocation] = threading.Event()
        if not first:
            if reply is None and serving is not None:
                serving.wait(WAIT_S)
                with _lock:
                    reply = _replay(invocation)
            if reply is not None:
                with _lock:
                    replayed += 1
                status, headers, body = reply
                start_response(status, headers)
                return [body]
            return app(environ, start_response)  # the first attempt failed (5xx) or is too big to keep: run again
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=list(headers))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            chunks = app(environ, capture)
            try:
                body = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
            status = str(captured.get("status", "500"))
            if int(status.split()[0]) < 500 and len(body) <= MAX_BODY:
                with _lock:
                    _remember(invocation, (status, captured["headers"], body))
            return [body]
        finally:
            with _lock:
                done = _serving.pop(invocation, None)
            if done is not None:
                done.set()

    replaying.__wrapped__ = app  # type: ignore[attr-defined]
    return replaying


@once
def install() -> None:
    """Wrap moto's request dispatcher."""
    from moto.moto_server import werkzeug_app

    dispatcher = werkzeug_app.DomainDispatcherApplication
    original = dispatcher.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return wrap(lambda env, respond: original(self, env, respond))(environ, start_response)

    dispatcher.__call__ = __call__  # type: ignore[method-assign]
