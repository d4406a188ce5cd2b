"""EventBridge schedule expressions: ``rate(5 minutes)``, ``cron(0 12 * * ? *)`` and Scheduler's ``at(...)``.

Cron has six fields — minutes, hours, day-of-month, month, day-of-week (1 = SUN … 7 = SAT), year — with
``* ? , - /``, month and day names, ``L`` (last day of month; ``6L`` last Friday) and ``#`` (``2#1`` first
Monday). One of day-of-month / day-of-week must be ``?``. ``W`` (nearest weekday) is not supported here and
is rejected with a clear message rather than misread.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["AtExpression", "CronExpression", "RateExpression", "ScheduleExpression", "parse_schedule_expression"]

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES, start=1)}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_SEARCH_DAYS = 366 * 5  # a cron with no match within five years never fires


class ScheduleExpression(Protocol):
    @property
    def text(self) -> str:
        """The expression as written."""
        ...

    def next_after(self, moment: datetime) -> datetime | None:
        """The first fire time strictly after ``moment`` (aware, UTC), or None when it never fires again."""
        ...


@dataclass(frozen=True)
class RateExpression:
    text: str
    period: timedelta

    def next_after(self, moment: datetime) -> datetime | None:
        return moment + self.period


@dataclass(frozen=True)
class AtExpression:
    text: str
    when: datetime

    def next_after(self, moment: datetime) -> datetime | None:
        return self.when if self.when > moment else None


@dataclass(frozen=True)
class CronExpression:
    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None: '?'
    last_day_of_month: bool
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # None: '?'; 1 = SUN … 7 = SAT
    last_weekdays: frozenset[int]  # '6L'
    nth_weekdays: frozenset[tuple[int, int]]  # '2#1' → (2, 1)
    years: frozenset[int] | None  # None: '*'
    zone: ZoneInfo

    def next_after(self, moment: datetime) -> datetime | None:
        local = moment.astimezone(self.zone).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = local.date()
        for _ in range(_SEARCH_DAYS):
            if self._day_matches(day.year, day.month, day.day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)
                        if candidate >= local:
                            return candidate.astimezone(UTC)
            day += timedelta(days=1)
        return None

    def _day_matches(self, year: int, month: int, day: int) -> bool:
        if month not in self.months or (self.years is not None and year not in self.years):
            return False
        last_day = calendar.monthrange(year, month)[1]
        if self.days_of_week is None:
            return (self.days_of_month is not None and day in self.days_of_month) or (
                self.last_day_of_month and day == last_day
            )
        weekday = (calendar.weekday(year, month, day) + 1) % 7 + 1  # Python Mon=0 → cron Mon=2, Sun=1
        return (
            weekday in self.days_of_week
            or (weekday in self.last_weekdays and day + 7 > last_day)
            or (weekday, (day - 1) // 7 + 1) in self.nth_weekdays
        )


def parse_schedule_expression(text: str, timezone: str = "UTC") -> ScheduleExpression:
    """Parse an expression; anything not understood raises ``ValueError`` naming the expression and why."""
    text = text.strip()
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"unknown schedule time zone {timezone!r}") from exc
    if match := _RATE.match(text):
        value, unit = int(match.group(1)), match.group(2).rstrip("s")
        if value < 1:
            raise ValueError(f"{text}: the rate must be a positive number")
        return RateExpression(text, timedelta(seconds=value * _UNIT_SECONDS[unit]))
    if match := _AT.match(text):
        when = datetime.fromisoformat(match.group(1)).replace(tzinfo=zone).astimezone(UTC)
        return AtExpression(text, when)
    if match := _CRON.match(text):
        return _parse_cron(text, match.group(1).split(), zone)
    raise ValueError(f"{text!r} is not a schedule expression: expected rate(...), cron(...) or at(...)")


def _parse_cron(text: str, fields: list[str], zone: ZoneInfo) -> CronExpression:
    if len(fields) != 6:
        raise ValueError(f"{text}: cron needs 6 fields (minutes hours day-of-month month day-of-week year)")
    minutes, hours, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ValueError(f"{text}: exactly one of day-of-month and day-of-week must be '?'")
    if "W" in dom.upper():
        raise ValueError(f"{text}: the W (nearest weekday) wildcard is not supported locally")

    days_of_month: frozenset[int] | None = None
    last_day = False
    if dom != "?":
        parts = [p for p in dom.split(",") if p.upper() != "L"]
        last_day = len(parts) != len(dom.split(","))
        days_of_month = _field(",".join(parts), 1, 31, {}, text) if parts else frozenset()

    days_of_week: frozenset[int] | None = None
    last_weekdays: set[int] = set()
    nth: set[tuple[int, int]] = set()
    if dow != "?":
        plain = []
        for part in dow.upper().split(","):
            if part.endswith("L") and part != "L":
                last_weekdays |= _field(part[:-1], 1, 7, _DAYS, text)
            elif "#" in part:
                day_text, _, n = part.partition("#")
                if not n.isdigit() or not 1 <= int(n) <= 5:
                    raise ValueError(f"{text}: '#' needs a week number 1-5, got {part!r}")
                nth |= {(d, int(n)) for d in _field(day_text, 1, 7, _DAYS, text)}
            elif part == "L":
                last_weekdays.add(7)  # a bare L in day-of-week is Saturday, the last day of the week
            else:
                plain.append(part)
        days_of_week = _field(",".join(plain), 1, 7, _DAYS, text) if plain else frozenset()

    return CronExpression(
        text=text,
        minutes=_field(minutes, 0, 59, {}, text),
        hours=_field(hours, 0, 23, {}, text),
        days_of_month=days_of_month,
        last_day_of_month=last_day,
        months=_field(month, 1, 12, _MONTHS, text),
        days_of_week=days_of_week,
        last_weekdays=frozenset(last_weekdays),
        nth_weekdays=frozenset(nth),
        years=None if year == "*" else _field(year, 1970, 2199, {}, text),
        zone=zone,
    )


def _field(spec: str, low: int, high: int, names: dict[str, int], text: str) -> frozenset[int]:
    values: set[int] = set()
    for part in spec.upper().split(","):
        base, _, step_text = part.partition("/")
        step = _number(step_text, names, text) if step_text else 1
        if base in ("*", "?"):
            first, last = low, high
        elif "-" in base:
            first_text, _, last_text = base.partition("-")
            first, last = _number(first_text, names, text), _number(last_text, names, text)
        else:
            first = _number(base, names, text)
            last = high if step_text else first
        if not (low <= first <= high and low <= last <= high) or first > last or step < 1:
            raise ValueError(f"{text}: {part!r} is outside {low}-{high}")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _number(token: str, names: dict[str, int], text: str) -> int:
    if token in names:
        return names[token]
    if not token.isdigit():
        raise ValueError(f"{text}: cannot read {token!r}")
    return int(token)
