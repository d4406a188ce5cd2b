"""CloudWatch metric alarm evaluation for the emulator: moto stores alarms but never evaluates them.

:func:`install` patches moto once per process and starts one daemon thread that evaluates every metric alarm of
every account and region on its period while an emulator is running: the statistic over datapoints with exactly
the alarm's dimensions, M of N, ``TreatMissingData`` (:func:`decide`), then state changes with history and SNS
actions. :func:`set_time_scale` shortens every period (the local stack passes its ``time_scale``). Metric math,
anomaly detection and composite alarms are not evaluated. Details: README.md, "CloudWatch alarms that fire".
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult

from scripts.arns import parse_arn
from scripts.emulator.patching import once

log = logging.getLogger("scripts.emulator.alarms")

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
OPERATORS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "GreaterThanOrEqualToThreshold": ("greater than or equal to", lambda v, t: v >= t),
    "GreaterThanThreshold": ("greater than", lambda v, t: v > t),
    "LessThanThreshold": ("less than", lambda v, t: v < t),
    "LessThanOrEqualToThreshold": ("less than or equal to", lambda v, t: v <= t),
}
EXTRA_RANGE_PERIODS = 2  # the docs' example: N = 3 evaluation periods → an evaluation range of 5 datapoints
HISTORY_LIMIT = 2000  # items kept per account and region (CloudWatch keeps two weeks)
REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)", "us-west-2": "US West (Oregon)"}


# --- the decision: CloudWatch's missing-data rules --------------------------------------------------------------


def decide(
    breaching: Sequence[bool | None], *, evaluation_periods: int, datapoints_to_alarm: int, treat_missing_data: str
) -> str | None:
    """The state CloudWatch sets for one evaluation, or None to keep the current one.

    ``breaching`` is the evaluation range, oldest first: True (breaching), False (not breaching), None (missing).
    Rules, in the docs' words:
    * at least N real datapoints in the range → the N most recent real ones decide (missing data is not needed);
    * fewer → the real ones plus as few filled ones as needed: ``breaching`` / ``notBreaching`` fill;
      ``missing`` / ``ignore`` do not: M real breaching → ALARM; "the oldest available breaching datapoint ... at
      least as old as Datapoints to Alarm, and all other more recent data points breaching or missing" → ALARM
      (``ignore``: keep the state); a real non-breaching datapoint → OK; otherwise INSUFFICIENT_DATA (``ignore``:
      keep the state). No real datapoint at all → INSUFFICIENT_DATA / keep / ALARM / OK.
    """
    n, m = evaluation_periods, datapoints_to_alarm
    real = [(age, flag) for age, flag in enumerate(reversed(breaching)) if flag is not None]  # newest first
    if len(real) >= n:
        return ALARM if sum(flag for _, flag in real[:n]) >= m else OK
    if treat_missing_data == "breaching":
        return ALARM if sum(flag for _, flag in real) + (n - len(real)) >= m else OK
    if treat_missing_data == "notBreaching":
        return ALARM if sum(flag for _, flag in real) >= m else OK
    keep_or = None if treat_missing_data == "ignore" else INSUFFICIENT_DATA
    if not real:
        return keep_or
    if sum(flag for _, flag in real) >= m:
        return ALARM
    if all(flag for _, flag in real) and real[-1][0] + 1 >= m:  # premature-transition rule
        return None if treat_missing_data == "ignore" else ALARM
    if not all(flag for _, flag in real):
        return OK
    return keep_or


# --- statistics over one period ---------------------------------------------------------------------------------


@dataclass
class Bucket:
    """The datapoints of one metric in one period: single values and statistic sets."""

    values: list[float] = field(default_factory=list)
    sets: list[tuple[float, float, float, float]] = field(default_factory=list)  # (count, sum, min, max)

    @property
    def sample_count(self) -> float:
        return len(self.values) + sum(s[0] for s in self.sets)

    def statistic(self, name: str) -> float | None:
        if not self.values and not self.sets:
            return None
        if name == "SampleCount":
            return self.sample_count
        if name == "Sum":
            return sum(self.values) + sum(s[1] for s in self.sets)
        if name == "Average":
            count = self.sample_count
            return (sum(self.values) + sum(s[1] for s in self.sets)) / count if count else None
        if name == "Minimum":
            return min([*self.values, *(s[2] for s in self.sets)])
        if name == "Maximum":
            return max([*self.values, *(s[3] for s in self.sets)])
        if name.startswith("p"):
            return percentile(self.values, float(name[1:])) if self.values else None
        raise ValueError(f"statistic {name!r} is not supported (Sum, Average, Minimum, Maximum, SampleCount, pNN)")


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (CloudWatch's percentiles are approximations too)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


# --- alarms as the evaluator sees them ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AlarmRule:
    """What evaluating one moto ``Alarm`` needs, validated."""

    name: str
    namespace: str
    metric_name: str
    dimensions: frozenset[tuple[str, str]]
    statistic: str  # "Sum" … or "p99"
    period_s: int
    evaluation_periods: int
    datapoints_to_alarm: int
    operator: str
    threshold: float
    treat_missing_data: str
    unit: str | None = None
    low_sample_ignore: bool = False

    @classmethod
    def from_moto(cls, alarm: Any) -> AlarmRule:
        """Raises ValueError saying why an alarm cannot be evaluated here."""
        if getattr(alarm, "rule", None):
            raise ValueError("composite alarms are not evaluated by the emulator")
        if alarm.metric_data_queries:
            raise ValueError("metric math alarms are not evaluated by the emulator")
        if alarm.comparison_operator not in OPERATORS:
            raise ValueError(f"comparison operator {alarm.comparison_operator} is not evaluated by the emulator")
        statistic = alarm.extended_statistic or alarm.statistic
        if not statistic:
            raise ValueError("the alarm has no Statistic or ExtendedStatistic")
        n = int(alarm.evaluation_periods)
        return cls(
            name=alarm.name,
            namespace=alarm.namespace,
            metric_name=alarm.metric_name,
            dimensions=frozenset((d.name, d.value) for d in alarm.dimensions),
            statistic=statistic,
            period_s=int(alarm.period),
            evaluation_periods=n,
            datapoints_to_alarm=int(alarm.datapoints_to_alarm or n),
            operator=alarm.comparison_operator,
            threshold=float(alarm.threshold),
            treat_missing_data=alarm.treat_missing_data or "missing",
            unit=alarm.unit,
            low_sample_ignore=alarm.evaluate_low_sample_count_percentile == "ignore",
        )

    @property
    def series_key(self) -> tuple[str, str, frozenset[tuple[str, str]]]:
        return (self.namespace, self.metric_name, self.dimensions)

    def breaches(self, value: float) -> bool:
        return OPERATORS[self.operator][1](value, self.threshold)

    def too_few_samples(self, bucket: Bucket) -> bool:
        """EvaluateLowSampleCountPercentile=ignore: fewer than 10/(1-p) samples (p ≥ 0.5) or 10/p."""
        if not (self.low_sample_ignore and self.statistic.startswith("p")):
            return False
        p = float(self.statistic[1:]) / 100.0
        needed = 10 / (1 - p) if p >= 0.5 else 10 / p
        return bucket.sample_count < needed


@dataclass(frozen=True)
class Evaluation:
    state: str | None  # None: keep the current state
    reason: str
    reason_data: dict[str, Any]


def evaluate(rule: AlarmRule, buckets: Sequence[Bucket | None], starts: Sequence[float]) -> Evaluation:
    """Evaluate one alarm over its evaluation range (``buckets`` oldest first; None = no data in that period)."""
    values: list[float | None] = []
    for bucket in buckets:
        if bucket is None or rule.too_few_samples(bucket):
            values.append(None)
        else:
            values.append(bucket.statistic(rule.statistic))
    flags = [None if v is None else rule.breaches(v) for v in values]
    state = decide(
        flags,
        evaluation_periods=rule.evaluation_periods,
        datapoints_to_alarm=rule.datapoints_to_alarm,
        treat_missing_data=rule.treat_missing_data,
    )
    real = [(v, s) for v, s in zip(values, starts, strict=True) if v is not None][::-1][: rule.evaluation_periods]
    phrase = OPERATORS[rule.operator][0]
    shown = ", ".join(f"{v} ({_stamp(s)})" for v, s in real)
    breaching = sum(1 for v, _ in real if rule.breaches(v))
    if not real:
        reason = f"Insufficient Data: {rule.evaluation_periods} datapoints were unknown."
        if state in (OK, ALARM):
            reason = (
                f"Threshold Crossed: no datapoints were received for {rule.evaluation_periods} periods and "
                f"{rule.evaluation_periods} missing datapoints were treated as "
                f"[{'Breaching' if state == ALARM else 'NonBreaching'}]."
            )
    elif state == ALARM:
        reason = (
            f"Threshold Crossed: {breaching} out of the last {len(real)} datapoints [{shown}] were {phrase} the "
            f"threshold ({rule.threshold}) (minimum {rule.datapoints_to_alarm} datapoints for OK -> ALARM transition)."
        )
    else:
        reason = (
            f"Threshold Crossed: {len(real) - breaching} out of the last {len(real)} datapoints [{shown}] were not "
            f"{phrase} the threshold ({rule.threshold}) (minimum 1 datapoint for ALARM -> OK transition)."
        )
    reason_data = {
        "version": "1.0",
        "queryDate": _iso(time.time()),
        "startDate": _iso(starts[-min(len(starts), rule.evaluation_periods)]) if starts else None,
        ("extendedStatistic" if rule.statistic.startswith("p") else "statistic"): rule.statistic,
        "period": rule.period_s,
        "recentDatapoints": [v for v, _ in reversed(real)],
        "threshold": rule.threshold,
        "evaluatedDatapoints": [{"timestamp": _iso(s), "value": v} for v, s in real],
    }
    return Evaluation(state, reason, reason_data)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%d/%m/%y %H:%M:%S")


# --- the evaluator: reads moto's backends, changes states, runs actions -----------------------------------------


@dataclass
class _Series:
    points: list[tuple[float, Any]] = field(default_factory=list)  # (epoch, moto datum), in arrival order


class _MetricIndex:
    """Datapoints of one backend by (namespace, name, exact dimension set), fed incrementally from moto's list."""

    def __init__(self) -> None:
        self.source: list[Any] | None = None
        self.position = 0
        self.series: dict[tuple[str, str, frozenset[tuple[str, str]]], _Series] = {}

    def catch_up(self, metric_data: list[Any]) -> None:
        if metric_data is not self.source or len(metric_data) < self.position:
            self.source, self.position, self.series = metric_data, 0, {}
        new = metric_data[self.position :]
        self.position += len(new)
        for datum in new:
            key = (datum.namespace, datum.name, frozenset((d.name, d.value) for d in datum.dimensions))
            self.series.setdefault(key, _Series()).points.append((_aware(datum.timestamp).timestamp(), datum))

    def prune(self, older_than: float) -> None:
        for series in self.series.values():
            if series.points and series.points[0][0] < older_than:
                series.points = [p for p in series.points if p[0] >= older_than]

    def buckets(self, rule: AlarmRule, starts: Sequence[float], length: float) -> list[Bucket | None]:
        found: list[Bucket | None] = [None] * len(starts)
        series = self.series.get(rule.series_key)
        if series is None or not starts:
            return found
        first, end = starts[0], starts[-1] + length
        for at, datum in series.points:
            if not first <= at < end or (rule.unit and datum.unit != rule.unit):
                continue
            index = min(int((at - first) // length), len(starts) - 1)
            bucket = found[index] or Bucket()
            found[index] = bucket
            if hasattr(datum, "value"):
                bucket.values.append(float(datum.value))
            else:
                bucket.sets.append((float(datum.sample_count), float(datum.sum), float(datum.min), float(datum.max)))
        return found


class AlarmEvaluator:
    """Evaluates every metric alarm in moto's CloudWatch backends on its (scaled) period.

    :meth:`run_due` is the whole loop body with an explicit clock reading, so tests can drive it; :meth:`start`
    runs it on a daemon thread that idles while no emulator is running.
    """

    def __init__(self, *, time_scale: float = 1.0, clock: Callable[[], float] = time.time) -> None:
        self.time_scale = time_scale
        self.clock = clock
        self._due: dict[tuple[str, str, str], float] = {}
        self._skipped: set[tuple[str, str, str, str]] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # scheduling -----------------------------------------------------------------------------------------------
    def scaled_period(self, period_s: int) -> float:
        return max(period_s * self.time_scale, 0.05)

    def grace(self, period_s: int) -> float:
        """How long after a period ends it is evaluated: datapoints stamped just before the end must have landed."""
        return min(0.5, self.scaled_period(period_s) / 4)

    def reschedule(self) -> None:
        with self._lock:
            self._due.clear()

    def run_due(self, now: float | None = None) -> float:
        """Evaluate the alarms whose period ended; returns when the next one is due (epoch seconds)."""
        now = self.clock() if now is None else now
        next_due = now + 1.0
        with self._lock:
            for account, region, backend in _backends():
                index = self._index(backend)
                index.catch_up(backend.metric_data)
                longest = 0.0
                for alarm in list(backend.alarms.values()):
                    rule = self._rule(account, region, alarm)
                    if rule is None:
                        continue
                    length = self.scaled_period(rule.period_s)
                    span = length * (rule.evaluation_periods + EXTRA_RANGE_PERIODS)
                    longest = max(longest, span)
                    key = (account, region, alarm.name)
                    due = self._due.get(key)
                    if due is None:
                        due = self._due[key] = (math.floor(now / length) + 1) * length + self.grace(rule.period_s)
                    if now >= due:
                        end = math.floor((now - self.grace(rule.period_s)) / length) * length
                        self._evaluate(backend, alarm, rule, index, end, length)
                        due = self._due[key] = end + length + self.grace(rule.period_s)
                    next_due = min(next_due, due)
                index.prune(now - max(longest * 2, 60.0))
        return next_due

    def _index(self, backend: Any) -> _MetricIndex:
        index = backend.__dict__.get("_emulator_alarm_index")
        if not isinstance(index, _MetricIndex):  # a new backend, or one moto reset
            index = backend._emulator_alarm_index = _MetricIndex()
        return index

    def _rule(self, account: str, region: str, alarm: Any) -> AlarmRule | None:
        try:
            return AlarmRule.from_moto(alarm)
        except (ValueError, TypeError) as error:
            marker = (account, region, alarm.name, str(error))
            if marker not in self._skipped:
                self._skipped.add(marker)
                log.warning("alarm %s is not evaluated: %s", alarm.name, error)
            return None

    def _evaluate(
        self, backend: Any, alarm: Any, rule: AlarmRule, index: _MetricIndex, end: float, length: float
    ) -> None:
        count = rule.evaluation_periods + EXTRA_RANGE_PERIODS
        starts = [end - length * (count - i) for i in range(count)]
        outcome = evaluate(rule, index.buckets(rule, starts, length), starts)
        if outcome.state is None or outcome.state == alarm.state_value:
            return
        change_state(backend, alarm, outcome.state, outcome.reason, json.dumps(outcome.reason_data))

    # the thread -----------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="emulator-alarms", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            wait = 1.0
            if _emulator_running():
                try:
                    wait = self.run_due() - self.clock()
                except Exception:
                    log.exception("alarm evaluation failed; retrying")
            self._stop.wait(timeout=min(max(wait, 0.05), 1.0))


def _backends() -> Iterable[tuple[str, str, Any]]:
    from moto.cloudwatch.models import cloudwatch_backends

    for account, regions in list(cloudwatch_backends.items()):
        for region, backend in list(regions.items()):
            yield account, region, backend


def _emulator_running() -> bool:
    from scripts.emulator import server

    return bool(server._running)


# --- state changes, history, actions ------------------------------------------------------------------------------


def history(backend: Any) -> list[dict[str, Any]]:
    """The backend's alarm history items (DescribeAlarmHistory's shape), oldest first."""
    return backend.__dict__.setdefault("_emulator_alarm_history", [])


def _record(backend: Any, alarm: Any, item_type: str, summary: str, data: dict[str, Any]) -> None:
    items = history(backend)
    items.append(
        {
            "AlarmName": alarm.name,
            "AlarmType": "CompositeAlarm" if getattr(alarm, "rule", None) else "MetricAlarm",
            "Timestamp": datetime.now(UTC),
            "HistoryItemType": item_type,
            "HistorySummary": summary,
            "HistoryData": json.dumps(data),
        }
    )
    del items[:-HISTORY_LIMIT]


def change_state(backend: Any, alarm: Any, state: str, reason: str, reason_data: str) -> None:
    """Move ``alarm`` to ``state`` as CloudWatch does: the state fields, a history item, then the actions."""
    old = alarm.state_value
    alarm.update_state(reason, reason_data, state)
    _record(
        backend,
        alarm,
        "StateUpdate",
        f"Alarm updated from {old} to {state}",
        {
            "version": "1.0",
            "oldState": {"stateValue": old},
            "newState": {"stateValue": state, "stateReason": reason, "stateReasonData": _loads(reason_data)},
        },
    )
    log.info("alarm %s: %s -> %s: %s", alarm.name, old, state, reason)
    if alarm.actions_enabled:
        actions = {ALARM: alarm.alarm_actions, OK: alarm.ok_actions, INSUFFICIENT_DATA: alarm.insufficient_data_actions}
        for action in actions.get(state) or []:
            _run_action(backend, alarm, action, old)


def _loads(text: str | None) -> Any:
    try:
        return json.loads(text or "{}")
    except ValueError:
        return text


def notification(alarm: Any, old_state: str, account: str, region: str) -> dict[str, Any]:
    """The JSON message CloudWatch publishes to an alarm's SNS topic."""
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": _iso(_aware(alarm.configuration_updated_timestamp).timestamp()),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": _iso(_aware(alarm.state_updated_timestamp).timestamp()),
        "Region": REGION_NAMES.get(region, region),
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "ExtendedStatistic" if alarm.extended_statistic else "Statistic",
            "Statistic": (alarm.extended_statistic or alarm.statistic or "").upper(),
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": alarm.period,
            "EvaluationPeriods": alarm.evaluation_periods,
            "DatapointsToAlarm": alarm.datapoints_to_alarm or alarm.evaluation_periods,
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": alarm.threshold,
            "TreatMissingData": alarm.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
        },
    }


