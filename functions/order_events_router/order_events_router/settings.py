"""The environment order_events_router reads."""

from __future__ import annotations

from shared.settings import EnvSettings, load_settings


class RouterSettings(EnvSettings):
    order_saga_arn: str
    notifications_topic_arn: str


def settings() -> RouterSettings:
    return load_settings(RouterSettings)
