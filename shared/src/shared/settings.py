"""Typed settings read from the environment (pydantic-settings), lazily, once per process.

A function declares what it needs::

    class Settings(EnvSettings):
        orders_table: str                 # reads ORDERS_TABLE, required
        abandoned_after_hours: int = 48   # reads ABANDONED_AFTER_HOURS, optional with a visible default

    settings = load_settings(Settings)    # first call reads and validates; later calls return the same object

The environment is the only source (no .env file, no secrets directory, no constructor arguments). A missing
or malformed variable raises one :class:`SettingsError` naming every offending variable.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Annotated, Self, TypeVar, cast

import pydantic
from pydantic import BeforeValidator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

__all__ = ["CsvList", "EnvSettings", "SettingsError", "load_settings", "reset_settings"]


class SettingsError(RuntimeError):
    """The environment does not satisfy a settings model; ``names`` lists every offending variable."""

    def __init__(self, model: str, missing: list[str], malformed: dict[str, str]) -> None:
        self.names: tuple[str, ...] = tuple(sorted({*missing, *malformed}))
        parts = []
        if missing:
            parts.append("missing " + ", ".join(sorted(missing)))
        if malformed:
            parts.append("malformed " + ", ".join(f"{name} ({why})" for name, why in sorted(malformed.items())))
        super().__init__(f"{model}: invalid environment: " + "; ".join(parts))


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


CsvList = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_split_csv)]
"""A comma-separated variable (``a.com, b.com`` → ``("a.com", "b.com")``); empty items are dropped."""


class _Environment(EnvSettingsSource):
    """The process environment, where a blank variable is unset: "" or "  " is never a table name or a URL."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name.lower(): value for name, value in os.environ.items() if value.strip()}


class EnvSettings(BaseSettings):
    """Base for a function's settings: field ``orders_table`` reads the variable ``ORDERS_TABLE``."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (_Environment(settings_cls),)

    @classmethod
    def from_env(cls) -> Self:
        """Read every field from ``os.environ``; raise one :class:`SettingsError` naming all problems."""
        try:
            return cls()
        except pydantic.ValidationError as exc:
            missing: list[str] = []
            malformed: dict[str, str] = {}
            for error in exc.errors(include_url=False):
                name = str(error["loc"][0]).upper() if error["loc"] else cls.__name__
                if error["type"] == "missing":
                    missing.append(name)
                else:
                    malformed.setdefault(name, error["msg"])
            raise SettingsError(cls.__name__, missing, malformed) from None


SettingsT = TypeVar("SettingsT", bound=EnvSettings)

_cache: dict[type[EnvSettings], EnvSettings] = {}
_lock = threading.Lock()


def load_settings(model: type[SettingsT]) -> SettingsT:
    """``model.from_env()`` on first use, the same instance afterwards (per process)."""
    cached = _cache.get(model)
    if cached is None:
        with _lock:
            cached = _cache.get(model)
            if cached is None:
                cached = _cache[model] = model.from_env()
    return cast(SettingsT, cached)


def reset_settings() -> None:
    """Forget loaded settings (tests change the environment between cases)."""
    with _lock:
        _cache.clear()