def _run_action(backend: Any, alarm: Any, action: str, old_state: str) -> None:
    try:
        arn = parse_arn(action)
    except ValueError:
        arn = None
    if arn is None or arn.service != "sns":
        log.warning("alarm %s: action %s is not run by the emulator (only SNS topics are)", alarm.name, action)
        return
    from moto.sns.models import sns_backends

    region, account = arn.region, arn.account
    subject = f'{alarm.state_value}: "{alarm.name}" in {REGION_NAMES.get(region, region)}'[:100]
    message = json.dumps(notification(alarm, old_state, backend.account_id, backend.region_name))
    try:
        message_id = sns_backends[account][region].publish(message, arn=action, subject=subject)
    except Exception as error:  # noqa: BLE001 - CloudWatch records a failed action and carries on
        _record(backend, alarm, "Action", f"Failed to execute action {action}", {"error": str(error)})
        log.error("alarm %s: publishing to %s failed: %s", alarm.name, action, error)
        return
    _record(
        backend,
        alarm,
        "Action",
        f"Successfully executed action {action}",
        {"actionState": "Succeeded", "notificationResource": action, "publishedMessage": {"MessageId": message_id}},
    )
    log.info("alarm %s %s: published to %s (MessageId %s)", alarm.name, alarm.state_value, action, message_id)


