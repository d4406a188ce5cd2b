"""Powertools idempotency with this project's defaults: the DynamoDB table from ``IDEMPOTENCY_TABLE``.

Two shapes:

* an API handler keyed on the ``Idempotency-Key`` header (:func:`api_config` + :func:`idempotent_handler`);
  the same key with a different body is refused (422), a request still running under the key gets 409;
* an SQS record handler keyed on the message id (:func:`sqs_config` + :func:`idempotent_record`), so a
  redelivered message does not run twice.

The table is resolved on the first call, never at import. Powertools configures a persistence store once,
with the first config it sees, so each decorated function gets its own store.

Nothing of Powertools idempotency is imported until the first call either (its package imports every
persistence layer and boto3's DynamoDB machinery, ~0.1 s): :func:`api_config` and :func:`sqs_config` return
a :class:`LazyIdempotencyConfig` that builds the Powertools ``IdempotencyConfig`` when it is first needed.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from shared import aws
from shared.errors import NonRetryableError, RetryableError, ValidationError
from shared.settings import EnvSettings, load_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

__all__ = [
    "IdempotencyKeyReusedError",
    "LazyIdempotencyConfig",
    "RequestInProgressError",
    "api_config",
    "idempotent_handler",
    "idempotent_record",
    "persistence_store",
    "reset_idempotency",
    "sqs_config",
]

DAY = 24 * 60 * 60

F = TypeVar("F", bound=Callable[..., Any])


class IdempotencySettings(EnvSettings):
    idempotency_table: str


class RequestInProgressError(RetryableError):
    """The same idempotency key is being processed right now: HTTP 409, and async sources retry later."""

    status = 409
    code = "request_in_progress"


class IdempotencyKeyReusedError(NonRetryableError):
    """The idempotency key was used before with a different payload."""

    status = 422
    code = "idempotency_key_reused"


def persistence_store() -> DynamoDBPersistenceLayer:
    """A new store on the ``IDEMPOTENCY_TABLE`` table (key ``id``, TTL ``expiration``) using the shared client."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    table = load_settings(IdempotencySettings).idempotency_table
    return DynamoDBPersistenceLayer(table_name=table, boto3_client=aws.dynamodb())


class LazyIdempotencyConfig:
    """Powertools ``IdempotencyConfig`` arguments; the real config is built (and imported) on first use.

    ``register_lambda_context`` and every ``IdempotencyConfig`` attribute work on it as on the real one.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._real: IdempotencyConfig | None = None
        self._lock = threading.Lock()

    def real(self) -> IdempotencyConfig:
        if self._real is None:
            with self._lock:
                if self._real is None:
                    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

                    self._real = IdempotencyConfig(**self._options)
        return self._real

    def register_lambda_context(self, lambda_context: Any) -> None:
        """An in-progress record expires with this invocation's timeout (Powertools' own method)."""
        self.real().register_lambda_context(lambda_context)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.real(), name)


def _real_config(config: IdempotencyConfig | LazyIdempotencyConfig) -> IdempotencyConfig:
    return config.real() if isinstance(config, LazyIdempotencyConfig) else config


def api_config(
    *,
    header: str = "Idempotency-Key",
    required: bool = False,
    expires_after_seconds: int = DAY,
) -> LazyIdempotencyConfig:
    """Key: the request header (HTTP API lower-cases names); the body must match the first request's."""
    return LazyIdempotencyConfig(
        event_key_jmespath=f'headers."{header.lower()}"',
        payload_validation_jmespath="body",
        raise_on_no_idempotency_key=required,
        expires_after_seconds=expires_after_seconds,
    )


def sqs_config(*, expires_after_seconds: int = DAY) -> LazyIdempotencyConfig:
    """Key: the SQS record's ``messageId`` (a redelivery has the same id)."""
    return LazyIdempotencyConfig(
        event_key_jmespath="messageId",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=expires_after_seconds,
    )


def _translate(exc: Exception) -> Exception | None:
    """The taxonomy error for a Powertools idempotency error (None: not one of them)."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyKeyError,
        IdempotencyValidationError,
    )

    if isinstance(exc, IdempotencyAlreadyInProgressError):
        return RequestInProgressError("a request with this idempotency key is still being processed")
    if isinstance(exc, IdempotencyValidationError):
        return IdempotencyKeyReusedError("this idempotency key was already used with a different request body")
    if isinstance(exc, IdempotencyKeyError):
        return ValidationError("an idempotency key is required", fields={"idempotency-key": "required"})
    return None


class _Lazy:
    """Builds the Powertools-wrapped function on first use; rebuilt after :func:`reset_idempotency`."""

    def __init__(self, build: Callable[[], Callable[..., Any]]) -> None:
        self._build = build
        self._built: tuple[int, Callable[..., Any]] | None = None
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        built = self._built
        if built is None or built[0] != _generation:
            with self._lock:
                built = self._built
                if built is None or built[0] != _generation:
                    built = self._built = (_generation, self._build())
        try:
            return built[1](*args, **kwargs)
        except Exception as exc:
            translated = _translate(exc)
            if translated is None:
                raise
            raise translated from exc


_generation = 0


def reset_idempotency() -> None:
    """Forget built stores (tests change ``IDEMPOTENCY_TABLE`` or the moto backend between cases)."""
    global _generation
    _generation += 1


def idempotent_handler(config: IdempotencyConfig | LazyIdempotencyConfig) -> Callable[[F], F]:
    """Make a Lambda handler idempotent (Powertools ``idempotent``); the store is built on the first call.

    Put it closest to the handler (under ``api_handler``/``event_handler``) so errors are not stored.
    """

    def decorate(handler: F) -> F:
        def build() -> Callable[..., Any]:
            from aws_lambda_powertools.utilities.idempotency import idempotent

            return idempotent(persistence_store=persistence_store(), config=_real_config(config))(handler)

        lazy = _Lazy(build)

        @functools.wraps(handler)
        def wrapper(event: Any, context: Any) -> Any:
            return lazy(event, context)

        return cast(F, wrapper)

    return decorate


def idempotent_record(config: IdempotencyConfig | LazyIdempotencyConfig) -> Callable[[F], F]:
    """Make a per-record function idempotent; it must take the record as the keyword argument ``record``.

    Call ``config.register_lambda_context(context)`` in the handler so an in-progress record expires with
    the invocation's timeout.
    """

    def decorate(fn: F) -> F:
        def build() -> Callable[..., Any]:
            from aws_lambda_powertools.utilities.idempotency import idempotent_function

            return idempotent_function(
                fn, data_keyword_argument="record", persistence_store=persistence_store(), config=_real_config(config)
            )

        lazy = _Lazy(build)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return lazy(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
