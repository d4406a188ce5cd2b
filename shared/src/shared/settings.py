"""Typed settings read from the environment, lazily, once per process.

A function declares what it needs::

    class Settings(EnvSettings):
        orders_table: str                 # reads ORDERS_TABLE, required
        abandoned_after_hours: int = 48   # reads ABANDONED_AFTER_HOURS, optional with a visible default

    settings = load_settings(Settings)    # first call reads and validates; later calls return the same object

``from_env`` reads the environment only (no .env file, no secrets directory); a blank variable is unset.
A missing or malformed variable raises one :class:`SettingsError` naming every offending variable. This is a
pydantic model fed ``os.environ``, not pydantic-settings: importing that package costs ~35 ms CPU at every
cold start (it loads asyncio, argparse and every secrets provider) for sources we would turn off.
"""

from __future__ import annotations

import os
import threading
from typing import Annotated, Self, TypeVar, cast

import pydantic
from pydantic import BaseModel, BeforeValidator, ConfigDict

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


class EnvSettings(BaseModel):
    """Base for a function's settings: field ``orders_table`` reads the variable ``ORDERS_TABLE``."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, defer_build=True)

    @classmethod
    def from_env(cls) -> Self:
        """Read every field from ``os.environ``; raise one :class:`SettingsError` naming all problems."""
        values = {
            name: os.environ[name.upper()] for name in cls.model_fields if os.environ.get(name.upper(), "").strip()
        }
        try:
            return cls.model_validate(values)
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
