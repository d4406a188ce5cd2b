"""The cleanup job, fired by its own schedule (nobody invokes it here), archives an abandoned order."""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.harness import Stack, wait_for
from tests.e2e.scenarios import api_order_ids, stored_order

pytestmark = pytest.mark.e2e

SCHEDULE_WAIT_CAP_S = 150.0  # the suite's budget for one schedule period


def schedule_period_s(expression: str) -> float:
    found = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression.strip())
    assert found, f"the cleanup schedule {expression!r} is not a rate() expression the suite can bound"
    unit = {"minute": 60, "hour": 3600, "day": 86400}[found.group(2).rstrip("s")]
    return int(found.group(1)) * unit


def test_scheduled_cleanup_archives_an_abandoned_order_from_its_schedule(stack: Stack, abandoned_order: str) -> None:
    # Given the cleanup job's schedule, with a period the suite can wait for
    scheduler = stack.aws("scheduler")
    schedules = [s for s in scheduler.list_schedules()["Schedules"] if s["Name"].endswith("scheduled_cleanup")]
    assert len(schedules) == 1, f"expected one scheduled_cleanup schedule, found {[s['Name'] for s in schedules]}"
    found = scheduler.get_schedule(Name=schedules[0]["Name"], GroupName=schedules[0].get("GroupName", "default"))
    assert found.get("State", "ENABLED") == "ENABLED", f"schedule {found['Name']} is {found.get('State')}"
    period = schedule_period_s(found["ScheduleExpression"])
    assert period <= SCHEDULE_WAIT_CAP_S, (
        f"schedule {found['ScheduleExpression']} is longer than this suite waits ({SCHEDULE_WAIT_CAP_S:.0f} s): "
        "deploy a short rate for end-to-end runs (local environment: rate(1 minute))"
    )

    # And a PENDING order created in 2020 (written when the session started): abandoned
    order_id = abandoned_order

    # When the schedule fires (nobody invokes the job here)
    def archived() -> str | None:
        if stored_order(stack, order_id) is not None:
            return None
        listed = stack.aws("s3").list_objects_v2(Bucket=stack.bucket("archive"), Prefix="abandoned-orders/")
        keys = [o["Key"] for o in listed.get("Contents", []) if o["Key"].endswith(f"/{order_id}.json")]
        return keys[0] if keys else f"deleted but not archived: {order_id}"

    # Then within one period (plus the job's run) the order is archived and removed from the table
    key = wait_for(archived, timeout_s=period + 60, interval_s=2, what=f"order {order_id} archived by the schedule")
    assert key.startswith("abandoned-orders/"), key
    body = json.loads(stack.aws("s3").get_object(Bucket=stack.bucket("archive"), Key=key)["Body"].read())
    assert body["order"]["order_id"] == order_id
    # And its customer no longer sees it through the API
    assert stack.http("GET", f"/orders/{order_id}").status == 404
    assert order_id not in api_order_ids(stack)
