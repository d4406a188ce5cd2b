"""The environment bulk_worker reads."""

from __future__ import annotations

from shared.settings import EnvSettings, load_settings


class BulkWorkerSettings(EnvSettings):
    orders_table: str


def settings() -> BulkWorkerSettings:
    return load_settings(BulkWorkerSettings)
