"""Fires EventBridge schedule rules and EventBridge Scheduler schedules at their times.

Rules with a ``ScheduleExpression`` (any bus) send a "Scheduled Event" to each target; Scheduler schedules
send their target ``Input`` (context attributes such as ``<aws.scheduler.scheduled-time>`` substituted, ``{}``
when there is none). Lambda targets go through the asynchronous invocation path, as in AWS; SQS targets get
the message. Everything is read from the emulator (rules, targets, schedules) and re-read every
``refresh_interval_s``; moto stores schedules but never fires them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from scripts.arns import parse_arn
from scripts.local.events.aws import AwsClients
from scripts.local.events.schedule_expressions import ScheduleExpression, parse_schedule_expression
from scripts.local.events.targets import target_payload

__all__ = ["Clock", "ScaledClock", "ScheduleRunner", "TickClock", "UnknownScheduleError"]

log = logging.getLogger("local.events.schedules")

Clock = Callable[[], datetime]
SubmitAsync = Callable[[str, bytes, str | None], str]


class UnknownScheduleError(LookupError):
    """``fire_now`` was given a name that is neither a schedule rule nor a Scheduler schedule."""


class ScaledClock:
    """A UTC clock that runs ``1 / time_scale`` times faster than real time (for tests and demos)."""

    def __init__(self, time_scale: float, start: datetime | None = None) -> None:
        if time_scale <= 0:
            raise ValueError(f"time_scale must be > 0, got {time_scale}")
        self._scale = time_scale
        self._start = start or datetime.now(UTC)
        self._origin = time.monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._origin) / self._scale)


class TickClock:
    """A UTC clock that moves ``step`` forward each time the runner's loop ticks, and never on its own.

    Schedule time then depends only on how many ticks ran, not on how long the machine took to run them: a
    test on a loaded machine sees every period fire, in order, with exact scheduled times (a wall-clock or
    :class:`ScaledClock` runner skips periods it was too slow to reach, as EventBridge does).
    """

    def __init__(self, start: datetime, step: timedelta) -> None:
        if step <= timedelta(0):
            raise ValueError(f"step must be > 0, got {step}")
        self._now = start
        self._step = step
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def tick(self) -> None:
        with self._lock:
            self._now += self._step


@dataclass
class _Entry:
    kind: str  # "rule" | "schedule"
    name: str
    arn: str
    expression: ScheduleExpression
    targets: list[dict[str, Any]]
    signature: str
    next_fire: datetime | None


class ScheduleRunner:
    """Keeps the emulator's schedules and fires the due ones; ``fire_now`` fires one by name immediately."""

    def __init__(
        self,
        submit_async: SubmitAsync,
        clients: AwsClients,
        *,
        clock: Clock | None = None,
        refresh_interval_s: float = 2.0,
        tick_s: float = 0.1,
    ) -> None:
        self._submit = submit_async
        self._clients = clients
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._tick_clock = clock.tick if isinstance(clock, TickClock) else None
        self._refresh_interval_s = refresh_interval_s
        self._tick_s = tick_s
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned: set[str] = set()
        self.fired: list[tuple[str, datetime]] = []  # (key, scheduled time), newest last

    def start(self) -> None:
        self._stop.clear()
        self.refresh()
        self._thread = threading.Thread(target=self._loop, name="schedules", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # --- reading the emulator ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read rules and schedules; an unchanged one keeps its next fire time."""
        now = self._clock()
        found = {**self._rules(), **self._scheduler_schedules()}
        with self._lock:
            fresh: dict[str, _Entry] = {}
            for key, entry in found.items():
                old = self._entries.get(key)
                if old is not None and old.signature == entry.signature:
                    fresh[key] = old
                else:
                    entry.next_fire = entry.expression.next_after(now)
                    log.info("schedule %s (%s): next at %s", key, entry.expression.text, entry.next_fire)
                    fresh[key] = entry
            self._entries = fresh

    def _rules(self) -> dict[str, _Entry]:
        events = self._clients.client("events")
        entries: dict[str, _Entry] = {}
        for bus in _all_pages(events.list_event_buses, "EventBuses"):
            for rule in _all_pages(events.list_rules, "Rules", EventBusName=bus["Name"]):
                if not rule.get("ScheduleExpression") or rule.get("State") != "ENABLED":
                    continue
                key = f"rule:{bus['Name']}/{rule['Name']}"
                expression = self._parse(key, rule["ScheduleExpression"], "UTC")
                if expression is None:
                    continue
                targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus["Name"])["Targets"]
                signature = json.dumps([rule["ScheduleExpression"], targets], sort_keys=True, default=str)
                entries[key] = _Entry("rule", rule["Name"], rule["Arn"], expression, targets, signature, None)
        return entries

    def _scheduler_schedules(self) -> dict[str, _Entry]:
        scheduler = self._clients.client("scheduler")
        entries: dict[str, _Entry] = {}
        try:
            summaries = [s for page in scheduler.get_paginator("list_schedules").paginate() for s in page["Schedules"]]
        except (ClientError, BotoCoreError) as exc:
            self._warn_once("scheduler", f"EventBridge Scheduler unavailable in the emulator; skipped: {exc}")
            return entries
        for summary in summaries:
            if summary.get("State") != "ENABLED":
                continue
            detail = scheduler.get_schedule(Name=summary["Name"], GroupName=summary.get("GroupName", "default"))
            key = f"schedule:{detail.get('GroupName', 'default')}/{detail['Name']}"
            zone = detail.get("ScheduleExpressionTimezone") or "UTC"
            expression = self._parse(key, detail["ScheduleExpression"], zone)
            if expression is None:
                continue
            target = detail["Target"]
            signature = json.dumps([detail["ScheduleExpression"], zone, target], sort_keys=True, default=str)
            entries[key] = _Entry("schedule", detail["Name"], detail["Arn"], expression, [target], signature, None)
        return entries

    def _parse(self, key: str, text: str, zone: str) -> ScheduleExpression | None:
        try:
            return parse_schedule_expression(text, zone)
        except ValueError as exc:
            self._warn_once(key, f"schedule {key} will not fire locally: {exc}")
            return None

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.error(message)

    # --- firing --------------------------------------------------------------------------------------------
    def fire_now(self, name: str) -> list[str]:
        """Fire the schedule rule or Scheduler schedule called ``name`` now; returns the async request ids."""
        self.refresh()
        with self._lock:
            matches = [e for e in self._entries.values() if e.name == name]
        if not matches:
            raise UnknownScheduleError(f"no enabled schedule rule or schedule named {name!r}")
        return [rid for entry in matches for rid in self._fire(entry, self._clock())]

    def run_due(self) -> int:
        """Fire every entry whose time has come (skipping missed periods, as EventBridge does); returns count."""
        now = self._clock()
        due: list[tuple[_Entry, datetime]] = []
        with self._lock:
            for entry in self._entries.values():
                scheduled = entry.next_fire
                if scheduled is None or scheduled > now:
                    continue
                due.append((entry, scheduled))
                upcoming = entry.expression.next_after(scheduled)
                while upcoming is not None and upcoming <= now:
                    upcoming = entry.expression.next_after(upcoming)
                entry.next_fire = upcoming
        for entry, scheduled in due:
            self._fire(entry, scheduled)
        return len(due)

    def _fire(self, entry: _Entry, scheduled: datetime) -> list[str]:
        key = f"{entry.kind}:{entry.name}"
        with self._lock:
            self.fired.append((key, scheduled))
        request_ids = []
        for target in entry.targets:
            payload = self._payload(entry, target, scheduled)
            try:
                request_id = self._deliver(entry, target, payload)
            except Exception:  # one broken target must not stop the others; it is logged loudly
                log.exception("schedule %s could not deliver to %s", key, target.get("Arn"))
                continue
            if request_id:
                request_ids.append(request_id)
        log.info("schedule %s fired for %s", key, scheduled.isoformat())
        return request_ids

    def _payload(self, entry: _Entry, target: dict[str, Any], scheduled: datetime) -> bytes:
        stamp = scheduled.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if entry.kind == "schedule":
            text = str(target.get("Input") or "{}")
            for name, value in (
                ("aws.scheduler.schedule-arn", entry.arn),
                ("aws.scheduler.scheduled-time", stamp),
                ("aws.scheduler.execution-id", uuid.uuid4().hex[:16]),
                ("aws.scheduler.attempt-number", "1"),
            ):
                text = text.replace(f"<{name}>", value)
            return text.encode()
        rule_arn = parse_arn(entry.arn)
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": rule_arn.account,
            "time": stamp,
            "region": rule_arn.region,
            "resources": [entry.arn],
            "detail": {},
        }
        return target_payload(target, event, entry.arn, entry.name)

    def _deliver(self, entry: _Entry, target: dict[str, Any], payload: bytes) -> str | None:
        arn = parse_arn(str(target["Arn"]))
        if arn.service == "lambda":
            return self._submit(str(target["Arn"]), payload, None)
        if arn.service == "sqs":
            self._clients.client("sqs").send_message(
                QueueUrl=self._clients.queue_url(str(target["Arn"])), MessageBody=payload.decode()
            )
            return None
        self._warn_once(f"target:{target['Arn']}", f"schedule {entry.name}: target {target['Arn']} not run locally")
        return None

    def _loop(self) -> None:
        last_refresh = time.monotonic()
        while not self._stop.wait(self._tick_s):
            if self._tick_clock is not None:
                self._tick_clock()
            try:
                if time.monotonic() - last_refresh >= self._refresh_interval_s:
                    self.refresh()
                    last_refresh = time.monotonic()
                self.run_due()
            except Exception:  # the emulator may be restarting; logged, tried again next tick
                log.exception("schedule loop failed")
                self._stop.wait(1.0)


def _all_pages(method: Callable[..., dict[str, Any]], key: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = method(**kwargs)
        items.extend(page.get(key, []))
        if not page.get("NextToken"):
            return items
        kwargs["NextToken"] = page["NextToken"]
