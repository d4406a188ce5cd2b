"""`make test`'s runner: how pytest exit codes become the verdict."""

from __future__ import annotations

import pytest

from scripts.run_tests import verdict


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (0, (0, None)),
        (1, (1, "error: suite: pytest exited with 1")),
        (5, (1, "error: suite: pytest collected no tests")),
        (2, (2, "error: suite: pytest exited with 2")),
    ],
)
def test_exit_codes_become_a_verdict(code: int, expected: tuple[int, str | None]) -> None:
    assert verdict("suite", code) == expected


def test_stack_suites_run_one_after_the_other_each_into_its_log(tmp_path, monkeypatch) -> None:
    import sys

    from scripts import run_tests

    # Given two stack suites whose "pytest" records when it started and ended, and fails for the second
    monkeypatch.setattr(run_tests, "STACK_SUITES", (("first", "one", "one.log"), ("second", "two", "two.log")))
    script = (
        "import sys, time; print('start', time.monotonic()); print('end', time.monotonic()); "
        "sys.exit(0 if sys.argv[1] == 'one' else 3)"
    )

    # When the lane runs them
    codes = run_tests.StackLane([sys.executable, "-c", script], tmp_path).start().wait()

    # Then each ran, with its own exit code and log, and the second started after the first ended
    assert codes == {"first": 0, "second": 3}
    first = dict(line.split() for line in (tmp_path / "one.log").read_text().splitlines())
    second = dict(line.split() for line in (tmp_path / "two.log").read_text().splitlines())
    assert float(second["start"]) >= float(first["end"])
