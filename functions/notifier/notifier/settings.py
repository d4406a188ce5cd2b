"""The environment notifier reads."""

from __future__ import annotations

from shared.settings import CsvList, EnvSettings, load_settings


class NotifierSettings(EnvSettings):
    sender_email: str
    upload_alert_recipients: CsvList  # who is told that an upload arrived (comma-separated addresses)


def settings() -> NotifierSettings:
    return load_settings(NotifierSettings)
