"""SSM parameters and Secrets Manager secrets through Powertools providers, cached for ``max_age`` seconds.

The providers use the shared clients (timeouts, retries, ``AWS_ENDPOINT_URL``) and are built on first use.
A missing parameter or secret raises Powertools' ``GetParameterError`` naming it: a deployment problem, so
it surfaces as an unexpected error (HTTP 500 / retry → DLQ), never as an empty string.
"""

from __future__ import annotations

import threading
from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from shared import aws

__all__ = [
    "DEFAULT_MAX_AGE",
    "GetParameterError",
    "get_json_parameter",
    "get_json_secret",
    "get_parameter",
    "get_secret",
    "reset_parameters",
]

DEFAULT_MAX_AGE = 300  # seconds a value is reused before the next read (rotation shows up within this)

_lock = threading.Lock()
_ssm_provider: SSMProvider | None = None
_secrets_provider: SecretsProvider | None = None


def _ssm() -> SSMProvider:
    global _ssm_provider
    with _lock:
        if _ssm_provider is None:
            _ssm_provider = SSMProvider(boto3_client=aws.ssm())
        return _ssm_provider


def _secrets() -> SecretsProvider:
    global _secrets_provider
    with _lock:
        if _secrets_provider is None:
            _secrets_provider = SecretsProvider(boto3_client=aws.secretsmanager())
        return _secrets_provider


def _text(name: str, value: object) -> str:
    if isinstance(value, bytes):
        return value.decode()
    if not isinstance(value, str):
        raise GetParameterError(f"{name}: expected a string value, got {type(value).__name__}")
    return value


def get_parameter(
    name: str, *, max_age: int = DEFAULT_MAX_AGE, decrypt: bool = False, force_fetch: bool = False
) -> str:
    """An SSM parameter's value (``decrypt=True`` for SecureString; ``force_fetch`` skips the cache)."""
    return _text(name, _ssm().get(name, max_age=max_age, decrypt=decrypt, force_fetch=force_fetch))


def get_json_parameter(name: str, *, max_age: int = DEFAULT_MAX_AGE, decrypt: bool = False) -> Any:
    """An SSM parameter holding JSON, parsed (cached parsed)."""
    return _ssm().get(name, max_age=max_age, transform="json", decrypt=decrypt)


def get_secret(name: str, *, max_age: int = DEFAULT_MAX_AGE, force_fetch: bool = False) -> str:
    """A Secrets Manager secret's string (or binary, decoded as UTF-8); ``force_fetch`` skips the cache."""
    return _text(name, _secrets().get(name, max_age=max_age, force_fetch=force_fetch))


def get_json_secret(name: str, *, max_age: int = DEFAULT_MAX_AGE) -> Any:
    """A Secrets Manager secret holding JSON, parsed."""
    return _secrets().get(name, max_age=max_age, transform="json")


def reset_parameters() -> None:
    """Drop providers and their cached values (tests)."""
    global _ssm_provider, _secrets_provider
    with _lock:
        _ssm_provider = _secrets_provider = None
