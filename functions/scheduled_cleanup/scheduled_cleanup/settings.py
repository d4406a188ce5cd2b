"""The environment scheduled_cleanup reads."""

from __future__ import annotations

from pydantic import Field

from shared.settings import EnvSettings, load_settings


class CleanupSettings(EnvSettings):
    orders_table: str
    archive_bucket: str
    abandoned_after_hours: int = Field(gt=0, le=24 * 365)


def settings() -> CleanupSettings:
    return load_settings(CleanupSettings)
