"""Lambda's standard metrics from the local data plane (scripts/local/metrics.py), read back from the emulator."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from scripts.emulator import Emulator, alarms
from scripts.local.errors import TooManyRequestsError
from scripts.local.metrics import LambdaMetrics, MetricsPublisher, SqsSampler
from scripts.local.runtime import DataPlane

FAILS_ON_REQUEST = """
def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"ok": True}
"""


@pytest.fixture
def cloudwatch(emulator: Emulator) -> Any:
    return boto3.client("cloudwatch", endpoint_url=emulator.url, region_name="us-east-1")


@pytest.fixture
def metered(data_plane: DataPlane, emulator: Emulator) -> Iterator[MetricsPublisher]:
    """The data plane counting metrics, and a publisher flushed by the test (no thread)."""
    data_plane.metrics = LambdaMetrics()
    yield MetricsPublisher(emulator.url, data_plane.metrics, sample_sqs=False)
    data_plane.metrics = None


def statistic(
    cloudwatch: Any, metric: str, dimensions: dict[str, str], stat: str, namespace: str = "AWS/Lambda"
) -> float:
    now = datetime.now(UTC)
    answer = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=[stat],
    )
    points = [p[stat] for p in answer["Datapoints"]]
    return max(points) if stat == "Maximum" and points else sum(points)


def test_invocations_errors_and_durations_are_published_per_function_alias_and_version(
    deploy: Callable[..., str], lambda_client: Any, data_plane: DataPlane, metered: MetricsPublisher, cloudwatch: Any
) -> None:
    # Given a function with version 1 behind the alias "live"
    name = deploy(FAILS_ON_REQUEST)
    lambda_client.publish_version(FunctionName=name)
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")

    # When it is invoked twice through the alias (once failing) and once unqualified, and the publisher flushes
    data_plane.invoke(name, b'{"fail": true}', "live")
    data_plane.invoke(name, b"{}", "live")
    data_plane.invoke(name, b"{}")
    assert metered.flush() > 0

    # Then CloudWatch has them under each dimension set Lambda uses, matched exactly
    function = {"FunctionName": name}
    alias = {**function, "Resource": f"{name}:live"}
    executed = {**alias, "ExecutedVersion": "1"}
    assert statistic(cloudwatch, "Invocations", function, "Sum") == 3
    assert statistic(cloudwatch, "Errors", function, "Sum") == 1
    assert statistic(cloudwatch, "Errors", function, "SampleCount") == 3  # a 0 or 1 per invocation
    assert statistic(cloudwatch, "Invocations", alias, "Sum") == 2
    assert statistic(cloudwatch, "Errors", executed, "Sum") == 1
    assert statistic(cloudwatch, "Duration", function, "SampleCount") == 3
    assert statistic(cloudwatch, "Duration", function, "Maximum") > 0
    assert statistic(cloudwatch, "ConcurrentExecutions", function, "Maximum") == 1
    assert statistic(cloudwatch, "Throttles", function, "Sum") == 0
    # And a flush with nothing new sends nothing
    assert metered.flush() == 0


def test_a_throttled_request_counts_as_a_throttle_not_an_invocation(
    deploy: Callable[..., str], data_plane: DataPlane, metered: MetricsPublisher, cloudwatch: Any
) -> None:
    # Given a function whose reserved concurrency is 0
    name = deploy(FAILS_ON_REQUEST, reserved=0)
    # When it is invoked
    with pytest.raises(TooManyRequestsError):
        data_plane.invoke(name, b"{}")
    metered.flush()
    # Then one throttle and no invocation are published
    assert statistic(cloudwatch, "Throttles", {"FunctionName": name}, "Sum") == 1
    assert statistic(cloudwatch, "Invocations", {"FunctionName": name}, "Sum") == 0


def test_drain_shapes_durations_for_percentiles_and_keeps_peaks() -> None:
    metrics = LambdaMetrics()
    metrics.started("f")
    metrics.started("f")
    metrics.finished("f", None, executed_version="$LATEST", duration_ms=12.0, error=False)
    metrics.finished("f", None, executed_version="$LATEST", duration_ms=12.0, error=True)
    data = {d["MetricName"]: d for d in metrics.drain()}
    assert (data["Duration"]["Values"], data["Duration"]["Counts"]) == ([12.0], [2.0])
    assert data["Errors"]["StatisticValues"] == {"SampleCount": 2.0, "Sum": 1.0, "Minimum": 0.0, "Maximum": 1.0}
    assert data["ConcurrentExecutions"]["Value"] == 2.0
    assert metrics.drain() == []  # drained, nothing in flight


def test_sqs_samples_only_the_queues_an_alarm_watches(emulator: Emulator, cloudwatch: Any) -> None:
    # Given two queues with two messages each, and an alarm on the visible messages of one of them
    sqs = boto3.client("sqs", endpoint_url=emulator.url, region_name="us-east-1")
    watched, other = (f"metrics-{kind}-{uuid.uuid4().hex[:6]}" for kind in ("dlq", "other"))
    for queue in (watched, other):
        url = sqs.create_queue(QueueName=queue)["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="a")
        sqs.send_message(QueueUrl=url, MessageBody="b")
    for metric in ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"):
        cloudwatch.put_metric_alarm(
            AlarmName=f"{watched}-{metric}",
            Namespace="AWS/SQS",
            MetricName=metric,
            Dimensions=[{"Name": "QueueName", "Value": watched}],
            Statistic="Maximum",
            Period=60,
            EvaluationPeriods=1,
            ComparisonOperator="GreaterThanThreshold",
            Threshold=0,
        )
    # When the sampler samples
    samples = SqsSampler(cloudwatch, sqs, region="us-east-1").sample(datetime.now(UTC))
    # Then the watched queue has both metrics, the other none
    by_metric = {s["MetricName"]: s for s in samples}
    assert {s["Dimensions"][0]["Value"] for s in samples} == {watched}
    assert by_metric["ApproximateNumberOfMessagesVisible"]["Value"] == 2.0
    assert by_metric["ApproximateAgeOfOldestMessage"]["Value"] >= 0.0
    assert by_metric["ApproximateAgeOfOldestMessage"]["Unit"] == "Seconds"


def test_failing_invocations_fire_the_functions_error_alarm(
    deploy: Callable[..., str], data_plane: DataPlane, emulator: Emulator, cloudwatch: Any
) -> None:
    # Given the stack's error alarm shape (Sum of Errors on FunctionName > 0), periods scaled to 1.2 s,
    # and the publisher running on its thread
    name = deploy(FAILS_ON_REQUEST)
    cloudwatch.put_metric_alarm(
        AlarmName=f"{name}-errors",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": name}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        ComparisonOperator="GreaterThanThreshold",
        Threshold=0,
        TreatMissingData="notBreaching",
    )
    previous = alarms.set_time_scale(0.02)
    data_plane.metrics = LambdaMetrics()
    publisher = MetricsPublisher(emulator.url, data_plane.metrics, interval_s=0.2, sample_sqs=False).start()
    try:
        # When the function fails
        data_plane.invoke(name, b'{"fail": true}')
        # Then its error alarm goes to ALARM
        deadline = time.monotonic() + 60
        state = ""
        while time.monotonic() < deadline:
            (alarm,) = cloudwatch.describe_alarms(AlarmNames=[f"{name}-errors"])["MetricAlarms"]
            state = alarm["StateValue"]
            if state == "ALARM":
                break
            time.sleep(0.1)
        assert state == "ALARM", f"the error alarm stayed {state}"
    finally:
        publisher.stop()
        data_plane.metrics = None
        alarms.set_time_scale(previous)
