"""Powertools idempotency with this project's defaults: the DynamoDB table from ``IDEMPOTENCY_TABLE``.

:func:`idempotent_record` makes a function run once per key (Powertools ``idempotent_function``): an SQS
record keyed on its message id (:func:`sqs_config`), an API request keyed on the customer's key, an S3 object
version. A payload that differs from the first one under the same key is refused (422), a call still running
under the key gets 409 (retryable), and a call that raised is not remembered.

Nothing of Powertools idempotency is imported before the first call (its package imports every persistence
layer and boto3's DynamoDB machinery, ~0.1 s): a :class:`LazyIdempotencyConfig` builds the Powertools
``IdempotencyConfig`` when it is first needed, and the decorated function is wrapped on its first call.
The store reads the table name and the shared DynamoDB client at each call, so a store built once stays right
when the environment or the clients change (tests; a SnapStart restore, which rebuilds ``shared.aws``).
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
    "idempotent_record",
    "persistence_store",
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
    """A store on the ``IDEMPOTENCY_TABLE`` table (key ``id``, TTL ``expiration``) using the shared client."""
    return _store_class()(table_name="", boto3_client=aws.dynamodb())


@functools.cache
def _store_class() -> type[DynamoDBPersistenceLayer]:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    class EnvironmentStore(DynamoDBPersistenceLayer):
        """Table and client looked up on every use: Powertools assigns both once, and those assignments are
        ignored, so nothing captured at build time outlives a settings or client reset."""

        @property
        def table_name(self) -> str:
            return load_settings(IdempotencySettings).idempotency_table

        @table_name.setter
        def table_name(self, _: str) -> None:
            pass

        @property
        def client(self) -> Any:
            return aws.dynamodb()

        @client.setter
        def client(self, _: Any) -> None:
            pass

    return EnvironmentStore


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


def idempotent_record(
    config: IdempotencyConfig | LazyIdempotencyConfig, *, keyword: str = "record"
) -> Callable[[F], F]:
    """Make a function idempotent on its keyword argument ``keyword`` (a dict, dataclass or pydantic model).

    Call ``config.register_lambda_context(context)`` in the handler so an in-progress record expires with
    the invocation's timeout.
    """

    def decorate(fn: F) -> F:
        built: list[Callable[..., Any]] = []
        lock = threading.Lock()

        def build() -> Callable[..., Any]:
            from aws_lambda_powertools.utilities.idempotency import idempotent_function

            real = config.real() if isinstance(config, LazyIdempotencyConfig) else config
            wrapped: Callable[..., Any] = idempotent_function(
                fn, data_keyword_argument=keyword, persistence_store=persistence_store(), config=real
            )
            return wrapped

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            load_settings(IdempotencySettings)  # a missing variable is named here, not wrapped by Powertools
            if not built:
                with lock:
                    if not built:
                        built.append(build())
            try:
                return built[0](*args, **kwargs)
            except Exception as exc:
                translated = _translate(exc)
                if translated is None:
                    raise
                raise translated from exc

        return cast(F, wrapper)

    return decorate
