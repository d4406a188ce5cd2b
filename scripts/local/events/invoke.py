"""The one thing every event source needs from the runtime: a way to invoke a function.

The data plane's ``DataPlane.invoke`` fits :class:`Invoke`; tests pass small in-process invokers. Only the
fields read here are part of the contract (:class:`InvokeResultLike`).
"""

from __future__ import annotations

import json
from typing import Protocol, runtime_checkable

__all__ = ["Invoke", "InvokeResultLike", "decode_payload"]


@runtime_checkable
class InvokeResultLike(Protocol):
    """What an invocation returns: the runtime's ``InvokeResult`` has these (and more) fields."""

    @property
    def request_id(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def function_error(self) -> str | None: ...


class Invoke(Protocol):
    """Synchronous (RequestResponse) invocation of a function by name or ARN, optionally qualified."""

    def __call__(self, function_name: str, payload: bytes, qualifier: str | None = None) -> InvokeResultLike: ...


def decode_payload(payload: bytes | str | None) -> object:
    """A payload as JSON when it is JSON (destination records embed it that way), else as text; empty → None."""
    if payload is None:
        return None
    text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else payload
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
