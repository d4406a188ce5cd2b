"""Schedule expressions and the runner that fires EventBridge schedule rules and Scheduler schedules."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from scripts.local.events.async_invoke import AsyncInvoker
from scripts.local.events.aws import AwsClients
from scripts.local.events.schedule_expressions import parse_schedule_expression
from scripts.local.events.schedules import ScheduleRunner, TickClock, UnknownScheduleError
from scripts.local.events.sources import EventSources
from tests.local.events.helpers import LocalFunctions, wait_until

ACCOUNT = "123456789012"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(0 12 * * ? *)", "2030-01-01T12:00:00", "2030-01-02T12:00:00"),
        ("cron(0/15 * * * ? *)", "2030-01-01T10:07:30", "2030-01-01T10:15:00"),
        ("cron(0 8 ? * MON-FRI *)", "2030-01-04T09:00:00", "2030-01-07T08:00:00"),  # Fri → Mon
        ("cron(0 18 ? * 6L 2030)", "2030-01-01T00:00:00", "2030-01-25T18:00:00"),  # last Friday
        ("cron(30 9 ? * 2#1 *)", "2030-01-01T00:00:00", "2030-01-07T09:30:00"),  # first Monday
        ("cron(0 0 L * ? *)", "2030-02-10T00:00:00", "2030-02-28T00:00:00"),  # last day of month
        ("cron(0 0 1 JAN,JUL ? *)", "2030-01-02T00:00:00", "2030-07-01T00:00:00"),
        ("rate(5 minutes)", "2030-01-01T00:00:00", "2030-01-01T00:05:00"),
        ("rate(1 day)", "2030-01-01T00:00:00", "2030-01-02T00:00:00"),
        ("at(2030-03-01T10:00:00)", "2030-01-01T00:00:00", "2030-03-01T10:00:00"),
    ],
)
def test_schedule_expression_next_fire_time(expression: str, after: str, expected: str) -> None:
    assert parse_schedule_expression(expression).next_after(_utc(after)) == _utc(expected)


def test_cron_in_a_schedule_time_zone_fires_at_local_time() -> None:
    # 09:00 in Berlin in winter is 08:00 UTC
    expression = parse_schedule_expression("cron(0 9 * * ? *)", "Europe/Berlin")
    assert expression.next_after(_utc("2030-01-10T00:00:00")) == _utc("2030-01-10T08:00:00")


def test_one_time_schedule_in_the_past_never_fires() -> None:
    assert parse_schedule_expression("at(2020-01-01T00:00:00)").next_after(_utc("2030-01-01T00:00:00")) is None


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("rate(5 fortnights)", "not a schedule expression"),
        ("cron(0 12 * * *)", "cron needs 6 fields"),
        ("cron(0 12 * * MON *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 25 * * ? *)", "outside 0-23"),
        ("cron(0 12 15W * ? *)", "W (nearest weekday) wildcard is not supported"),
        ("cron(0 12 ? * FUNDAY *)", "cannot read 'FUNDAY'"),
    ],
)
def test_bad_schedule_expression_is_rejected_with_the_reason(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_schedule_expression(expression)


class ManualClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def invoker(clients: AwsClients, functions: LocalFunctions) -> Iterator[AsyncInvoker]:
    async_invoker = AsyncInvoker(functions.invoke, clients, workers=2, time_scale=0.005)
    async_invoker.start()
    yield async_invoker
    async_invoker.stop()


def test_cron_rule_fires_at_its_time_and_not_before(
    clients: AwsClients, functions: LocalFunctions, invoker: AsyncInvoker
) -> None:
    # Given a rule at 12:00 UTC daily targeting a function, and a clock at 11:59:30
    target_arn = functions.create("cleanup", lambda event, _context: None)
    events = clients.client("events")
    rule_arn = events.put_rule(Name="noon", ScheduleExpression="cron(0 12 * * ? *)")["RuleArn"]
    events.put_targets(Rule="noon", Targets=[{"Id": "fn", "Arn": target_arn}])
    clock = ManualClock(_utc("2030-01-01T11:59:30"))
    runner = ScheduleRunner(invoker.submit, clients, clock=clock)
    runner.refresh()

    # When the clock is still before noon, nothing fires
    assert runner.run_due() == 0

    # When it passes noon, the rule fires once, with a Scheduled Event for 12:00
    clock.now = _utc("2030-01-01T12:00:01")
    assert runner.run_due() == 1
    assert runner.run_due() == 0
    assert invoker.wait_idle(5)
    [event] = functions.events("cleanup")
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["time"] == "2030-01-01T12:00:00Z"
    assert event["resources"] == [rule_arn]
    assert event["detail"] == {}
    assert event["account"] == ACCOUNT


def test_rate_rule_fires_repeatedly_on_a_running_schedule(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a rate(1 minute) rule and a schedule clock that moves 10 s per tick of the running loop
    target_arn = functions.create("tick", lambda event, _context: None)
    events = clients.client("events")
    events.put_rule(Name="every-minute", ScheduleExpression="rate(1 minute)")
    events.put_targets(Rule="every-minute", Targets=[{"Id": "fn", "Arn": target_arn}])
    start = _utc("2030-01-01T00:00:00")

    # When the event sources run until the function got three firings, then the schedules stop and the
    # invocations already queued are delivered
    sources = make_sources(schedule_clock=TickClock(start, timedelta(seconds=10)))
    assert wait_until(lambda: len(functions.events("tick")) >= 3, 60)
    sources.schedules.stop()
    assert sources.async_invoker.wait_idle(60)

    # Then it got a Scheduled Event for every minute in turn, none skipped and none twice, however slow the ticks
    fired = [scheduled for _key, scheduled in sources.schedules.fired]
    times = sorted(datetime.fromisoformat(event["time"]) for event in functions.events("tick"))
    assert len(times) >= 3
    assert times == fired == [start + timedelta(minutes=n) for n in range(1, len(times) + 1)]


def test_fire_now_sends_the_target_input(clients: AwsClients, functions: LocalFunctions, invoker: AsyncInvoker) -> None:
    # Given a daily rule whose target has a constant Input
    target_arn = functions.create("cleanup", lambda event, _context: None)
    events = clients.client("events")
    events.put_rule(Name="nightly", ScheduleExpression="rate(1 day)")
    events.put_targets(Rule="nightly", Targets=[{"Id": "fn", "Arn": target_arn, "Input": '{"job": "abandoned"}'}])
    runner = ScheduleRunner(invoker.submit, clients)

    # When it is fired now
    request_ids = runner.fire_now("nightly")

    # Then the function is invoked (asynchronously) with exactly that input
    assert len(request_ids) == 1
    assert invoker.wait_idle(5)
    assert functions.events("cleanup") == [{"job": "abandoned"}]


def test_disabled_rule_does_not_fire_and_fire_now_names_it_unknown(
    clients: AwsClients, functions: LocalFunctions, invoker: AsyncInvoker
) -> None:
    # Given a disabled every-minute rule, and a clock an hour later
    target_arn = functions.create("cleanup", lambda event, _context: None)
    events = clients.client("events")
    events.put_rule(Name="paused", ScheduleExpression="rate(1 minute)", State="DISABLED")
    events.put_targets(Rule="paused", Targets=[{"Id": "fn", "Arn": target_arn}])
    clock = ManualClock(_utc("2030-01-01T00:00:00"))
    runner = ScheduleRunner(invoker.submit, clients, clock=clock)
    runner.refresh()
    clock.now += timedelta(hours=1)

    # Then nothing fires, and asking for it by name is a clear error
    assert runner.run_due() == 0
    with pytest.raises(UnknownScheduleError, match="'paused'"):
        runner.fire_now("paused")


def test_scheduler_schedule_fires_its_input_with_context_attributes(
    clients: AwsClients, functions: LocalFunctions, invoker: AsyncInvoker
) -> None:
    # Given an EventBridge Scheduler schedule whose input uses <aws.scheduler.scheduled-time>
    target_arn = functions.create("report", lambda event, _context: None)
    clients.client("scheduler").create_schedule(
        Name="hourly-report",
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": target_arn,
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/scheduler",
            "Input": json.dumps({"at": "<aws.scheduler.scheduled-time>", "kind": "hourly"}),
        },
    )
    clock = ManualClock(_utc("2030-01-01T00:00:00"))
    runner = ScheduleRunner(invoker.submit, clients, clock=clock)
    runner.refresh()

    # When an hour passes
    clock.now = _utc("2030-01-01T01:00:00")
    assert runner.run_due() == 1

    # Then the target got the input with the scheduled time filled in
    assert invoker.wait_idle(5)
    assert functions.events("report") == [{"at": "2030-01-01T01:00:00Z", "kind": "hourly"}]
