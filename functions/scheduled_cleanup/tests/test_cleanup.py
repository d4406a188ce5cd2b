"""scheduled_cleanup: abandoned orders are archived then deleted, once, even with overlapping runs; resumable."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
from scheduled_cleanup.cleanup import clean_abandoned

from shared import aws
from shared.errors import ValidationError
from shared.orders import Order, OrderStatus, order_key
from shared.settings import SettingsError, reset_settings

Run = Callable[..., dict[str, Any]]
NOW = datetime.fromisoformat("2024-05-24T03:00:00+00:00")


def test_only_pending_orders_older_than_the_limit_are_archived_and_deleted(run: Run, cleanup_aws: Any) -> None:
    # Given orders around the 48 h limit, and an old order that was paid
    old = cleanup_aws.add("old-1", age_hours=72)
    cleanup_aws.add("old-2", age_hours=49)
    cleanup_aws.add("young", age_hours=47)
    cleanup_aws.add("paid", age_hours=100, status=OrderStatus.PAID)

    report = run()

    assert report == {
        "cutoff": "2024-05-22T03:00:00.000Z",
        "archived": 2,
        "already_removed": 0,
        "changed": 0,
        "complete": True,
        "left": {},
    }
    assert cleanup_aws.order_ids() == ["paid", "young"]
    archived = cleanup_aws.archived()
    assert sorted(archived) == ["abandoned-orders/2024/05/21/old-1.json", "abandoned-orders/2024/05/22/old-2.json"]
    assert Order.model_validate(archived["abandoned-orders/2024/05/21/old-1.json"]["order"]) == old


def test_the_archive_holds_the_order_in_its_json_form(run: Run, cleanup_aws: Any) -> None:
    # Given an abandoned order
    old = cleanup_aws.add("old-1", age_hours=72)

    # When the cleanup runs
    run()

    # Then its archive is the order as the API answers it, with the time of the run
    archive = cleanup_aws.archived()["abandoned-orders/2024/05/21/old-1.json"]
    assert archive == {"archived_at": "2024-05-24T03:00:00.000Z", "order": old.model_dump(mode="json")}
    assert archive["order"]["items"] == [{"sku": "sku-1", "quantity": 1, "price": "9.99"}]


@pytest.mark.parametrize("source", ["api", "queue", "bulk", "csv"])
def test_abandoned_orders_from_every_entry_point_are_archived(run: Run, cleanup_aws: Any, source: str) -> None:
    # Given an abandoned order from one entry point (a CSV import has no lines)
    old = cleanup_aws.add("old-1", age_hours=72, source=source)

    # When the cleanup runs
    report = run()

    # Then it is archived and deleted
    assert (report["archived"], cleanup_aws.order_ids()) == (1, [])
    assert Order.model_validate(cleanup_aws.archived()["abandoned-orders/2024/05/21/old-1.json"]["order"]) == old


def test_every_page_is_processed(cleanup_aws: Any) -> None:
    for number in range(23):
        cleanup_aws.add(f"o-{number:02d}", age_hours=50 + number)
    pages: list[int] = []
    table_client = aws.dynamodb_table("orders").meta.client
    table_client.meta.events.register("before-call.dynamodb.Query", lambda **_: pages.append(1))

    report = clean_abandoned(now=NOW, abandoned_after_hours=48, remaining_ms=lambda: 60_000, page_size=5)

    assert report.archived == 23
    assert len(pages) >= 5
    assert cleanup_aws.order_ids() == []


def test_a_run_short_of_time_stops_cleanly_and_says_what_is_left(run: Run, cleanup_aws: Any) -> None:
    for number in range(5):
        cleanup_aws.add(f"o-{number}", age_hours=60 + number)

    # Enough time for two orders, then under the safety margin
    report = run(remaining=[60_000, 50_000, 9_000])

    assert (report["archived"], report["complete"]) == (2, False)
    assert report["left"] == {"fetched_not_processed": 3, "more_pages": False}
    assert len(cleanup_aws.order_ids()) == 3


def test_the_next_run_finishes_what_an_interrupted_run_left(run: Run, cleanup_aws: Any) -> None:
    for number in range(5):
        cleanup_aws.add(f"o-{number}", age_hours=60 + number)
    run(remaining=[60_000, 9_000])

    report = run()

    assert (report["archived"], report["complete"]) == (4, True)
    assert cleanup_aws.order_ids() == []
    assert len(cleanup_aws.archived()) == 5


def test_an_order_deleted_by_an_overlapping_run_is_not_an_error(run: Run, cleanup_aws: Any) -> None:
    # Given another run deletes the order between this run's read and its delete
    cleanup_aws.add("o-1", age_hours=60)
    table_client = aws.dynamodb_table("orders").meta.client

    def other_run_deletes(params: dict[str, Any], **_: Any) -> None:
        cleanup_aws.table.delete_item(Key=order_key("o-1"))

    table_client.meta.events.register("before-call.dynamodb.DeleteItem", other_run_deletes)

    report = run()

    assert (report["archived"], report["already_removed"]) == (0, 1)
    assert list(cleanup_aws.archived()) == ["abandoned-orders/2024/05/21/o-1.json"]


def test_an_order_paid_meanwhile_is_kept_and_not_archived(run: Run, cleanup_aws: Any) -> None:
    # Given the customer pays between this run's read and its delete
    cleanup_aws.add("o-1", age_hours=60)
    table_client = aws.dynamodb_table("orders").meta.client

    def customer_pays(**_: Any) -> None:
        cleanup_aws.table.update_item(
            Key=order_key("o-1"),
            UpdateExpression="SET #s = :paid, updated_at = :now",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":paid": OrderStatus.PAID.value, ":now": "2024-05-24T03:00:01.000Z"},
        )

    table_client.meta.events.register("before-call.dynamodb.DeleteItem", customer_pays)

    report = run()

    assert (report["archived"], report["changed"]) == (0, 1)
    assert cleanup_aws.order_ids() == ["o-1"]
    assert cleanup_aws.archived() == {}


def test_two_runs_at_once_archive_and_delete_every_order(cleanup_aws: Any) -> None:
    for number in range(20):
        cleanup_aws.add(f"o-{number:02d}", age_hours=50 + number)

    def one_run() -> Any:
        return clean_abandoned(now=NOW, abandoned_after_hours=48, remaining_ms=lambda: 60_000, page_size=4)

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(one_run) for _ in range(2)]
        reports = [run.result() for run in runs]  # re-raises an error of either run

    assert cleanup_aws.order_ids() == []
    assert len(cleanup_aws.archived()) == 20
    assert all(report.complete for report in reports)
    assert sum(r.archived + r.already_removed + r.changed for r in reports) >= 20


def test_a_missing_setting_is_named(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ABANDONED_AFTER_HOURS")
    reset_settings()

    with pytest.raises(SettingsError, match="missing ABANDONED_AFTER_HOURS"):
        run()


def test_an_event_that_is_not_a_schedule_is_rejected(run: Run) -> None:
    with pytest.raises(ValidationError) as caught:
        run(event={"detail": {}})

    assert "event.time" in caught.value.fields
