"""GET /health: 200 when the orders table answers, 503 (fast) when it does not."""

from __future__ import annotations

import time

import pytest
from health.probe import PROBE_CONFIG
from health.report import build_report


def test_answering_table_reports_200_with_region_version_and_checks(orders_table, check) -> None:
    # Given the orders table exists (orders_table)
    # When Route 53 checks the region
    status, headers, body = check()

    # Then the region is healthy and says who it is
    assert status == 200
    assert body == {"status": "ok", "region": "eu-west-1", "version": "7", "checks": {"orders_table": "ok"}}
    assert headers["Cache-Control"] == "no-store"


def test_app_version_wins_over_the_lambda_version(orders_table, check, monkeypatch) -> None:
    monkeypatch.setenv("APP_VERSION", "2024.04.30-3f2a1b")

    assert check()[2]["version"] == "2024.04.30-3f2a1b"


def test_missing_table_reports_503(moto_dynamodb, check) -> None:
    # Given DynamoDB answers but the table does not exist
    status, _, body = check()

    assert status == 503
    assert body["checks"] == {"orders_table": "unavailable"}
    assert body["status"] == "unavailable"


def test_hung_dynamodb_reports_503_after_one_attempt_with_a_short_read_timeout(
    health_env, silent_endpoint, check
) -> None:
    # Given DynamoDB accepts connections but never answers
    # When the region is checked
    status, _, body = check()

    # Then it is reported down after one attempt (no retries) that gave up on its read timeout: the probe's
    # 1 s, not the SDK's 60 s x 3 attempts, fits Route 53's 4 s budget (the figure is configuration, not timed here)
    assert status == 503
    assert body["checks"] == {"orders_table": "unavailable"}
    deadline = time.monotonic() + 10  # the accepting thread may run late on a loaded machine
    while not silent_endpoint and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(silent_endpoint) == 1
    assert (PROBE_CONFIG.read_timeout, PROBE_CONFIG.connect_timeout) == (1.0, 0.5)
    assert PROBE_CONFIG.retries == {"mode": "standard", "total_max_attempts": 1}


def test_unreachable_dynamodb_reports_503(health_env, closed_endpoint, check) -> None:
    status, _, body = check()

    assert status == 503
    assert body["checks"] == {"orders_table": "unavailable"}


def test_one_failing_probe_makes_the_whole_report_unavailable() -> None:
    report = build_report(region="r", version="v", probes={"a": lambda: "ok", "b": lambda: "unavailable"})

    assert (report.status, report.http_status) == ("unavailable", 503)


def test_drain_switch_reports_503_while_the_table_answers(orders_table, check, monkeypatch) -> None:
    # Given a healthy region whose operator set the drain switch
    monkeypatch.setenv("HEALTH_DRAINED", "true")

    # When Route 53 checks the region
    status, _, body = check()

    # Then the region is reported down, and the report still shows the table answering
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"] == {"orders_table": "ok", "drain_switch": "unavailable"}


def test_drain_switch_off_keeps_the_region_healthy(orders_table, check, monkeypatch) -> None:
    monkeypatch.setenv("HEALTH_DRAINED", "false")

    status, _, body = check()

    assert (status, body["checks"]) == (200, {"orders_table": "ok"})


def test_malformed_drain_switch_is_an_error_naming_the_variable(orders_table, check, monkeypatch) -> None:
    from health.settings import HealthSettings

    from shared.settings import SettingsError

    # Given a drain switch nobody can read as true or false
    monkeypatch.setenv("HEALTH_DRAINED", "sometimes")

    # Then the settings name it, and the check fails (a 5xx: Route 53 counts the region as unhealthy)
    with pytest.raises(SettingsError, match="HEALTH_DRAINED"):
        HealthSettings.from_env()
    assert check()[0] == 500
