"""Error types of the local data plane; each message is one line a person can act on."""

from __future__ import annotations


class LocalStackError(Exception):
    """Base class: the CLI prints ``error: <message>`` and exits non-zero."""


class FunctionNotFoundError(LocalStackError):
    """The emulator has no function (or alias/version) by that name."""


class InvalidRequestContentError(LocalStackError):
    """The invocation payload is not JSON (Lambda answers InvalidRequestContentException)."""


class TooManyRequestsError(LocalStackError):
    """Every slot of the function's reserved concurrency is busy (Lambda answers 429)."""


class CodeNotFoundError(LocalStackError):
    """A function's or layer's zip could not be located from its CodeSha256."""
