"""Queues that hold under load: the small chaos run, arranged at session start (chaos_scenario.py)."""

from __future__ import annotations

import pytest

from tests.e2e.chaos_scenario import MESSAGES, QueueChaos

pytestmark = pytest.mark.e2e


def test_a_burst_with_poison_duplicates_and_a_killed_worker_drops_nothing_and_applies_nothing_twice(
    queue_chaos: QueueChaos,
) -> None:
    # Given 300 order messages (1% poison, 5% duplicate sends) sent at session start, a worker killed mid-run
    # When the queue has settled
    report = queue_chaos.report(timeout_s=400)
    summary = "\n".join(queue_chaos.lines[-3:])

    # Then every good order is in the table exactly once, no good message is in the DLQ, all poison is
    assert report.sent == MESSAGES
    assert report.good_applied == report.good_unique, f"good orders missing: {report.good_missing}\n{summary}"
    assert report.good_in_dlq == 0
    assert report.poison_in_dlq == report.poison_sent == 3
    assert report.poison_in_table == 0
    # And no order took effect twice (order_worker's log, on a local stack)
    if queue_chaos.killed_worker:
        assert report.audited_log, "order_worker's log has no 'order message applied' lines to audit"
        assert report.applied_twice == 0
        # And a worker really was killed while messages were in flight
        assert len(report.workers_killed) == 1
