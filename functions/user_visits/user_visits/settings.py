"""The environment user_visits reads (through shared.settings)."""

from __future__ import annotations

from shared.settings import EnvSettings, load_settings


class VisitsSettings(EnvSettings):
    visits_table: str


def settings() -> VisitsSettings:
    return load_settings(VisitsSettings)
