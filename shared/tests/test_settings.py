from __future__ import annotations

from typing import Any

import pytest

from shared.settings import CsvList, EnvSettings, SettingsError, load_settings


class OrdersSettings(EnvSettings):
    orders_table: str
    event_bus_name: str
    abandoned_after_hours: int = 48
    allowed_email_domains: CsvList = ()


def read(monkeypatch: pytest.MonkeyPatch, environ: dict[str, str]) -> OrdersSettings:
    """``OrdersSettings.from_env()`` with exactly ``environ`` set among its variables."""
    for name in ("ORDERS_TABLE", "EVENT_BUS_NAME", "ABANDONED_AFTER_HOURS", "ALLOWED_EMAIL_DOMAINS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return OrdersSettings.from_env()


def test_settings_read_typed_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = read(
        monkeypatch,
        {
            "ORDERS_TABLE": "orders",
            "EVENT_BUS_NAME": "bus",
            "ABANDONED_AFTER_HOURS": "12",
            "ALLOWED_EMAIL_DOMAINS": "example.com, corp.example ,",
        },
    )
    assert settings.orders_table == "orders"
    assert settings.abandoned_after_hours == 12
    assert settings.allowed_email_domains == ("example.com", "corp.example")


def test_optional_fields_keep_their_declared_default(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = read(monkeypatch, {"ORDERS_TABLE": "orders", "EVENT_BUS_NAME": "bus"})
    assert settings.abandoned_after_hours == 48
    assert settings.allowed_email_domains == ()


def test_one_error_lists_every_missing_and_malformed_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given two missing variables (one set but empty) and one malformed
    environ = {"EVENT_BUS_NAME": "  ", "ABANDONED_AFTER_HOURS": "soon"}
    # When
    with pytest.raises(SettingsError) as caught:
        read(monkeypatch, environ)
    # Then
    assert caught.value.names == ("ABANDONED_AFTER_HOURS", "EVENT_BUS_NAME", "ORDERS_TABLE")
    message = str(caught.value)
    assert "missing EVENT_BUS_NAME, ORDERS_TABLE" in message
    assert "malformed ABANDONED_AFTER_HOURS" in message
    assert "\n" not in message


def test_load_settings_reads_once_and_caches_until_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.settings import reset_settings

    monkeypatch.setenv("ORDERS_TABLE", "orders-v1")
    monkeypatch.setenv("EVENT_BUS_NAME", "bus")
    first = load_settings(OrdersSettings)
    monkeypatch.setenv("ORDERS_TABLE", "orders-v2")
    assert load_settings(OrdersSettings) is first
    assert first.orders_table == "orders-v1"
    reset_settings()
    assert load_settings(OrdersSettings).orders_table == "orders-v2"


def test_load_settings_fails_on_first_use_not_before(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORDERS_TABLE", raising=False)
    monkeypatch.delenv("EVENT_BUS_NAME", raising=False)
    with pytest.raises(
        SettingsError, match="OrdersSettings: invalid environment: missing EVENT_BUS_NAME, ORDERS_TABLE"
    ):
        load_settings(OrdersSettings)


def test_settings_are_immutable(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = read(monkeypatch, {"ORDERS_TABLE": "orders", "EVENT_BUS_NAME": "bus"})
    with pytest.raises(Exception, match="frozen"):
        settings.orders_table = "other"


def test_only_the_environment_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # Given a .env file in the working directory that would satisfy the model
    (tmp_path / ".env").write_text("ORDERS_TABLE=from-dotenv\nEVENT_BUS_NAME=from-dotenv\n")
    monkeypatch.chdir(tmp_path)
    # When the environment lacks the variables
    with pytest.raises(SettingsError, match="missing EVENT_BUS_NAME, ORDERS_TABLE"):
        read(monkeypatch, {})
    # Then the file was not read, and the variables alone decide
    assert read(monkeypatch, {"ORDERS_TABLE": "t", "EVENT_BUS_NAME": "b"}).orders_table == "t"


def test_a_json_looking_list_is_still_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    environ = {"ORDERS_TABLE": "t", "EVENT_BUS_NAME": "b", "ALLOWED_EMAIL_DOMAINS": '["a.com"]'}
    assert read(monkeypatch, environ).allowed_email_domains == ('["a.com"]',)
