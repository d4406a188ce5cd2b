"""The environment order_worker reads (IDEMPOTENCY_TABLE is read by shared.idempotency)."""

from __future__ import annotations

from shared.settings import EnvSettings, load_settings


class WorkerSettings(EnvSettings):
    orders_table: str


def settings() -> WorkerSettings:
    return load_settings(WorkerSettings)
