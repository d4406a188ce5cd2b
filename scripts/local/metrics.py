"""Lambda's standard metrics (and the SQS metrics the stack alarms on) from the local data plane to the emulator.

Lambda publishes these itself in AWS; locally :class:`LambdaMetrics` counts in memory on the invocation path (a
lock and a few additions, no I/O) and :class:`MetricsPublisher` flushes them with PutMetricData from one thread
every ``interval_s`` (1 s), so the emulator's alarms (``scripts/emulator/alarms.py``) see what CloudWatch would:

| metric (AWS/Lambda) | datapoints per flush | dimension sets |
|---|---|---|
| Invocations | statistic set: count of invocations (1 each) | FunctionName; FunctionName+Resource; +ExecutedVersion |
| Errors | statistic set of 0/1 per invocation (Sum = errors: a timeout, a crash or an unhandled error) | same |
| Throttles | statistic set of 0/1 per request (Sum = requests refused for concurrency) | same |
| Duration | every duration in ms (Values/Counts, so p99 works) | same |
| ConcurrentExecutions | Maximum in flight during the interval | FunctionName; none (account) |

``Resource`` is ``name:qualifier`` when the caller named a qualifier (alias or version); ``ExecutedVersion`` is
added for alias invocations (the version that ran: what a canary compares). Invocation errors (unknown function,
bad JSON) are not invocations, as in Lambda.

SQS (AWS/SQS, dimension QueueName): ApproximateNumberOfMessagesVisible and ApproximateAgeOfOldestMessage are
sampled every flush for the queues named by an AWS/SQS alarm (re-read every ``alarm_refresh_s``), the age from
moto's in-process queue (the emulator runs in the stack's process; the API has no such attribute).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from scripts.local.clients import RETRY_TWICE, emulator_client

log = logging.getLogger("local.metrics")

MAX_DATA_PER_REQUEST = 1000  # PutMetricData's limit
MAX_VALUES_PER_DATUM = 150  # Values/Counts limit per datum


@dataclass
class _Series:
    """One dimension set of one function, for one flush interval."""

    invocations: int = 0
    errors: int = 0
    throttles: int = 0
    durations: Counter[float] = field(default_factory=Counter)


class LambdaMetrics:
    """Thread-safe in-memory counters of the data plane's invocations, drained by the publisher."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: dict[tuple[tuple[str, str], ...], _Series] = {}
        self._in_flight: Counter[str] = Counter()
        self._peak: Counter[str] = Counter()
        self._total_in_flight = 0
        self._total_peak = 0

    def started(self, function_name: str) -> None:
        """An invocation took a concurrency slot."""
        with self._lock:
            self._in_flight[function_name] += 1
            self._total_in_flight += 1
            self._peak[function_name] = max(self._peak[function_name], self._in_flight[function_name])
            self._total_peak = max(self._total_peak, self._total_in_flight)

    def finished(
        self,
        function_name: str,
        qualifier: str | None,
        *,
        executed_version: str | None,
        duration_ms: float | None,
        error: bool,
    ) -> None:
        """The invocation ended; ``duration_ms`` None means it never ran (an invocation error: nothing counted)."""
        with self._lock:
            self._in_flight[function_name] -= 1
            self._total_in_flight -= 1
            if duration_ms is None:
                return
            for series in self._series_for(function_name, qualifier, executed_version):
                series.invocations += 1
                series.errors += int(error)
                series.durations[round(duration_ms, 2)] += 1

    def throttled(self, function_name: str, qualifier: str | None) -> None:
        """A request was refused for concurrency (429)."""
        with self._lock:
            for series in self._series_for(function_name, qualifier, None):
                series.throttles += 1

    def _series_for(self, name: str, qualifier: str | None, executed_version: str | None) -> Iterable[_Series]:
        keys: list[tuple[tuple[str, str], ...]] = [(("FunctionName", name),)]
        if qualifier and qualifier != "$LATEST":
            resource = (("FunctionName", name), ("Resource", f"{name}:{qualifier}"))
            keys.append(resource)
            if executed_version and not qualifier.isdigit():  # ExecutedVersion: alias invocations only
                keys.append((*resource, ("ExecutedVersion", executed_version)))
        return [self._series.setdefault(key, _Series()) for key in keys]

    def drain(self, timestamp: datetime | None = None) -> list[dict[str, Any]]:
        """The PutMetricData entries (namespace AWS/Lambda) since the last drain; counters restart."""
        stamp = timestamp or datetime.now(UTC)
        with self._lock:
            series, self._series = self._series, {}
            peaks = {name: peak for name, peak in self._peak.items() if peak > 0}
            total_peak = self._total_peak
            self._peak = Counter({n: c for n, c in self._in_flight.items() if c > 0})
            self._total_peak = self._total_in_flight
        data: list[dict[str, Any]] = []
        for key, counts in series.items():
            dimensions = [{"Name": n, "Value": v} for n, v in key]
            common = {"Dimensions": dimensions, "Timestamp": stamp}
            requests = counts.invocations + counts.throttles
            if counts.invocations:
                data.append({"MetricName": "Invocations", "Unit": "Count", **common, **_ones(counts.invocations)})
                data.append(
                    {"MetricName": "Errors", "Unit": "Count", **common, **_flags(counts.invocations, counts.errors)}
                )
            if requests:
                data.append(
                    {"MetricName": "Throttles", "Unit": "Count", **common, **_flags(requests, counts.throttles)}
                )
            values = sorted(counts.durations.items())
            for start in range(0, len(values), MAX_VALUES_PER_DATUM):
                chunk = values[start : start + MAX_VALUES_PER_DATUM]
                data.append(
                    {
                        "MetricName": "Duration",
                        "Unit": "Milliseconds",
                        **common,
                        "Values": [v for v, _ in chunk],
                        "Counts": [float(c) for _, c in chunk],
                    }
                )
        for name, peak in sorted(peaks.items()):
            dimensions = [{"Name": "FunctionName", "Value": name}]
            data.append(_gauge("ConcurrentExecutions", peak, dimensions, stamp))
        if total_peak:
            data.append(_gauge("ConcurrentExecutions", total_peak, [], stamp))
        return data