# --- moto patches ------------------------------------------------------------------------------------------------


def _put_metric_alarm(original: Callable[..., Any]) -> Callable[..., Any]:
    def put_metric_alarm(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        previous = self.alarms.get(name)
        alarm = original(self, name, *args, **kwargs)
        if previous is not None:  # AWS: an update overwrites the configuration and leaves the state unchanged
            for attribute in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp"):
                setattr(alarm, attribute, getattr(previous, attribute))
            alarm.history = previous.history
            _record(self, alarm, "ConfigurationUpdate", f'Alarm "{name}" updated', {"type": "Update"})
        else:
            alarm.state_value = INSUFFICIENT_DATA
            _record(self, alarm, "ConfigurationUpdate", f'Alarm "{name}" created', {"type": "Create"})
        return alarm

    return put_metric_alarm


def _set_alarm_state(original: Callable[..., Any]) -> Callable[..., Any]:
    def set_alarm_state(self: Any, alarm_name: str, reason: str, reason_data: str, state_value: str) -> None:
        original(self, alarm_name, reason, reason_data, state_value)  # validates; sets the state
        alarm = self.alarms[alarm_name]
        old = alarm.history[-1][3] if alarm.history else INSUFFICIENT_DATA
        if old == state_value:
            return
        # Undo moto's plain update so change_state records it and runs the actions once.
        alarm.state_value = old
        alarm.history.pop()
        change_state(self, alarm, state_value, reason, reason_data or "{}")

    return set_alarm_state


def _describe_alarm_history(self: Any) -> Any:
    name = self._get_param("AlarmName")
    item_type = self._get_param("HistoryItemType")
    types = self._get_param("AlarmTypes") or []
    start, end = self._get_param("StartDate"), self._get_param("EndDate")
    items = [
        i
        for i in history(self.cloudwatch_backend)
        if (not name or i["AlarmName"] == name)
        and (not item_type or i["HistoryItemType"] == item_type)
        and (not types or i["AlarmType"] in types)
        and (start is None or i["Timestamp"] >= _aware(start))
        and (end is None or i["Timestamp"] <= _aware(end))
    ]
    if self._get_param("ScanBy") != "TimestampAscending":
        items.reverse()
    limit = self._get_int_param("MaxRecords") or 100
    return ActionResult({"AlarmHistoryItems": items[:limit]})


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _get_metric_statistics(
    self: Any,
    namespace: str,
    metric_name: str,
    start_time: datetime,
    end_time: datetime,
    period: int,
    stats: list[str],
    dimensions: list[dict[str, str]],
    unit: str | None = None,
) -> list[Any]:
    """moto's, with CloudWatch's exact dimension matching: a metric published with {FunctionName, Resource} is not
    returned for {FunctionName} (moto summed every superset into it)."""
    from datetime import timedelta

    from moto.cloudwatch.exceptions import InvalidParameterValue
    from moto.cloudwatch.models import Statistics

    start, end = _aware(start_time).replace(microsecond=0), _aware(end_time).replace(microsecond=0)
    if start >= end:
        raise InvalidParameterValue("The parameter StartTime must be less than the parameter EndTime.")
    wanted = frozenset((d["Name"], d.get("Value")) for d in dimensions or [])
    data = sorted(
        (
            md
            for md in self.get_all_metrics()
            if md.namespace == namespace
            and md.name == metric_name
            and start <= _aware(md.timestamp) < end
            and (not unit or md.unit == unit)
            and frozenset((d.name, d.value) for d in md.dimensions) == wanted
        ),
        key=lambda md: _aware(md.timestamp),
    )
    step = timedelta(seconds=period)
    result: list[Any] = []
    position = 0
    bucket_start = start
    while position < len(data):
        stats_of_bucket = Statistics(stats, bucket_start)
        while position < len(data) and _aware(data[position].timestamp) < bucket_start + step:
            stats_of_bucket.metric_data.append(data[position])
            stats_of_bucket.unit = data[position].unit
            position += 1
        if stats_of_bucket.metric_data:
            result.append(stats_of_bucket)
        bucket_start += step
    return result


# --- installation ------------------------------------------------------------------------------------------------

EVALUATOR = AlarmEvaluator()


def set_time_scale(scale: float) -> float:
    """Make every alarm period last ``period × scale`` real seconds; returns the previous scale."""
    if not scale > 0:
        raise ValueError(f"time_scale must be > 0, got {scale}")
    previous, EVALUATOR.time_scale = EVALUATOR.time_scale, scale
    EVALUATOR.reschedule()
    return previous


@once
def _patch() -> None:
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse

    CloudWatchBackend.put_metric_alarm = _put_metric_alarm(CloudWatchBackend.put_metric_alarm)  # type: ignore[method-assign]
    CloudWatchBackend.set_alarm_state = _set_alarm_state(CloudWatchBackend.set_alarm_state)  # type: ignore[method-assign]
    CloudWatchBackend.get_metric_statistics = _get_metric_statistics  # type: ignore[method-assign]
    CloudWatchResponse.describe_alarm_history = _describe_alarm_history  # type: ignore[attr-defined]


def install() -> None:
    """Patch moto's CloudWatch (once per process) and start the evaluation thread."""
    _patch()
    EVALUATOR.start()
