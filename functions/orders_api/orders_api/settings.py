"""The environment orders_api reads (through shared.settings; a missing variable fails the first request)."""

from __future__ import annotations

from shared.settings import EnvSettings, load_settings


class OrdersSettings(EnvSettings):
    orders_table: str
    event_bus_name: str


def settings() -> OrdersSettings:
    return load_settings(OrdersSettings)