def _ones(count: int) -> dict[str, Any]:
    return {"StatisticValues": {"SampleCount": float(count), "Sum": float(count), "Minimum": 1.0, "Maximum": 1.0}}


def _flags(count: int, set_count: int) -> dict[str, Any]:
    """``count`` binary datapoints of which ``set_count`` are 1."""
    return {
        "StatisticValues": {
            "SampleCount": float(count),
            "Sum": float(set_count),
            "Minimum": 0.0 if set_count < count else 1.0,
            "Maximum": 1.0 if set_count else 0.0,
        }
    }


def _gauge(name: str, value: float, dimensions: list[dict[str, str]], stamp: datetime) -> dict[str, Any]:
    return {"MetricName": name, "Unit": "Count", "Dimensions": dimensions, "Timestamp": stamp, "Value": float(value)}


class SqsSampler:
    """AWS/SQS samples for the queues the stack's alarms watch (read from DescribeAlarms)."""

    METRICS = ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage")

    def __init__(self, cloudwatch: Any, sqs: Any, *, region: str, refresh_s: float = 10.0) -> None:
        self._cloudwatch, self._sqs, self.region, self.refresh_s = cloudwatch, sqs, region, refresh_s
        self._watched: dict[str, set[str]] = {}  # queue name → metrics alarmed on
        self._urls: dict[str, str] = {}
        self._refreshed = float("-inf")

    def watched(self) -> dict[str, set[str]]:
        if time.monotonic() - self._refreshed >= self.refresh_s:
            self._refreshed = time.monotonic()
            watched: dict[str, set[str]] = {}
            for page in self._cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
                for alarm in page.get("MetricAlarms", []):
                    queue = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}.get("QueueName")
                    if alarm.get("Namespace") == "AWS/SQS" and queue and alarm.get("MetricName") in self.METRICS:
                        watched.setdefault(queue, set()).add(alarm["MetricName"])
            self._watched = watched
        return self._watched

    def sample(self, stamp: datetime) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = []
        for queue, metrics in sorted(self.watched().items()):
            url = self._url(queue)
            if url is None:
                continue
            dimensions = [{"Name": "QueueName", "Value": queue}]
            if "ApproximateNumberOfMessagesVisible" in metrics:
                attributes = self._sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
                )
                visible = float(attributes["Attributes"]["ApproximateNumberOfMessages"])
                data.append(_gauge("ApproximateNumberOfMessagesVisible", visible, dimensions, stamp))
            if "ApproximateAgeOfOldestMessage" in metrics:
                age = oldest_message_age_s(url, self.region, stamp.timestamp())
                if age is not None:
                    data.append({**_gauge("ApproximateAgeOfOldestMessage", age, dimensions, stamp), "Unit": "Seconds"})
        return data

    def _url(self, queue: str) -> str | None:
        if queue not in self._urls:
            try:
                self._urls[queue] = self._sqs.get_queue_url(QueueName=queue)["QueueUrl"]
            except self._sqs.exceptions.QueueDoesNotExist:
                return None
        return self._urls[queue]


