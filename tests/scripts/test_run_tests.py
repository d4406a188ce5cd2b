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
