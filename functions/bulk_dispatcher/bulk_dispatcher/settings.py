"""The environment bulk_dispatcher reads."""

from __future__ import annotations

from shared.settings import EnvSettings, load_settings


class DispatcherSettings(EnvSettings):
    bulk_queue_url: str


def settings() -> DispatcherSettings:
    return load_settings(DispatcherSettings)
