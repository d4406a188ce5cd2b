from __future__ import annotations

from collections.abc import Sequence

import pytest

from shared.retry import backoff_delay, resend_until_done


def test_backoff_is_exponential_and_capped() -> None:
    assert [backoff_delay(n, base=0.05, cap=0.3) for n in range(5)] == [0.05, 0.1, 0.2, 0.3, 0.3]


class Refusing:
    """Accepts one item per call (the first), refusing the rest, as a throttled batch API does."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, pending: Sequence[str]) -> list[str]:
        self.calls.append(list(pending))
        return list(pending[1:])


def test_what_is_left_is_resent_with_backoff_until_done() -> None:
    # Given a batch of three where each call gets one through
    send, sleeps, retries = Refusing(), list[float](), list[tuple[int, int]]()
    # When it is resent until done
    left = resend_until_done(
        ["a", "b", "c"],
        send,
        max_attempts=5,
        base_delay=0.1,
        max_delay=1.0,
        sleep=sleeps.append,
        on_retry=lambda attempt, n: retries.append((attempt, n)),
    )
    # Then each call carried only what was left, between exponential sleeps, and nothing is left
    assert left == []
    assert send.calls == [["a", "b", "c"], ["b", "c"], ["c"]]
    assert sleeps == [0.1, 0.2]
    assert retries == [(1, 2), (2, 1)]


def test_what_is_still_left_after_max_attempts_is_returned() -> None:
    send, sleeps = Refusing(), list[float]()
    left = resend_until_done(
        ["a", "b", "c", "d"], send, max_attempts=2, base_delay=1.0, max_delay=1.5, sleep=sleeps.append
    )
    assert left == ["c", "d"]
    assert (len(send.calls), sleeps) == (2, [1.0])


def test_nothing_left_after_the_first_call_never_sleeps() -> None:
    sleeps = list[float]()
    assert (
        resend_until_done([1, 2], lambda pending: [], max_attempts=3, base_delay=1, max_delay=1, sleep=sleeps.append)
        == []
    )
    assert sleeps == []


def test_max_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_attempts must be at least 1"):
        resend_until_done([1], lambda pending: pending, max_attempts=0, base_delay=1, max_delay=1)