def oldest_message_age_s(queue_url: str, region: str, now: float) -> float | None:
    """Seconds since the oldest message still in the queue was sent (0 for an empty queue), read from moto in this
    process; None when the queue is not in this process's emulator."""
    try:
        from moto.sqs.models import sqs_backends
    except ImportError:
        return None
    parts = urlparse(queue_url).path.strip("/").split("/")
    if len(parts) != 2:
        return None
    account, name = parts
    queue = sqs_backends[account][region].queues.get(name)
    if queue is None:
        return None
    stamps: list[Any] = [m.sent_timestamp for m in list(queue._messages)]  # ms; None until sent
    sent = [float(stamp) for stamp in stamps if stamp is not None]
    return max(0.0, round(now - min(sent) / 1000.0)) if sent else 0.0


class MetricsPublisher:
    """Flushes :class:`LambdaMetrics` (and SQS samples) to the emulator's CloudWatch from one thread."""

    def __init__(
        self,
        emulator_url: str,
        metrics: LambdaMetrics,
        *,
        region: str = "us-east-1",
        interval_s: float = 1.0,
        sample_sqs: bool = True,
    ) -> None:
        def client(service: str) -> Any:
            return emulator_client(emulator_url, service, region, RETRY_TWICE)

        self.metrics = metrics
        self.interval_s = interval_s
        self._cloudwatch = client("cloudwatch")
        self._sqs = SqsSampler(self._cloudwatch, client("sqs"), region=region) if sample_sqs else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> MetricsPublisher:
        self._thread = threading.Thread(target=self._loop, name="metrics-publisher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()

    def flush(self) -> int:
        """Publish what was counted since the last flush; returns how many datapoints were sent."""
        stamp = datetime.now(UTC)
        data = self.metrics.drain(stamp)
        sqs_data: list[dict[str, Any]] = []
        if self._sqs is not None:
            try:
                sqs_data = self._sqs.sample(stamp)
            except Exception as error:  # noqa: BLE001 - a missing queue or a busy emulator skips one sample
                log.warning("sampling SQS metrics failed: %s", error)
        return self._put("AWS/Lambda", data) + self._put("AWS/SQS", sqs_data)

    def _put(self, namespace: str, data: list[dict[str, Any]]) -> int:
        for start in range(0, len(data), MAX_DATA_PER_REQUEST):
            chunk = data[start : start + MAX_DATA_PER_REQUEST]
            try:
                self._cloudwatch.put_metric_data(Namespace=namespace, MetricData=chunk)
            except Exception as error:  # noqa: BLE001 - metrics are best effort; the invocations already happened
                log.warning("PutMetricData (%s, %d datapoints) failed: %s", namespace, len(chunk), error)
        return len(data)

    def _loop(self) -> None:
        while not self._stop.wait(timeout=self.interval_s):
            self.flush()
