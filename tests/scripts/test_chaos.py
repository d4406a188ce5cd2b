"""scripts/chaos.py and scripts/local/chaos.py without a stack: the plan, the audit helpers, the CLI's errors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from scripts import chaos as cli
from scripts.local.chaos import (
    ChaosPlan,
    ChaosReport,
    _marker_of,
    _placed_counts,
    format_report,
    plan_messages,
)
from shared.contracts import parse_order_message
from shared.errors import ValidationError


def test_a_plan_of_300_has_3_poison_15_duplicates_and_282_unique_good_orders() -> None:
    sends = plan_messages(ChaosPlan(messages=300), "r1")

    kinds = Counter(m.kind for m in sends)
    assert kinds == {"good": 282, "duplicate": 15, "poison": 3}
    assert len({m.key for m in sends if m.kind == "good"}) == 282
    assert len(sends) == 300


def test_every_duplicate_repeats_a_good_body_and_the_plan_is_the_same_for_a_seed() -> None:
    sends = plan_messages(ChaosPlan(messages=1000, seed=7), "r2")

    good = {m.key: m.body for m in sends if m.kind == "good"}
    assert all(good[m.key] == m.body for m in sends if m.kind == "duplicate")
    assert plan_messages(ChaosPlan(messages=1000, seed=7), "r2") == sends
    assert plan_messages(ChaosPlan(messages=1000, seed=8), "r2") != sends


def test_good_messages_parse_and_poison_never_does() -> None:
    # The consumer's own parser decides: every good body is a valid message, every poison body is refused.

    sends = plan_messages(ChaosPlan(messages=400), "r3")
    for message in sends:
        if message.kind == "poison":
            with pytest.raises(ValidationError):
                parse_order_message(message.body)
        else:
            assert parse_order_message(message.body).order_id == message.key


def test_markers_are_found_in_json_and_in_text_bodies() -> None:
    assert _marker_of(json.dumps({"order_id": "chaos-r-g00001"}), "chaos-r-") == "chaos-r-g00001"
    assert _marker_of("not json chaos-r-p00002", "chaos-r-") == "chaos-r-p00002"
    assert _marker_of(json.dumps({"order_id": "someone-else"}), "chaos-r-") is None
    assert _marker_of(json.dumps(["a"]), "chaos-r-") is None


def test_the_log_audit_counts_placed_outcomes_per_order(tmp_path: Path) -> None:
    # Given an order_worker log with a placed order, a second placed line for the same order, and other lines
    def line(message: str, order_id: str, outcome: str) -> str:
        return "2026-11-25T15:00:00Z " + json.dumps({"message": message, "order_id": order_id, "outcome": outcome})

    log = tmp_path / "order_worker.log"
    log.write_text(
        "\n".join(
            [
                "START RequestId: x",
                line("order message applied", "chaos-r-g1", "placed"),
                line("order message applied", "chaos-r-g1", "placed"),
                line("order message applied", "chaos-r-g2", "placed"),
                line("order message changed nothing", "chaos-r-g2", "already_placed"),
                line("order message applied", "other-g3", "placed"),
            ]
        )
    )

    # When audited, Then g1 counts twice, g2 once, and the other run's order not at all
    assert _placed_counts(log, "chaos-r-", 0) == {"chaos-r-g1": 2, "chaos-r-g2": 1}


def report(**overrides: object) -> ChaosReport:
    values: dict[str, object] = dict(
        run_id="r",
        sent=300,
        good_unique=282,
        duplicates_sent=15,
        poison_sent=3,
        good_applied=282,
        applied_twice=0,
        good_missing=0,
        good_in_dlq=0,
        poison_in_dlq=3,
        poison_in_table=0,
        workers_killed=[123],
        send_s=2.0,
        apply_s=2.5,
        drain_s=150.0,
        apply_rate=118.8,
        drain_rate=2.0,
        load_average=[5.0, 4.0, 3.0, 2.0],
    )
    return ChaosReport(**(values | overrides))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "overrides",
    [
        {"good_applied": 281},
        {"applied_twice": 1},
        {"good_in_dlq": 1},
        {"poison_in_dlq": 2},
        {"poison_in_table": 1},
    ],
)
def test_any_broken_guarantee_fails_the_run(overrides: dict[str, object]) -> None:
    assert report().ok
    assert not report(**overrides).ok
    assert format_report(report(**overrides)).endswith("FAIL")


def test_the_summary_table_and_json_carry_the_figures() -> None:
    table = format_report(report())
    assert "282 / 282" in table
    assert "118.8" not in table  # rates are rounded for people
    assert "119 msg/s" in table
    assert table.endswith("PASS")
    assert json.loads(report().to_json())["ok"] is True


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"messages": 0}, "messages must be at least 1"),
        ({"poison_rate": 1.5}, "poison_rate must be in"),
        ({"poison_rate": 0.6, "duplicate_rate": 0.5}, "leave room for good messages"),
        ({"settle": "soon"}, "settle must be"),
    ],
)
def test_an_impossible_plan_is_refused_naming_the_value(plan: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ChaosPlan(**plan)  # type: ignore[arg-type]


def test_cli_bad_arguments_are_one_line_errors_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--messages", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: messages must be at least 1")
    assert len(err.strip().splitlines()) == 1


def test_cli_without_a_running_stack_says_how_to_start_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--local-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no running stack" in err
    assert "make up" in err
