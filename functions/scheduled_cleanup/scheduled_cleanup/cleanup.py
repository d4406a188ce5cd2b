"""Finding, archiving and deleting abandoned orders; safe when two runs overlap, and resumable.

Per order: read it (consistent), archive it, then delete it on condition that it is still PENDING with the
same ``updated_at``. When the condition fails, the order was either deleted by an overlapping run (its archive
stays: it holds the same order) or it changed — then it is left alone, and if it left PENDING our archive copy
is removed (no run will delete it any more). Before each order the remaining invocation time is checked; a run
that is short of time stops between orders and reports what is left for the next scheduled run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from scheduled_cleanup import store
from shared.observability import logger
from shared.order_store import OrderTable
from shared.orders import Order, OrderStatus, format_timestamp

SAFETY_MARGIN_MS = 10_000  # one order takes up to ~5 calls with 5 s read timeouts: stop well before the end
PAGE_SIZE = 100


@dataclass
class CleanupReport:
    cutoff: str
    archived: int = 0
    already_removed: int = 0
    changed: int = 0
    complete: bool = True
    left: dict[str, int | bool] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _clean_one(table: OrderTable, listed: Order, cutoff: str, *, now: str, report: CleanupReport) -> None:
    order = table.load(listed.order_id)  # the index is eventually consistent; the table read is not
    if order is None:
        report.already_removed += 1
        return
    if order.status is not OrderStatus.PENDING or order.created_at >= cutoff:
        report.changed += 1
        return
    key = store.put_archive(order, archived_at=now)
    if table.delete_if_unchanged(order):
        report.archived += 1
        logger.info("order archived", extra={"order_id": order.order_id, "archive_key": key})
        return
    current = table.load(order.order_id)
    if current is None:
        report.already_removed += 1  # an overlapping run deleted it; its archive is the same order
        return
    report.changed += 1
    if current.status is not OrderStatus.PENDING:
        store.delete_archive(key)  # the order is alive again: no run will delete it, so no archive copy


def clean_abandoned(
    *,
    now: datetime,
    abandoned_after_hours: int,
    remaining_ms: Callable[[], int],
    safety_margin_ms: int = SAFETY_MARGIN_MS,
    page_size: int = PAGE_SIZE,
) -> CleanupReport:
    cutoff = format_timestamp(now - timedelta(hours=abandoned_after_hours))
    report = CleanupReport(cutoff=cutoff)
    table = store.orders()
    start_key = None
    while True:
        page, next_key = table.page_by_status(
            OrderStatus.PENDING, limit=page_size, start_key=start_key, created_before=cutoff
        )
        for position, listed in enumerate(page):
            if remaining_ms() < safety_margin_ms:
                report.complete = False
                report.left = {"fetched_not_processed": len(page) - position, "more_pages": next_key is not None}
                logger.warning("stopping before the timeout; the next run continues", extra=report.left)
                return report
            _clean_one(table, listed, cutoff, now=format_timestamp(now), report=report)
        if next_key is None:
            return report
        start_key = next_key
