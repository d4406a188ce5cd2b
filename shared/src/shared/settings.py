"""Typed settings read from the environment, lazily, once per process.

A function declares what it needs::

    class Settings(EnvSettings):
        orders_table: str                 # reads ORDERS_TABLE, required
        abandoned_after_hours: int = 48   # reads ABANDONED_AFTER_HOURS, optional with a visible default

    settings = load_settings(Settings)    # first call reads and validates; later calls return the same object

A missing or malformed variable raises one :class:`SettingsError` naming every offending variable.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Annotated, Any, Self, TypeVar, cast

import pydantic
from pydantic import BeforeValidator, ConfigDict

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


CsvList = Annotated[tuple[str, ...], BeforeValidator(_split_csv)]
"""A comma-separated variable (``a.com, b.com`` → ``("a.com", "b.com")``); empty items are dropped."""


class EnvSettings(pydantic.BaseModel):
    """Base for a function's settings: field ``orders_table`` reads the variable ``ORDERS_TABLE``."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @classmethod
    def env_name(cls, field: str) -> str:
        return field.upper()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Read every field from ``environ`` (default: ``os.environ``); raise one error naming all problems."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        missing: list[str] = []
        for field, info in cls.model_fields.items():
            name = cls.env_name(field)
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                # An empty variable is as good as missing: "" is never a table name or a URL.
                if info.is_required():
                    missing.append(name)
                continue
            values[field] = raw
        malformed: dict[str, str] = {}
        try:
            model = cls.model_validate(values)
        except pydantic.ValidationError as exc:
            for error in exc.errors(include_url=False):
                field = str(error["loc"][0]) if error["loc"] else ""
                if field in values:
                    malformed.setdefault(cls.env_name(field), error["msg"])
            if missing or malformed:
                raise SettingsError(cls.__name__, missing, malformed) from None
            raise
        if missing:
            raise SettingsError(cls.__name__, missing, malformed)
        return model


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
